"""requirements.lock pins, with hashes, everything pyproject.toml asks for."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parent.parent
LOCK = (ROOT / "requirements.lock").read_text(encoding="utf-8")
PINS = {
    canonicalize_name(name): Version(version)
    for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", LOCK, re.MULTILINE)
}


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    strings = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    requirements = [Requirement(s) for s in strings]
    return [r for r in requirements if r.marker is None or r.marker.evaluate()]


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_lock_pins_a_version_that_satisfies_pyproject(requirement):
    name = canonicalize_name(requirement.name)
    assert name in PINS, f"{requirement.name} is declared but not in requirements.lock"
    assert requirement.specifier.contains(PINS[name], prereleases=True)


def test_every_pin_carries_a_hash():
    entries = re.split(r"\n(?=[A-Za-z])", LOCK.split("\n", 2)[2].strip())
    assert len(entries) == len(PINS)
    for entry in entries:
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), entry.splitlines()[0]
