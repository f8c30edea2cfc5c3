"""The curated knowledge: the instrument catalog and case library, their schema and quote checks."""
