"""Sybil parsers that run each docs code block, and each docstring, on its own.

Readers copy single blocks, so each Markdown fence (and each docstring) runs in a
fresh namespace: a block that silently depends on an earlier one fails.
Markdown fences: ```python is run as a script, ```pycon as a doctest.
"""

import doctest
from collections.abc import Iterable

from sybil import Document, Example, Region
from sybil.evaluators.doctest import DocTestEvaluator
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.abstract.doctest import DocTestStringParser
from sybil.parsers.markdown import CodeBlockParser
from sybil.parsers.rest import DocTestParser

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
