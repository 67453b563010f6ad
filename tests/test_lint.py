"""The code is linted with ruff, and formatted like the rest of the package."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
RUFF = [sys.executable, "-m", "ruff"]


def ruff(*arguments):
    return subprocess.run([*RUFF, *arguments], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_no_lint_errors_in_code_docs_and_notebooks():
    result = ruff("check", ".")
    assert result.returncode == 0, result.stdout


def test_python_sources_are_ruff_formatted():
    # Markdown is left out: pages quote the source articles' code as written.
    paths = ["src", "tests", "conftest.py", "mkdocs_hooks", "benchmarks", "tools"]
    result = ruff("format", "--check", *paths)
    assert result.returncode == 0, result.stdout
