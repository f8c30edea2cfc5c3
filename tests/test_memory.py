"""Freed native memory goes back to the system during long ingests (assistant/ingest/memory.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assistant.ingest.memory import release_freed_memory


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_blocks_are_returned_to_the_system() -> None:
    blocks = [bytes(10_000) for _ in range(20_000)]  # 200 MB in mid-sized heap blocks
    keep = blocks[::50]  # every 50th stays: the heap cannot shrink from its top alone
    del blocks
    before = _rss_mb()
    assert release_freed_memory()
    assert _rss_mb() < before - 100  # most of the 196 MB freed is back with the system
    assert len(keep) == 400
