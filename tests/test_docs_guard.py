"""Guards on docs/: every fence runs, every page has its twin with the same code."""

import json
import re
from pathlib import Path

import pytest
from docs_harness import StandaloneDocstrings, StandaloneMarkdownBlocks
from markdown.extensions.toc import slugify
from sybil import Document
from sybil.document import PythonDocStringDocument

DOCS = Path(__file__).parent.parent / "docs"
COLLECTED = {"python", "pycon"}
NOT_PYTHON = {"bash", "console", "text", "yaml", "toml", "json", "html", "css"}
OPENING = re.compile(
    r"^(?P<indent>\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+)?)(?P<fence>`{3,}|~{3,})(?P<info>.*)$"
)


def fences(path: Path) -> list[tuple[int, str, str]]:
    """(line number, info string, body) of every fenced block of a Markdown file."""
    found, lines, index = [], path.read_text(encoding="utf-8").splitlines(), 0
    while index < len(lines):
        opening = OPENING.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, info = opening["fence"], opening["info"].strip()
        body, index = [], index + 1
        while index < len(lines):
            stripped = lines[index].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(
                fence[0]
            ):
                break
            body.append(lines[index][len(opening["indent"]) :])
            index += 1
        found.append((index - len(body), info, "\n".join(body)))
        index += 1
    return found


def pages(language: str) -> set[str]:
    root = DOCS / language
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.suffix in {".md", ".ipynb"}
    }


MARKDOWN = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_fence_is_collected_or_declared_not_python(path):
    for line, info, _ in fences(path):
        assert info in COLLECTED | NOT_PYTHON, (
            f"{path}:{line}: fence info {info!r} would be skipped silently by the "
            f"docs tests; use one of {sorted(COLLECTED | NOT_PYTHON)} alone"
        )


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_python_fences_are_scripts_and_pycon_fences_are_sessions(path):
    for line, info, body in fences(path):
        if info == "python":
            assert not body.lstrip().startswith(">>>"), f"{path}:{line}: use ```pycon"
        if info == "pycon":
            assert body.lstrip().startswith(">>>"), f"{path}:{line}: use ```python"


def test_every_page_has_its_twin_in_the_other_language():
    assert pages("en") == pages("zh")


def without_comments(code: str) -> str:
    """Drops `# ...` comments outside string literals, and blank lines.

    Doctest directives (`# doctest: +ELLIPSIS`) are kept: they change what a block
    checks, and only the English pages' blocks are run (conftest.py).
    """
    kept = []
    for line in code.splitlines():
        quote, cut = None, len(line)
        for position, char in enumerate(line):
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#":
                cut = position
                if line[position:].startswith("# doctest:"):
                    cut = len(line)
                break
        if line[:cut].strip() not in {"", ">>>", "..."}:
            kept.append(line[:cut].rstrip())
    return "\n".join(kept)


def code_blocks(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    else:
        sources = [body for _, info, body in fences(path)]
    return [without_comments(source) for source in sources]


def test_twin_code_may_differ_in_comments_but_not_in_doctest_directives():
    english = ">>> torch.manual_seed(0)  # doctest: +ELLIPSIS\n<...>"
    chinese = ">>> torch.manual_seed(0)  # 固定随机种子\n<...>"
    assert without_comments(english.replace("doctest: +ELLIPSIS", "seed")) == (
        without_comments(chinese)
    )
    assert without_comments(english) != without_comments(chinese)


@pytest.mark.parametrize("page", sorted(pages("en") & pages("zh")))
def test_twin_pages_have_the_same_code_comments_aside(page):
    assert code_blocks(DOCS / "zh" / page) == code_blocks(DOCS / "en" / page)


def heading_levels(path: Path) -> list[int]:
    """The level of every heading, in page order (code excluded)."""
    if path.suffix == ".md":
        return [level for level, _ in heading_anchors(path)]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    texts = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    return [
        len(match[1])
        for text in texts
        for match in re.finditer(r"^(#{1,6}) ", text, re.MULTILINE)
    ]


def heading_anchors(path: Path) -> list[tuple[int, str]]:
    """(level, id) of every heading of a Markdown page, as the toc extension sets."""
    text = path.read_text(encoding="utf-8")
    for _, _, body in fences(path):
        text = text.replace(body, "", 1)
    anchors = []
    for match in re.finditer(r"^(#{1,6}) (.*?)\s*$", text, re.MULTILINE):
        title = match[2]
        explicit = re.search(r"\{ #([\w-]+) \}$", title)
        if explicit:
            anchors.append((len(match[1]), explicit[1]))
            continue
        plain = re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", title).replace("`", "")
        anchors.append((len(match[1]), slugify(plain.replace("*", ""), "-")))
    return anchors


MARKDOWN_TWINS = sorted(p for p in pages("en") & pages("zh") if p.endswith(".md"))


@pytest.mark.parametrize("page", MARKDOWN_TWINS)
def test_chinese_headings_keep_the_english_anchors(page):
    # Links with #anchors then work in both languages, and so does the switch.
    en = [a for level, a in heading_anchors(DOCS / "en" / page) if level >= 2]
    zh = [a for level, a in heading_anchors(DOCS / "zh" / page) if level >= 2]
    assert zh == en


@pytest.mark.parametrize("page", sorted(pages("en") & pages("zh")))
def test_twin_pages_have_the_same_headings_level_by_level(page):
    assert heading_levels(DOCS / "zh" / page) == heading_levels(DOCS / "en" / page)


@pytest.mark.parametrize("path", sorted(DOCS.rglob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs(path):
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        assert not cell.get("outputs") and cell.get("execution_count") is None


def test_a_block_that_relies_on_an_earlier_block_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nanswer = 42\n```\n\n```pycon\n>>> answer\n42\n```\n",
        encoding="utf-8",
    )
    examples = list(Document.parse(str(page), StandaloneMarkdownBlocks()))
    assert len(examples) == 2
    examples[0].evaluate()
    with pytest.raises(Exception, match="NameError: name 'answer' is not defined"):
        examples[1].evaluate()


DOCSTRING = '''def documented():
    """A function whose examples the API page shows as three code blocks.

    Examples:
        >>> answer = 42
        >>> answer
        42

        Prose between two blocks.

        >>> answer
        42

        >>> question = 6 * 7
        >>> question
        42
    """
'''


def test_a_docstring_block_that_relies_on_an_earlier_rendered_block_fails(
    tmp_path, monkeypatch
):
    monkeypatch.syspath_prepend(str(tmp_path))  # Sybil imports the module
    module = tmp_path / "documented_module.py"
    module.write_text(DOCSTRING, encoding="utf-8")
    document = PythonDocStringDocument.parse(str(module), StandaloneDocstrings())
    examples = list(document)
    assert len(examples) == 5
    examples[0].evaluate()
    examples[1].evaluate()  # the same rendered block: the name is still there
    with pytest.raises(Exception, match="NameError: name 'answer' is not defined"):
        examples[2].evaluate()  # after prose
    examples[3].evaluate()
    examples[4].evaluate()
    examples[0].evaluate()
    examples[3].evaluate()  # after a blank line
    assert "answer" not in examples[3].namespace
