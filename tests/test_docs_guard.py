"""Guards on docs/: every fence runs, every page has its twin with the same code."""

import ast
import json
import re
import string
from pathlib import Path

import pytest
from docs_harness import (
    FENCE_OPENING,
    StandaloneDocstrings,
    StandaloneMarkdownBlocks,
    comment_start,
)
from markdown.extensions.toc import slugify
from sybil import Document
from sybil.document import PythonDocStringDocument

DOCS = Path(__file__).parent.parent / "docs"
COLLECTED = {"python", "pycon"}
NOT_PYTHON = {"bash", "console", "text", "yaml", "toml", "json", "html", "css"}


def fences(path: Path) -> list[tuple[int, str, str]]:
    """(line number, info string, body) of every fenced block of a Markdown file."""
    found, lines, index = [], path.read_text(encoding="utf-8").splitlines(), 0
    while index < len(lines):
        opening = FENCE_OPENING.match(lines[index])
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
        cut = comment_start(line)
        if line[cut:].startswith("# doctest:"):
            cut = len(line)
        if line[:cut].strip() not in {"", ">>>", "..."}:
            kept.append(line[:cut].rstrip())
    return "\n".join(kept)


def code_blocks(path: Path) -> list[str]:
    return [without_comments(body) for _, _, body in fences(path)]


def notebook_cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def is_labels(cell: dict) -> bool:
    """A notebook's labels cell: what the page prints and draws, in its language."""
    return "labels" in cell["metadata"].get("tags", [])


def labels(cell: dict) -> tuple[str, list[tuple[str, str]]]:
    """The name and the (key, value) pairs of `NAME = {"key": "value", ...}`."""
    body = ast.parse("".join(cell["source"])).body
    assert len(body) == 1 and isinstance(body[0], ast.Assign), "one assignment only"
    targets, value = body[0].targets, body[0].value
    assert len(targets) == 1 and isinstance(targets[0], ast.Name), "one NAME = ..."
    assert isinstance(value, ast.Dict), "NAME = {...}, a dict literal"
    pairs = list(zip(value.keys, value.values, strict=True))
    assert all(
        isinstance(node, ast.Constant) and isinstance(node.value, str)
        for pair in pairs
        for node in pair
    ), "string keys and string values only"
    return targets[0].id, [(key.value, text.value) for key, text in pairs]


def placeholders(text: str) -> set[str]:
    """The field names of a str.format string (their format specs may differ)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def assert_twin_notebooks(en: list[dict], zh: list[dict]) -> None:
    """The same code comments aside, but for the labels cells: at the same places,
    each one dict with the same name, the same keys in the same order, and values
    with the same placeholders."""
    places = [index for index, cell in enumerate(en) if is_labels(cell)]
    assert places == [i for i, c in enumerate(zh) if is_labels(c)], "labels places"
    en_code, zh_code = (
        [
            without_comments("".join(cell["source"]))
            for cell in cells
            if cell["cell_type"] == "code" and not is_labels(cell)
        ]
        for cells in (en, zh)
    )
    assert zh_code == en_code
    for index in places:
        (en_name, en_pairs), (zh_name, zh_pairs) = labels(en[index]), labels(zh[index])
        assert zh_name == en_name, "the same name"
        assert [k for k, _ in zh_pairs] == [k for k, _ in en_pairs], "the same keys"
        for (key, en_text), (_, zh_text) in zip(en_pairs, zh_pairs, strict=True):
            assert placeholders(zh_text) == placeholders(en_text), f"{key}: fields"


def test_twin_code_may_differ_in_comments_but_not_in_doctest_directives():
    english = ">>> torch.manual_seed(0)  # doctest: +ELLIPSIS\n<...>"
    chinese = ">>> torch.manual_seed(0)  # 固定随机种子\n<...>"
    assert without_comments(english.replace("doctest: +ELLIPSIS", "seed")) == (
        without_comments(chinese)
    )
    assert without_comments(english) != without_comments(chinese)


@pytest.mark.parametrize("page", sorted(pages("en") & pages("zh")))
def test_twin_pages_have_the_same_code_comments_aside(page):
    en, zh = DOCS / "en" / page, DOCS / "zh" / page
    if page.endswith(".ipynb"):
        assert_twin_notebooks(*(notebook_cells(path) for path in (en, zh)))
    else:
        assert code_blocks(zh) == code_blocks(en)


def a_notebook(labels_source: str, at: int = 1) -> list[dict]:
    """Two code cells and a labels cell, in memory."""
    cells = [
        {"cell_type": "code", "metadata": {}, "source": ["import string"]},
        {"cell_type": "code", "metadata": {}, "source": ["print(TEXT['hi'])"]},
    ]
    labels_cell = {"cell_type": "code", "metadata": {"tags": ["labels"]}}
    cells.insert(at, labels_cell | {"source": [labels_source]})
    return cells


ENGLISH = 'TEXT = {"hi": "{name:12} says hello", "bye": "bye"}'


def test_twin_notebooks_may_differ_in_their_labels_cell_and_format_specs():
    chinese = 'TEXT = {"hi": "{name:6} 问好", "bye": "再见"}  # 本页的文字'
    assert_twin_notebooks(a_notebook(ENGLISH), a_notebook(chinese))


@pytest.mark.parametrize(
    "chinese, rule",
    [
        ('TEXT = {"hi": "{name} 问好", "bye": "再见"}\nprint(TEXT)', "one assignment"),
        ('TEXT = WORDS = {"hi": "{name} 问好", "bye": "再见"}', "one NAME"),
        ('TEXT = dict(hi="{name} 问好", bye="再见")', "a dict literal"),
        ('TEXT = {"hi": f"{name} 问好", "bye": "再见"}', "string values only"),
        ('TEXT = {"hi": "{name} 问好", **{"bye": "再见"}}', "string keys"),
        ('WORDS = {"hi": "{name} 问好", "bye": "再见"}', "the same name"),
        ('TEXT = {"bye": "再见", "hi": "{name} 问好"}', "the same keys"),
        ('TEXT = {"hi": "{name} 问好"}', "the same keys"),
        ('TEXT = {"hi": "{who} 问好", "bye": "再见"}', "hi: fields"),
        ('TEXT = {"hi": "问好", "bye": "再见"}', "hi: fields"),
    ],
)
def test_a_labels_cell_that_breaks_a_rule_fails(chinese, rule):
    with pytest.raises(AssertionError, match=re.escape(rule)):
        assert_twin_notebooks(a_notebook(ENGLISH), a_notebook(chinese))


def test_a_labels_cell_elsewhere_in_the_twin_fails():
    with pytest.raises(AssertionError, match="labels places"):
        assert_twin_notebooks(a_notebook(ENGLISH), a_notebook(ENGLISH, at=2))


def test_twin_notebooks_with_other_code_outside_the_labels_cell_fail():
    other = a_notebook(ENGLISH)
    other[0]["source"] = ["import json"]
    with pytest.raises(AssertionError):
        assert_twin_notebooks(a_notebook(ENGLISH), other)


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


SNIPPET = re.compile(r'^--8<-- "([^"]+)"$', re.MULTILINE)


def with_snippets(text: str) -> str:
    """The page as pymdownx.snippets renders it: `--8<-- "FILE"` lines replaced."""
    root = DOCS.parent
    return SNIPPET.sub(lambda m: (root / m[1]).read_text(encoding="utf-8"), text)


def heading_anchors(path: Path) -> list[tuple[int, str]]:
    """(level, id) of every heading of a Markdown page, as the toc extension sets."""
    text = path.read_text(encoding="utf-8")
    for _, _, body in fences(path):
        text = text.replace(body, "", 1)
    anchors, seen = [], set()
    for match in re.finditer(r"^(#{1,6}) (.*?)\s*$", with_snippets(text), re.M):
        title = match[2]
        explicit = re.search(r"\{ #([\w-]+) \}$", title)
        if explicit:
            anchor = explicit[1]
        else:
            plain = re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", title).replace("`", "")
            anchor = unique(slugify(plain.replace("*", ""), "-"), seen)
        seen.add(anchor)
        anchors.append((len(match[1]), anchor))
    return anchors


def unique(anchor: str, seen: set[str]) -> str:
    """The toc extension's rule: a repeated id gets _1, _2, ..."""
    candidate, count = anchor, 0
    while candidate in seen:
        count += 1
        candidate = f"{anchor}_{count}"
    return candidate


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


API_PAGES = sorted((DOCS / "en" / "reference/api").glob("*.md")) + sorted(
    (DOCS / "zh" / "reference/api").glob("*.md")
)
CLASS_BLOCK = re.compile(
    r"^::: lossbook\.(?:layers\.)?[A-Z]\w*\n(?:    .*\n)*\n(?P<next>.*)", re.MULTILINE
)


@pytest.mark.parametrize(
    "path", API_PAGES, ids=lambda p: p.relative_to(DOCS).as_posix()
)
def test_every_class_on_an_api_page_links_back_to_where_it_is_explained(path):
    blocks = list(CLASS_BLOCK.finditer(path.read_text(encoding="utf-8")))
    for block in blocks:
        assert re.search(r"\]\(\.\./[^)]+\.md(#[\w-]+)?\)", block["next"]), block[0]


def entries_per_section(text: str) -> list[int]:
    """The number of top-level entries ("- ") under each ## or ### heading."""
    counts = []
    for line in text.splitlines():
        if re.match(r"#{2,3} ", line):
            counts.append(0)
        elif line.startswith("- ") and counts:
            counts[-1] += 1
    return counts


def test_the_chinese_changelog_translates_every_entry_with_its_code_and_numbers():
    english = (DOCS.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    chinese = (DOCS / "zh/reference/changelog.md").read_text(encoding="utf-8")
    assert entries_per_section(chinese) == entries_per_section(english)
    # A code span as CommonMark reads it: a run of backticks up to the next run as
    # long, across line ends (which it reads as spaces).
    code = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)

    def spans(text):
        return sorted(" ".join(m[2].split()) for m in code.finditer(text))

    assert spans(chinese) == spans(english)
    anchor = re.compile(r"\{ #[\w-]+ \}")
    prose = [anchor.sub("", code.sub("", text)) for text in (english, chinese)]
    numbers = [sorted(re.findall(r"\d+(?:\.\d+)*", text)) for text in prose]
    assert numbers[1] == numbers[0]
