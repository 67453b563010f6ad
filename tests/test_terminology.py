"""One Chinese rendering per term: the glossary's, on every Chinese page.

The editorial review of the Chinese manual found terms translated two or three ways.
Each entry of REJECTED names a glossary term (or the one piece of site text the review
fixed) and the renderings that must not come back. The Chinese text scanned is the
prose of docs/zh (Markdown pages and notebook Markdown cells), the comments of their
code, and mkdocs.zh.yml; code itself is the English pages' code and is not scanned.
"""

import json
import re
from pathlib import Path

import pytest
from docs_harness import FENCE_OPENING, comment_start

ROOT = Path(__file__).parent.parent
ZH = ROOT / "docs/zh"
GLOSSARY = ZH / "reference/glossary.md"
JIEBA_DICT = ROOT / "docs/jieba-user-dict.txt"
CJK = r"[\u4e00-\u9fff]"

# The glossary term in English (the test id), its Chinese rendering, and the renderings
# the review found instead. English words are rejected in Chinese prose, except as a
# gloss in full-width parentheses right after the Chinese term: 焦点损失（focal loss）.
REJECTED = {
    "hinge loss": ("铰链损失", [r"合页", r"(?<!（)\b[Hh]inge\b"]),
    "focal loss": ("焦点损失", [r"(?<!（)\b[Ff]ocal\b"]),
    "semi-hard and hard example": ("半难样本 / 困难样本", [r"难例"]),
    "bounding box": ("边界框", [r"(?<!边界)框 ?IoU"]),
    "weighted kappa": ("加权 Kappa", [r"\bkappa\b"]),
    "positive and negative sample": ("正样本 / 负样本", [r"正例", r"负例"]),
    "mask": ("掩码 / 掩蔽", [r"屏蔽"]),
    "one-hot": ("one-hot", [r"独热"]),
    "notebook": ("笔记本", [r"(?<!（)\b[Nn]otebooks?\b"]),
    # Sharing a model with someone; 共享 stays right for shared weights or denominators.
    "sharing a model": ("分享", [r"共享模型", r"加载[与和、]共享", r"共享给"]),
    "site_description": ("正确编写 Keras 3 自定义损失函数", [r"用对 Keras"]),
}


def blank(match: re.Match) -> str:
    return " " * len(match[0])


def comment(line: str) -> str:
    """The line with all but its `# ...` comment (outside strings) blanked out."""
    start = comment_start(line)
    return " " * start + line[start:]


def prose(text: str) -> str:
    """Markdown with inline code, link targets and heading anchors blanked out."""
    for code in (r"`[^`]*`", r"(?<=\])\([^)]*\)", r"\{ #[\w-]+ \}"):
        text = re.sub(code, blank, text)
    return text


def markdown_lines(lines: list[str], glossary: bool = False):
    """(index, Chinese text) of Markdown lines: the prose, or the comments in fences."""
    fence = None
    for index, line in enumerate(lines):
        opening = FENCE_OPENING.match(line)
        if fence is None and opening:
            fence = opening["fence"]
        elif fence and line.strip().startswith(fence) and not line.strip().strip("`~"):
            fence = None
        elif fence:
            yield index, comment(line)
        elif glossary and line.startswith("|"):
            cells = line.split("|")
            cells[2] = " " * len(cells[2])  # the English column
            yield index, prose("|".join(cells))
        else:
            yield index, prose(line)


def file_line(raw: list[str], start: int, text: str) -> int | None:
    """The index of the first line from `start` of a notebook file that holds `text`."""
    encoded = json.dumps(text, ensure_ascii=False)
    for index in range(start, len(raw)):
        if raw[index].strip() in {encoded, encoded + ","}:
            return index
    return None


def notebook_lines(path: Path):
    """(file line, cell, line, Chinese text) of a notebook's Markdown and comments."""
    raw = path.read_text(encoding="utf-8").splitlines()
    position = 0
    for cell_index, cell in enumerate(json.loads("\n".join(raw))["cells"]):
        source = cell["source"]
        lines = "".join(source).split("\n")
        if cell["cell_type"] == "markdown":
            chinese = dict(markdown_lines(lines))
        else:
            chinese = {index: comment(line) for index, line in enumerate(lines)}
        for index, line in enumerate(lines):
            found = file_line(
                raw, position, line + ("\n" if index < len(lines) - 1 else "")
            )
            position = position if found is None else found
            number = "?" if found is None else found + 1
            yield number, cell_index, line, chinese.get(index, "")


def chinese_text():
    """(place, line, the line's Chinese text with the rest blanked) of every line."""
    for path in sorted(ZH.rglob("*.md")):
        name = path.relative_to(ROOT).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, text in markdown_lines(lines, glossary=path == GLOSSARY):
            yield f"{name}:{index + 1}", lines[index], text
    for path in sorted(ZH.rglob("*.ipynb")):
        name = path.relative_to(ROOT).as_posix()
        for number, cell, line, text in notebook_lines(path):
            yield f"{name}:{number} (cell {cell})", line, text
    config = ROOT / "mkdocs.zh.yml"
    for index, line in enumerate(config.read_text(encoding="utf-8").splitlines()):
        yield f"{config.name}:{index + 1}", line, line


TEXT = list(chinese_text())


def excerpt(line: str, match: re.Match) -> str:
    return line[max(match.start() - 25, 0) : match.end() + 25]


@pytest.mark.parametrize("term", REJECTED)
def test_chinese_pages_use_the_glossary_rendering(term):
    rendering, patterns = REJECTED[term]
    hits = [
        f"{place}: {match[0]!r} in ...{excerpt(line, match)}..."
        for pattern in patterns
        for place, line, text in TEXT
        for match in re.finditer(pattern, text)
    ]
    assert not hits, f"{term} is {rendering}; found instead:\n" + "\n".join(hits)


def glossary_terms() -> list[str]:
    """The Chinese column of the glossary table."""
    rows = [
        line.split("|")[1].strip()
        for line in GLOSSARY.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and not line.startswith("| ---")
    ]
    assert rows[0] == "中文"
    return rows[1:]


def test_every_chinese_glossary_term_is_indexed_as_dictionary_words():
    # Every run of Chinese characters of a term: 图模式 / 即时执行（eager）模式
    # needs 图模式, 即时执行 and 模式; KL 散度 needs 散度. A compound of glossary
    # words stays out of the dictionary, so that search finds it by its parts:
    # 加权二元交叉熵 is indexed as 加权 二元 交叉熵, and a search for 交叉熵 finds it.
    jieba = pytest.importorskip("jieba")
    jieba.setLogLevel(60)
    jieba.load_userdict(str(JIEBA_DICT))
    words = {
        line.split()[0]
        for line in JIEBA_DICT.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    missing = [
        f"{run} (from {term!r}) -> {' '.join(jieba.cut(run))}"
        for term in glossary_terms()
        for run in re.findall(f"{CJK}+", term)
        if not set(jieba.cut(run)) <= words
    ]
    assert not missing, f"add to {JIEBA_DICT.name}:\n" + "\n".join(missing)


def test_a_compound_of_glossary_words_is_found_by_its_parts():
    jieba = pytest.importorskip("jieba")
    jieba.load_userdict(str(JIEBA_DICT))
    assert list(jieba.cut("加权二元交叉熵")) == ["加权", "二元", "交叉熵"]
