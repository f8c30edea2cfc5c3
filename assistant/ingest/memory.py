"""Handing memory freed during a long ingest back to the operating system.

The tokenizers, torch and Chroma allocate and free many mid-sized blocks for each file. glibc
keeps the freed pages inside its heap instead of returning them, so without a trim a large
ingest's resident memory grows with every file (measured with `benchmarks/ingest_memory.py`:
784 to 1,264 MB over 40 files and 1,674 chunks, while the Python objects held stayed flat at
about 35 MB; with the trim, 801 to 943 MB). ``malloc_trim(0)`` returns those pages; it is a
no-op outside glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _glibc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None  # musl has none


def release_freed_memory() -> bool:
    """Return the heap pages that native code has freed to the system; whether it could."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
