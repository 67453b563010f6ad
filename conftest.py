"""Collects every code block in docs/ and every docstring example in src/ as tests.

The parsers live in tests/docs_harness.py; see there for the fresh-namespace rule.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from docs_harness import StandaloneDocstrings, StandaloneMarkdownBlocks  # noqa: E402
from sybil import Sybil  # noqa: E402

markdown = Sybil(parsers=[StandaloneMarkdownBlocks()], patterns=["*.md"], path="docs")
docstrings = Sybil(parsers=[StandaloneDocstrings()], patterns=["*.py"], path="src")
pytest_collect_file = (markdown + docstrings).pytest()
