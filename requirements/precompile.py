"""Write the bytecode (.pyc) of the modules the product imports, and only of those.

`make install` installs with ``pip --no-compile``: pip would compile every module of every
package (about 490 MB), most of them never imported. Python would then compile the rest on
first import, except where ``PYTHONDONTWRITEBYTECODE`` is set (as on these machines): there every
process compiles its imports again (the product's main imports: about 12 s with bytecode, 38 s
without). So this script imports what the CLI, the app and the models load, and compiles the
modules that import brought in, under site-packages (about 5,500 modules, 120 MB of
bytecode). A module that only some rarer path imports is compiled in memory when it is used,
as before.
"""

from __future__ import annotations

import importlib
import py_compile
import sys
import sysconfig
from pathlib import Path

SITE = Path(sysconfig.get_paths()["purelib"]).resolve()
# What the commands, the app and the answer / recommend / ingest paths import, lazily included.
MODULES = (
    "assistant.cli",
    "assistant.cli.ask_cmd",
    "assistant.cli.ingest_cmd",
    "assistant.cli.recommend_cmd",
    "assistant.cli.search_cmd",
    "assistant.cli.eval_cmd",
    "assistant.answering.answerer",
    "assistant.recommending.roadmap",
    "assistant.recommending.export",
    "assistant.ingest.pipeline",
    "assistant.ingest.loaders",
    "assistant.ui.app",
    "streamlit.web.bootstrap",
    "streamlit.web.cli",
    "langchain_chroma",
    "langchain_openai",
    "langchain_ollama",
    "chromadb",
    "bm25s",
    "pypdf",
    "docx",
    "pysbd",
)


def load_models() -> None:
    """Load both embedding models (sentence-transformers imports their model classes then) and
    open a Chroma store in a temporary folder (its client imports the rest)."""
    import tempfile

    import chromadb

    from assistant.index.embeddings import first_embeddings, second_embeddings
    from assistant.settings import Settings

    settings = Settings()
    for model in (first_embeddings(settings), second_embeddings(settings)):
        if model is not None:
            model.embed_query("cluster")
    with tempfile.TemporaryDirectory() as folder:
        chromadb.PersistentClient(folder).heartbeat()


def compile_imported() -> int:
    """Compile every imported module under site-packages; the number compiled."""
    done = 0
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None) or ""
        if not source.endswith(".py") or not Path(source).resolve().is_relative_to(SITE):
            continue
        if py_compile.compile(source, doraise=False, quiet=1):
            done += 1
    return done


if __name__ == "__main__":
    for name in MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional backend not installed
            continue
    load_models()
    print(f"compiled {compile_imported()} imported modules of {SITE}")
