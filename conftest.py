"""Collects every code block in docs/ and every docstring example in src/ as tests.

Readers copy single blocks, so each Markdown fence (and each docstring) runs in a
fresh namespace: a block that silently depends on an earlier one fails here.
Markdown fences: ```python is run as a script, ```pycon as a doctest.
"""

import doctest
import os
from collections.abc import Iterable

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from sybil import Document, Example, Region, Sybil  # noqa: E402
from sybil.evaluators.doctest import DocTestEvaluator  # noqa: E402
from sybil.evaluators.python import PythonEvaluator  # noqa: E402
from sybil.parsers.abstract.doctest import DocTestStringParser  # noqa: E402
from sybil.parsers.markdown import CodeBlockParser  # noqa: E402
from sybil.parsers.rest import DocTestParser  # noqa: E402

OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def starting_fresh(region: Region) -> Region:
    """Makes `region` empty the shared namespace before it runs."""
    evaluate = region.evaluator

    def evaluate_in_fresh_namespace(example: Example) -> str | None:
        example.namespace.clear()
        return evaluate(example)

    region.evaluator = evaluate_in_fresh_namespace
    return region


class StandaloneMarkdownBlocks:
    """```python fences run as scripts, ```pycon fences as doctests, each alone."""

    def __init__(self) -> None:
        self.scripts = CodeBlockParser("python", PythonEvaluator())
        self.sessions = CodeBlockParser("pycon")
        self.doctests = DocTestStringParser(DocTestEvaluator(OPTIONFLAGS))

    def __call__(self, document: Document) -> Iterable[Region]:
        blocks = [[fence] for fence in self.scripts(document)]
        for fence in self.sessions(document):
            source = fence.parsed
            examples = list(self.doctests(source, document.path))
            for example in examples:
                example.adjust(fence, source)
            blocks.append(examples)
        for block in sorted(filter(None, blocks), key=lambda b: b[0].start):
            starting_fresh(block[0])
            yield from block


class StandaloneDocstrings:
    """The doctests of each docstring run together, apart from other docstrings."""

    def __init__(self) -> None:
        self.doctests = DocTestParser(optionflags=OPTIONFLAGS)

    def __call__(self, document: Document) -> Iterable[Region]:
        regions = list(self.doctests(document))
        if regions:
            starting_fresh(regions[0])
        yield from regions


markdown = Sybil(parsers=[StandaloneMarkdownBlocks()], patterns=["*.md"], path="docs")
docstrings = Sybil(parsers=[StandaloneDocstrings()], patterns=["*.py"], path="src")
pytest_collect_file = (markdown + docstrings).pytest()
