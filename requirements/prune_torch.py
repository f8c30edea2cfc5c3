"""Remove the parts of torch's CPU wheel the product never uses: its C++ test programs and
test data, the C++ headers (for compiling extensions) and protoc, about 190 MB.
``torch_shm_manager`` (torch.multiprocessing) and every library stay. Run by ``make install``."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

root = Path(torch.__file__).parent
for folder in (root / "test", root / "include"):
    shutil.rmtree(folder, ignore_errors=True)
for path in (root / "bin").iterdir():
    if path.name != "torch_shm_manager":
        shutil.rmtree(path) if path.is_dir() else path.unlink()
