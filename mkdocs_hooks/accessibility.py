"""Gives Material's search dialog an accessible name (axe: aria-dialog-name).

Material renders the search panel as `role="dialog"` without a label; screen
readers then announce an unnamed dialog. The label is the search placeholder of
the page's language, which Material already uses for the input.
"""

import re

DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
PLACEHOLDER = re.compile(r'class="md-search__input" name="query" aria-label="([^"]+)"')


def on_post_page(output, page, config):
    placeholder = PLACEHOLDER.search(output)
    if DIALOG not in output or placeholder is None:
        raise ValueError(
            f"{page.file.src_uri}: Material's search markup changed; "
            "update mkdocs_hooks/accessibility.py"
        )
    labelled = DIALOG.replace(
        'role="dialog">', f'role="dialog" aria-label="{placeholder[1]}">'
    )
    return output.replace(DIALOG, labelled, 1)
