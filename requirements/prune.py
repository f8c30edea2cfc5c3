"""Remove from the installed environment what the product and its tests never use, by measure
(`make install` runs it; see the Makefile). Each step names what it removes and why:

1. torch's C++ test programs, their data, the C++ headers (for compiling extensions) and protoc
   (about 190 MB). ``torch_shm_manager`` (torch.multiprocessing) and every library stay.
2. The packages' own test suites, folders named ``tests`` (pandas, scipy, numpy, sympy, pyarrow,
   sklearn, ...; about 110 MB): never imported (``numpy.testing``, ``torch.testing`` and other
   helpers that code does import are named differently and stay).
3. Playwright's bundled Node.js (144 MB, for the browser test): replaced by a link to the
   machine's ``node`` when that is a release Playwright's driver supports (18 or newer);
   otherwise the bundled one stays.
4. The static symbol tables of the shared libraries (``strip --strip-unneeded``, about 230 MB,
   89 MB of it libtorch_cpu): only debuggers read them; the dynamic symbols that loading and
   linking use stay. Skipped when ``strip`` is not on the machine.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import sysconfig
from pathlib import Path

SITE = Path(sysconfig.get_paths()["purelib"])
OWN = "assistant"  # the project's own package (editable install: not in site-packages anyway)


def prune_torch() -> None:
    # Not imported: strip rewrites libtorch in place, which would crash a process that maps it.
    root = SITE / "torch"
    for folder in (root / "test", root / "include"):
        shutil.rmtree(folder, ignore_errors=True)
    for path in (root / "bin").iterdir():
        if path.name != "torch_shm_manager":
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def prune_test_suites() -> None:
    for top in SITE.iterdir():
        if not top.is_dir() or top.name.endswith((".dist-info", ".libs")) or top.name == OWN:
            continue
        for folder in sorted(top.rglob("tests"), reverse=True):
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder, ignore_errors=True)


def node_major(node: str) -> int:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
        return int(out.stdout.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0


def link_playwright_node() -> None:
    bundled = SITE / "playwright" / "driver" / "node"
    node = shutil.which("node")
    if not bundled.is_file() or bundled.is_symlink() or node is None or node_major(node) < 18:
        return
    bundled.unlink()
    bundled.symlink_to(Path(node).resolve())


def elf_header(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(64)


def loadable(path: Path) -> bool:
    """Whether every loadable segment of a 64-bit little-endian ELF file keeps its offset and
    address congruent modulo its alignment. ``strip`` breaks that in libraries that auditwheel
    patched with patchelf (numpy's and scipy's OpenBLAS: "ELF load command address/offset not
    page-aligned"), so such a stripped copy is thrown away."""
    data = path.read_bytes()
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, _, _, p_align = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize
        )
        if p_type == 1 and p_align > 1 and (p_offset - p_vaddr) % p_align:
            return False
    return True


def strip_libraries() -> None:
    strip = shutil.which("strip")
    if strip is None:
        return
    for path in sorted(SITE.rglob("*.so*")):
        if not path.is_file() or path.is_symlink() or path.stat().st_size < 200_000:
            continue
        head = elf_header(path)
        # ELF, 64-bit, little-endian, a shared object (e_type ET_DYN)
        if head[:6] != b"\x7fELF\x02\x01" or head[16] != 3:
            continue
        # A stripped copy replaces the file (a new inode: a process that maps the old one,
        # this one or another, is not disturbed), and only when it is still loadable.
        copy = path.with_name(path.name + ".stripped")
        done = subprocess.run([strip, "--strip-unneeded", "-o", str(copy), str(path)])
        if done.returncode == 0 and loadable(copy) and copy.stat().st_size < path.stat().st_size:
            shutil.copymode(path, copy)
            os.replace(copy, path)
        else:
            copy.unlink(missing_ok=True)


# The packages with native libraries, imported once after stripping, so that a broken library
# fails the install here rather than a test later.
NATIVE = "numpy, scipy, sklearn, torch, pyarrow, pandas, tokenizers, chromadb, Stemmer, lxml"


if __name__ == "__main__":
    prune_torch()
    prune_test_suites()
    if "playwright" in {p.name for p in SITE.iterdir()}:
        link_playwright_node()
    strip_libraries()
    subprocess.run([sys.executable, "-c", f"import {NATIVE}"], check=True)
    print(f"pruned {sys.prefix}")
