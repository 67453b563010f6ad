"""The search index written as UTF-8, not as ASCII escapes.

Material writes search/search_index.json with every non-ASCII character escaped as
`\\uXXXX`: six bytes for a Chinese character that UTF-8 writes in three. Every page
downloads the index whole, so on the Chinese site the escapes cost each page about
230 KB. The browser parses either form to the same strings.
"""

import json
from pathlib import Path

from mkdocs.plugins import event_priority


@event_priority(-100)  # after the search plugin has written the index
def on_post_build(config):
    path = Path(config.site_dir) / "search/search_index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    compact = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    path.write_text(compact, encoding="utf-8")
