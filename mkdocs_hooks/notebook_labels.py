"""What the notebooks' labels cells need from the build (see tests/test_docs_guard.py).

Each notebook prints and draws the strings of its labels cell, a dict in the page's
language. Two things make that work on the site:

- Figures as SVG whose text stays text. mkdocs-jupyter executes each notebook in an
  IPython kernel, a child process of the build, whose figures would be PNGs drawn
  with matplotlib's own fonts; these have no Chinese characters, so the Chinese
  titles, axes and legends would be boxes on any machine whose matplotlib lacks a
  CJK font. As SVG with `svg.fonttype` "none", each text is a <text> element that the
  reader's browser draws with its own fonts. The kernel reads this from the default
  profile of IPYTHONDIR: on_config writes the profile into .cache/ipython (ignored by
  git) and points IPYTHONDIR there.
- The labels cells out of the search index, which every page downloads whole: they
  repeat what the outputs show, twice (the code and the copy button's text), and
  cost about 24 KB on the Chinese site. Of every other code cell, the index keeps
  the code once: without the copy button's text, its "Copied!" notice and the
  "In [n]:" prompt (about 25 KB per language).
"""

import os
import re
from pathlib import Path

IPYTHONDIR = Path(__file__).resolve().parent.parent / ".cache/ipython"
KERNEL_CONFIG = """\
c.InlineBackend.figure_formats = {"svg"}
# Text as text; a white figure, readable on the dark theme too.
c.InlineBackend.rc = {"svg.fonttype": "none", "figure.facecolor": "white"}
# matplotlib still measures the text with its own fonts, and warns about every
# Chinese character it lacks; the browser has them.
c.InteractiveShellApp.exec_lines = [
    "import warnings",
    "warnings.filterwarnings('ignore', 'Glyph .* missing from font')",
]
"""
# A labels cell's code as nbconvert writes it: highlighted, then as plain text for
# the copy button. Material's search skips an element marked data-search-exclude.
LABELS_CODE = re.compile(
    r'(celltag_labels" id="[^"]*">.*?<div )(class="highlight-ipynb.*?<div )'
    r'(class="clipboard-copy-txt")',
    re.DOTALL,
)


def on_config(config):
    path = IPYTHONDIR / "profile_default/ipython_kernel_config.py"
    # Written only when it changes: both languages may build at once.
    if not path.exists() or path.read_text(encoding="utf-8") != KERNEL_CONFIG:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(KERNEL_CONFIG, encoding="utf-8")
    os.environ["IPYTHONDIR"] = str(IPYTHONDIR)
    return config


# What nbconvert writes around each code cell's code; the code itself stays.
CELL_CHROME = re.compile(
    r'<div (?=class="clipboard-copy-txt")|<div (?=class="jp-InputPrompt)'
    r'|<span (?=class="notice" hidden)'
)


def on_page_content(html, page, config, files):
    html = LABELS_CODE.sub(r"\1data-search-exclude \2data-search-exclude \3", html)
    return CELL_CHROME.sub(lambda tag: tag.group() + "data-search-exclude ", html)
