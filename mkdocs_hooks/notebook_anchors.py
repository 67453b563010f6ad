"""Gives notebook headings the ids their table-of-contents links point to.

mkdocs-jupyter builds a page's table of contents with one slug function and the
heading ids with another (nbconvert's); both drop CJK characters, differently, so on
the Chinese site (and for headings with `code`) the sidebar links lead nowhere. The
table of contents lists the headings in page order, so the n-th heading gets the
n-th table-of-contents id.
"""

import re

HEADING = re.compile(
    r'(<h[1-6] id=")[^"]*(">.*?<a class="anchor-link" href="#)[^"]*(">)', re.DOTALL
)


def _ids(items):
    for item in items:
        yield item.id
        yield from _ids(item.children)


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    ids = list(_ids(page.toc))
    headings = HEADING.findall(html)
    if len(headings) != len(ids):
        raise ValueError(
            f"{page.file.src_uri}: {len(headings)} headings but {len(ids)} "
            "table-of-contents entries; cannot match their anchors"
        )
    ids_in_order = iter(ids)
    return HEADING.sub(
        lambda m: f"{m[1]}{(anchor := next(ids_in_order))}{m[2]}{anchor}{m[3]}", html
    )
