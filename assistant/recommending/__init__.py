"""Recommendations: a described cluster → profile → scored instruments → a phased, cited
roadmap, and its export as a strategy draft."""
