"""What a release ships: one version, its changelog section, a wheel that works.

The wheel is built the way `make dist` builds it (the sdist first, the wheel from
the sdist, so a file the sdist leaves out fails too), checked with
`twine check --strict`, and installed, not editable, into a fresh virtualenv
outside the source tree. There, the home page's quick start and every docstring
example run against the installed package.

The fresh virtualenv takes lossbook's dependencies from this project's .venv (a
.pth file puts its site-packages after the new one) instead of installing
TensorFlow a second time: the test checks instead that every requirement of the
`tensorflow` extra, as the wheel's metadata states it, is met there.
"""

import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import lossbook
from tools import changelog

ROOT = Path(__file__).parent.parent
# What the sdist is built from: the project's packaging files and the package.
PROJECT_FILES = ["pyproject.toml", "README.md", "LICENSE", "src"]
HARNESS = Path(__file__).parent / "docs_harness.py"


def test_the_package_version_has_a_changelog_section():
    assert changelog.section(lossbook.__version__).strip()


def test_the_release_notes_of_a_version_are_its_section_and_nothing_else():
    text = textwrap.dedent(
        """\
        # Changelog

        ## Unreleased (1.1.0)

        - coming

        ## 1.0.0 — 2026-01-02

        - first
        """
    )
    assert changelog.section("1.1.0.dev0", text) == "- coming\n"
    assert changelog.section("1.0.0", text) == "- first\n"
    for missing in ("1.1.0", "1.0.1", "1.0.0.dev0"):
        with pytest.raises(ValueError, match=re.escape(missing)):
            changelog.section(missing, text)


def test_the_version_is_written_in_one_place():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "lossbook.__version__"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The sdist and the wheel, built from a copy of the project's files."""
    source = tmp_path_factory.mktemp("source")
    for name in PROJECT_FILES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    # No isolation: setuptools comes from .venv (pinned in requirements.lock).
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out)]
    built = subprocess.run(command, cwd=source, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


def test_the_distributions_pass_twine_check_strict(dist):
    files = sorted(str(f) for f in dist.iterdir())
    assert sorted(Path(f).suffix for f in files) == [".gz", ".whl"]
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *files],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_wheel_holds_the_package_and_its_license(dist):
    import zipfile

    (wheel,) = dist.glob("*.whl")
    assert wheel.name == f"lossbook-{lossbook.__version__}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    sources = sorted(
        p.relative_to(ROOT / "src").as_posix()
        for p in (ROOT / "src" / "lossbook").rglob("*.py")
    )
    assert sorted(n for n in names if n.endswith(".py")) == sources
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory):
    """A fresh virtualenv, outside the source tree, with the wheel installed."""
    venv = tmp_path_factory.mktemp("fresh-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    (wheel,) = dist.glob("*.whl")
    command = [sys.executable, "-m", "pip", "--python", str(python), "install"]
    subprocess.run(
        [*command, "--quiet", "--no-deps", "--no-index", str(wheel)], check=True
    )
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies: this environment's site-packages, after the fresh one.
    (Path(site_packages) / "dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )
    return python, Path(site_packages)


def run_in(python, code: str, cwd: Path) -> subprocess.CompletedProcess:
    # -I: no PYTHONPATH, no user site, no current directory on sys.path.
    return subprocess.run(
        [python, "-I", "-c", code], cwd=cwd, capture_output=True, text=True
    )


def test_the_installed_package_is_the_wheel_not_the_source_tree(installed, tmp_path):
    python, site_packages = installed
    code = "import lossbook; print(lossbook.__file__); print(lossbook.__version__)"
    ran = run_in(python, code, tmp_path)
    assert ran.returncode == 0, ran.stderr[-3000:]
    where, version = ran.stdout.split()
    assert Path(where).is_relative_to(site_packages)
    assert version == lossbook.__version__


def test_the_tensorflow_extra_is_met_by_what_the_wheel_requires(installed, tmp_path):
    python, _ = installed
    code = textwrap.dedent(
        """
        from importlib.metadata import requires, version
        from packaging.requirements import Requirement
        for line in requires("lossbook"):
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is None or marker.evaluate({"extra": "tensorflow"}):
                print(requirement, version(requirement.name))
        """
    )
    ran = run_in(python, code, tmp_path)
    assert ran.returncode == 0, ran.stderr[-3000:]
    found = dict(line.rsplit(" ", 1) for line in ran.stdout.splitlines())
    names = {Requirement(r).name for r in found}
    assert {"keras", "numpy", "tensorflow-cpu"} <= names
    for requirement, installed_version in found.items():
        assert Requirement(requirement).specifier.contains(installed_version)


def test_the_quick_start_runs_against_the_installed_package(installed, tmp_path):
    python, _ = installed
    home = (ROOT / "docs/en/index.md").read_text(encoding="utf-8")
    quick_start = home.split("## Quick start", 1)[1]
    block = re.search(r"```python\n(.*?)```", quick_start, re.DOTALL).group(1)
    ran = run_in(python, block, tmp_path)
    assert ran.returncode == 0, ran.stderr[-3000:]


def test_every_docstring_example_runs_against_the_installed_package(
    installed, tmp_path
):
    python, site_packages = installed
    shutil.copy(HARNESS, tmp_path / "docs_harness.py")
    # A plugin module, not a conftest.py: the collected files lie outside tmp_path.
    (tmp_path / "installed_docstrings.py").write_text(
        textwrap.dedent(
            f"""
            import os
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            from docs_harness import StandaloneDocstrings
            from sybil import Sybil
            pytest_collect_file = Sybil(
                parsers=[StandaloneDocstrings()],
                patterns=["*.py"],
                path={str(site_packages / "lossbook")!r},
            ).pytest()
            """
        )
    )
    # `python -m` puts the working directory, tmp_path, on sys.path.
    command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "installed_docstrings"]
    command += ["--rootdir", str(tmp_path), str(site_packages / "lossbook")]
    ran = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout[-5000:]
    passed = int(re.search(r"(\d+) passed", ran.stdout).group(1))
    assert passed >= len(lossbook.__all__)  # an example per public name, at least
