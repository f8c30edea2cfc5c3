"""Library page: what is indexed, adding documents, removing them, index status."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import streamlit as st

from assistant.citations import display_authors
from assistant.index.store import FileEntry, IndexStore
from assistant.ingest.pipeline import IngestReport, discover
from assistant.settings import Settings
from assistant.ui import resources
from assistant.ui.indexing import run_indexer
from assistant.ui.uploads import (
    UPLOAD_TYPES,
    CheckedUpload,
    UploadError,
    check_upload,
    save_uploads,
)

REPORT_KEY = "library_report"
BAD = ("refused", "failed")


def documents_folder(settings: Settings) -> Path:
    return Path(settings.corpus_dir) / "documents"


def document_rows(settings: Settings) -> list[dict[str, object]]:
    """One row per indexed file: bibliographic metadata and its number of passages."""
    store = IndexStore(settings)
    entries = list(store.load_ledger().files.values())
    firsts = store.get([e.chunk_ids[0] for e in entries if e.chunk_ids])
    meta = {d.metadata.get("doc_id"): d.metadata for d in firsts}
    rows = []
    for entry in sorted(entries, key=lambda e: e.title.lower()):
        m = meta.get(entry.doc_id, {})
        rows.append(
            {
                "Title": entry.title,
                "Authors": display_authors(str(m.get("authors", ""))),
                "Year": m.get("year"),
                "Kind": m.get("kind") or Path(entry.path).suffix.lstrip(".").upper(),
                "Passages": len(entry.chunk_ids),
                "File": entry.path,
            }
        )
    return rows


def render_status(settings: Settings) -> None:
    store = IndexStore(settings)
    ledger = store.load_ledger()
    version = resources.index_version(settings)
    cols = st.columns(3)
    cols[0].metric("Documents", len(ledger.files))
    cols[1].metric("Passages", f"{len(ledger.chunk_ids()):,}")
    when = datetime.fromtimestamp(version) if version else None
    cols[2].metric("Last updated", f"{when:%d %b %Y}" if when else "never")
    model = str(ledger.signature.get("model", "?")).split(":")[0]
    size = ledger.signature.get("chunk_tokens", "?")
    st.caption(
        f"Embedding model `{model}` · passages of up to {size} tokens · "
        f"index `{settings.index_dir}`" + (f" · updated {when:%Y-%m-%d %H:%M}" if when else "")
    )
    pending = unindexed_files(settings, ledger.files)
    if pending:
        st.warning(
            f"{len(pending)} file(s) in the documents folder are not indexed yet: "
            + ", ".join(p.name for p in pending[:5])
        )
        if st.button("Index them now"):
            remember(run_indexer(settings, [documents_folder(settings)]), {})


def unindexed_files(settings: Settings, files: dict[str, FileEntry]) -> list[Path]:
    folder = documents_folder(settings)
    if not folder.exists():
        return []
    found, _ = discover([folder])
    corpus = Path(settings.corpus_dir).resolve()
    return [p for p in found if str(p.relative_to(corpus)) not in files]


def report_rows(report: IngestReport, refused: dict[str, str]) -> list[dict]:
    """The per-file outcome of an upload, failures explained."""
    rows = [{"File": name, "Result": "refused", "Detail": why} for name, why in refused.items()]
    outcomes = (
        (report.added, "added", "indexed"),
        (report.updated, "updated", "new version indexed"),
        (report.unchanged, "unchanged", "already in the library"),
        (report.removed, "removed", "removed from the library"),
    )
    for keys, result, detail in outcomes:
        rows += [{"File": Path(k).name, "Result": result, "Detail": detail} for k in keys]
    rows += [
        {"File": Path(k).name, "Result": "failed", "Detail": why}
        for k, why in report.failed.items()
    ]
    return rows


def remember(report: IngestReport | None, refused: dict[str, str]) -> None:
    if report is not None or refused:
        st.session_state[REPORT_KEY] = (report or IngestReport(), refused)
    st.session_state["uploader_round"] = st.session_state.get("uploader_round", 0) + 1
    st.rerun()


def add_uploads(settings: Settings, files: list) -> None:
    """Check, store and index uploaded files; refused or unreadable files leave no trace."""
    accepted: list[CheckedUpload] = []
    refused: dict[str, str] = {}
    known = {e.sha256: e.title for e in IndexStore(settings).load_ledger().files.values()}
    for file in files:
        try:
            accepted.append(check_upload(file.name, file.getvalue(), settings.max_file_mb, known))
        except UploadError as exc:
            refused[file.name] = str(exc)
    report = None
    if accepted:
        saved = save_uploads(documents_folder(settings), accepted)
        report = run_indexer(settings, list(saved))
        failed = report.failed if report else {str(p): "not indexed" for p in saved}
        corpus = Path(settings.corpus_dir)
        for path, is_new in saved.items():
            key = str(path.resolve().relative_to(corpus.resolve()))
            if is_new and (key in failed or str(path) in failed):
                path.unlink(missing_ok=True)
    remember(report, refused)


def render_upload(settings: Settings) -> None:
    st.subheader("Add documents")
    st.caption(
        f"PDF, Word (.docx), Markdown or text, up to {settings.max_file_mb:g} MB each. Files are "
        f"checked by content, stored in `{documents_folder(settings)}` and indexed at once."
    )
    round_ = st.session_state.get("uploader_round", 0)
    files = st.file_uploader(
        "Documents to add",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"uploader_{round_}",
    )
    if st.button("Add to library", type="primary", disabled=not files):
        add_uploads(settings, list(files or []))
    if REPORT_KEY in st.session_state:
        report, refused = st.session_state[REPORT_KEY]
        rows = report_rows(report, refused)
        if any(r["Result"] in BAD for r in rows):
            bad = [f"**{r['File']}**: {r['Detail']}" for r in rows if r["Result"] in BAD]
            st.error("Some files were not added.  \n" + "  \n".join(bad))
        if report.added or report.updated:
            count = len(report.added) + len(report.updated)
            st.success(f"Added {count} document(s) to the library.")
        st.dataframe(rows, hide_index=True, width="stretch")


def remove_document(settings: Settings, key: str) -> None:
    path = Path(settings.corpus_dir, key).resolve()
    folder = documents_folder(settings).resolve()
    if not path.is_relative_to(folder):
        st.error(f"{key} is not in the corpus documents folder; remove it with the CLI.")
        return
    path.unlink(missing_ok=True)
    report = run_indexer(settings, [folder])
    if report is not None:
        st.session_state[REPORT_KEY] = (report, {})
        st.toast(f"Removed {path.name}")
        st.rerun()


def render_remove(settings: Settings) -> None:
    files = IndexStore(settings).load_ledger().files
    if not files:
        return
    with st.expander("Remove a document"):
        titles = {k: f"{e.title} ({Path(e.path).name})" for k, e in files.items()}
        key = st.selectbox("Document", list(titles), format_func=lambda k: titles[k])
        sure = st.checkbox("Delete the file from the corpus and its passages from the index")
        if st.button("Remove", disabled=not sure) and key is not None:
            remove_document(settings, key)


def render(settings: Settings) -> None:
    """The Library page."""
    st.title("Library")
    st.caption("The documents the assistant answers from, and how to add to them.")
    render_status(settings)
    rows = document_rows(settings)
    st.subheader(f"Indexed documents ({len(rows)})")
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            "Title": st.column_config.TextColumn(width="large"),
            "Authors": st.column_config.TextColumn(width="medium"),
            "Year": st.column_config.NumberColumn(format="%d", width="small"),
            "Kind": st.column_config.TextColumn(width="small"),
            "Passages": st.column_config.NumberColumn(help="Chunks in the index", width="small"),
            "File": st.column_config.TextColumn(width="medium"),
        },
    )
    render_upload(settings)
    render_remove(settings)
