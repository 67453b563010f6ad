"""Helpers shared by several test modules."""

import os

import pytest


def require_or_skip(tool: str, how_to_install: str) -> None:
    """Skips a test whose tool is missing, except under .ci/run, where it fails."""
    message = f"{tool} not found; {how_to_install}"
    if os.environ.get("LOSSBOOK_CI") == "1":
        pytest.fail(message + " (required under .ci/run)")
    pytest.skip(message)
