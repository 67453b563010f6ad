"""Prints the CHANGELOG.md section of a version: the notes of its GitHub release.

Usage: python tools/changelog.py VERSION

A released version has a section headed `## VERSION — YYYY-MM-DD`; a development
version (0.2.0.dev0) is described under `## Unreleased (0.2.0)`. Exits with an
error naming the version if CHANGELOG.md has no such section.
"""

import re
import sys
from pathlib import Path

CHANGELOG = Path(__file__).parent.parent / "CHANGELOG.md"
DEV = re.compile(r"(?P<base>\d+\.\d+\.\d+)\.dev\d+")


def heading(version: str) -> str:
    """The heading a section for `version` has, as a regular expression."""
    dev = DEV.fullmatch(version)
    if dev:
        return re.escape(f"Unreleased ({dev['base']})")
    return re.escape(version) + r" — \d{4}-\d\d-\d\d"


def section(version: str, text: str | None = None) -> str:
    """The body of `version`'s section, without its heading."""
    text = CHANGELOG.read_text(encoding="utf-8") if text is None else text
    found = re.search(
        rf"^## {heading(version)}\n(?P<body>.*?)(?=^## |\Z)",
        text,
        re.MULTILINE | re.DOTALL,
    )
    if found is None or not found["body"].strip():
        raise ValueError(f"CHANGELOG.md has no section for version {version}")
    return found["body"].strip() + "\n"


if __name__ == "__main__":
    try:
        sys.stdout.write(section(sys.argv[1]))
    except (IndexError, ValueError) as error:
        sys.exit(f"{error}\n{__doc__}")
