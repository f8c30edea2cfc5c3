"""Ingest: load files (PDF, Markdown, text, Word) → blocks with headings and pages → chunks with
bibliographic metadata → embedded and written to the index, incrementally (``pipeline.Indexer``)."""
