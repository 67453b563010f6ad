"""Sybil parsers that run each code block of the docs on its own, as readers meet it.

Readers copy single blocks, so each block runs in a fresh namespace: a block that
silently depends on an earlier one fails.
- Markdown fences: ```python is run as a script, ```pycon as a doctest.
- Docstrings: the API pages render an `Examples:` section as one code block per
  run of `>>>` lines, a blank line or prose starting the next block (griffe's
  rule), so each such run is a block of its own.
"""

import doctest
import re
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
    """Each rendered block of docstring examples runs alone (see the module doc)."""

    def __init__(self) -> None:
        self.doctests = DocTestParser(optionflags=OPTIONFLAGS)

    def __call__(self, document: Document) -> Iterable[Region]:
        previous_end = None
        for region in self.doctests(document):
            # Regions span whole lines: anything between two of them, a blank line
            # or prose, ends a rendered block.
            if previous_end is None or document.text[previous_end : region.start]:
                starting_fresh(region)
            previous_end = region.end
            yield region


# The opening line of a Markdown fence, also inside quotes and list items.
FENCE_OPENING = re.compile(
    r"^(?P<indent>\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+)?)(?P<fence>`{3,}|~{3,})(?P<info>.*)$"
)


def comment_start(line: str) -> int:
    """Where the line's `# ...` comment starts (outside string literals), or its end."""
    quote = None
    for position, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            return position
    return len(line)
