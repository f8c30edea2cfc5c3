"""The licences of everything installed, as pip-licenses reads them (every source: the licence
expression, the licence field and the classifiers), pip and its tools included: no GPL or AGPL
package (LGPL is fine). A licence field that holds a whole licence file is judged by its start,
the package's own licence: what follows names bundled parts (scipy's and numpy's libgfortran is
GPL-3.0 WITH the GCC Runtime Library Exception, which lets any program link it). A package
whose licence no source states is named in a warning, for a person to look up. `make licences`
prints the table."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from test_licences import is_copyleft

PIP_LICENSES = Path(sys.executable).parent / "pip-licenses"
FIELDS = ("License-Expression", "License-Metadata", "License-Classifier")
OWN_LICENCE = 200  # characters: the start of a licence file, where the package's own licence is


def installed_licences() -> list[dict[str, str]]:
    if not PIP_LICENSES.exists() and shutil.which("pip-licenses") is None:
        pytest.skip("pip-licenses is not installed (it comes with the dev extras)")
    out = subprocess.run(
        [str(PIP_LICENSES), "--format=json", "--from=all", "--with-system"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return json.loads(out)


def test_no_installed_package_is_gpl_or_agpl_by_any_source() -> None:
    packages = installed_licences()
    assert len(packages) > 50  # the whole environment was read
    copyleft = sorted(
        f"{p['Name']} {p['Version']}: {p[field][:100]}"
        for p in packages
        for field in FIELDS
        if is_copyleft(p.get(field, "")[:OWN_LICENCE])
    )
    assert not copyleft, "GPL or AGPL packages installed:\n" + "\n".join(copyleft)
    unknown = sorted(
        f"{p['Name']} {p['Version']}"
        for p in packages
        if all(p.get(field, "UNKNOWN") in ("UNKNOWN", "") for field in FIELDS)
    )
    if unknown:
        warnings.warn("licence unknown (look it up): " + ", ".join(unknown), stacklevel=1)


def test_the_report_reads_a_licence_from_each_source() -> None:
    by_name = {p["Name"].lower(): p for p in installed_licences()}
    assert by_name["pip"]["License-Expression"] == "MIT"
    assert "MIT" in by_name["pysbd"]["License-Metadata"]
    assert "MIT" in by_name["pysbd"]["License-Classifier"]
