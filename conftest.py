"""Collects every code block in docs/ and every docstring example in src/ as tests.

The parsers live in tests/docs_harness.py; see there for the fresh-namespace rule.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from docs_harness import StandaloneDocstrings, StandaloneMarkdownBlocks  # noqa: E402
from sybil import Sybil  # noqa: E402

# The Chinese pages' code is the English pages' code, byte for byte once comments
# other than doctest directives are dropped (tests/test_docs_guard.py, the twin
# test): running docs/en runs every block of docs/zh too.
markdown = Sybil(
    parsers=[StandaloneMarkdownBlocks()], patterns=["*.md"], path="docs/en"
)
docstrings = Sybil(parsers=[StandaloneDocstrings()], patterns=["*.py"], path="src")
pytest_collect_file = (markdown + docstrings).pytest()
