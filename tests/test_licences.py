"""The installed environment stays licence-clean: no GPL or AGPL package (LGPL is fine)."""

from __future__ import annotations

import importlib.metadata
import re

COPYLEFT = re.compile(
    r"\bA?GPL(v[23])?\b|GPL-[23]|Affero|GNU General Public License", re.IGNORECASE
)
LESSER = re.compile(r"\bLGPL|Lesser General Public", re.IGNORECASE)


def licence_texts(dist: importlib.metadata.Distribution) -> list[str]:
    meta = dist.metadata
    texts = [meta.get("License-Expression") or "", (meta.get("License") or "")[:200]]
    texts += [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return [t for t in texts if t]


def is_copyleft(text: str) -> bool:
    return bool(COPYLEFT.search(LESSER.sub("", text)))


def test_the_rule_tells_gpl_from_lgpl_and_permissive() -> None:
    assert is_copyleft("AGPL-3.0-or-later") and is_copyleft("GPL-2.0-only") and is_copyleft("GPLv3")
    assert is_copyleft("License :: OSI Approved :: GNU General Public License v3 (GPLv3)")
    assert not is_copyleft("LGPL-3.0-only") and not is_copyleft("MIT") and not is_copyleft("")
    assert not is_copyleft("License :: OSI Approved :: GNU Lesser General Public License v3")


def test_no_installed_package_is_gpl_or_agpl() -> None:
    found = {
        f"{dist.metadata['Name']}: {text}"
        for dist in importlib.metadata.distributions()
        for text in licence_texts(dist)
        if is_copyleft(text)
    }
    assert not found, "copyleft packages in the environment:\n" + "\n".join(sorted(found))
