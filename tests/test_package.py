"""The package as a library: its public names, cheap import, prompts and settings-derived paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import assistant
from assistant.llm import load_prompt
from assistant.settings import Settings

PUBLIC = {
    "Answer", "Answerer", "Catalog", "ChatSession", "Citation", "ClusterProfile",
    "HybridRetriever", "Indexer", "IngestReport", "LocalEmbeddings", "Recommendation",
    "Recommender", "Roadmap", "SearchIndex", "SearchResult", "Settings", "load_catalog",
    "make_chat_model", "parse_profile", "to_docx", "to_markdown",
}  # fmt: skip


def test_public_names_are_exported_and_resolve() -> None:
    assert set(assistant.__all__) == PUBLIC
    for name in assistant.__all__:
        assert getattr(assistant, name).__name__ == name


def test_importing_the_package_loads_no_heavy_library() -> None:
    code = "import sys, assistant, assistant.settings; print(sorted(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for heavy in ("'torch'", "'chromadb'", "'sentence_transformers'", "'streamlit'"):
        assert heavy not in loaded


def test_prompts_ship_with_the_package_and_a_folder_overrides_them(tmp_path: Path) -> None:
    shipped = load_prompt(None, "answer_system.md")
    assert shipped and shipped == load_prompt(Settings(), "answer_system.md")
    (tmp_path / "answer_system.md").write_text("Custom rules.", encoding="utf-8")
    assert load_prompt(Settings(prompts_dir=tmp_path), "answer_system.md") == "Custom rules."


def test_paths_follow_the_settings(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model_cache_dir=tmp_path / "models")
    assert settings.feedback_file == tmp_path / "idx" / "feedback.jsonl"
    from assistant.index.embeddings import first_embeddings, second_embeddings

    assert first_embeddings(settings).cache_dir == tmp_path / "models"
    second = second_embeddings(settings)
    assert second is not None and second.cache_dir == tmp_path / "models"
    assert second_embeddings(settings.model_copy(update={"second_embedding_model": ""})) is None
