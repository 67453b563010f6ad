"""What a page of the built site makes a browser download, read off the files.

Opening all 72 Markdown pages in Chromium to weigh them took over two minutes;
reading the same list off the HTML takes a second. The browser tests check, on
the heaviest pages, that the list holds every request the browser really makes.
"""

import json
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlparse

# Bytes of response headers counted for each request (Python's http.server
# sends about 200).
HEADER_BYTES = 1024
SITE = "http://site.invalid/"  # any origin: only the paths matter here
LINK_RELATIONS = {"stylesheet", "icon", "preload", "modulepreload", "manifest"}


class _References(HTMLParser):
    """The src and href a browser fetches, the other languages, Material's __config."""

    def __init__(self):
        super().__init__()
        self.references: list[str] = []
        self.alternates: list[str] = []
        self.config: dict = {}
        self._in_config = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "img", "source", "iframe") and attributes.get("src"):
            self.references.append(attributes["src"])
        relations = set((attributes.get("rel") or "").split())
        if tag == "link" and attributes.get("href") and relations & LINK_RELATIONS:
            self.references.append(attributes["href"])
        if tag == "link" and "alternate" in relations and attributes.get("hreflang"):
            self.alternates.append(attributes["href"])
        self._in_config = tag == "script" and attributes.get("id") == "__config"

    def handle_data(self, data):
        if self._in_config:
            self.config = json.loads(data)

    def handle_endtag(self, tag):
        self._in_config = False


def _search_resources(config: dict, page_url: str, site: Path) -> list[str]:
    """Material's search worker, the index and the lunr files the worker imports."""
    if not config.get("search"):
        return []
    base = urljoin(page_url, config["base"].rstrip("/") + "/")
    index_url = urljoin(base, "search/search_index.json")
    index = json.loads(_file(site, index_url).read_text(encoding="utf-8"))
    languages = [lang for lang in index["config"]["lang"] if lang != "en"]
    lunr = [f"lunr.{lang}.min.js" for lang in languages]
    if languages:
        lunr.insert(0, "lunr.stemmer.support.min.js")
    if len(index["config"]["lang"]) > 1:
        lunr.append("lunr.multi.min.js")
    scripts = [urljoin(base, f"assets/javascripts/lunr/min/{name}") for name in lunr]
    return [urljoin(page_url, config["search"]), index_url, *scripts]


def _file(site: Path, url: str) -> Path:
    path = PurePosixPath(urlparse(url).path).relative_to("/")
    found = site / path
    return found / "index.html" if found.is_dir() else found


def page_resources(site: Path, page: str) -> dict[str, int]:
    """{path under the site: bytes} of everything the page at `page` loads.

    `site` is the folder that holds en/ and zh/; `page` a path under it, such as
    "zh/dev/reference/catalog/". Lazy images count as loaded.
    """
    page_url = urljoin(SITE, page)
    parser = _References()
    parser.feed(_file(site, page_url).read_text(encoding="utf-8"))
    urls = [page_url] + [
        urljoin(page_url, reference)
        for reference in parser.references
        if not reference.startswith("data:")
    ]
    urls += _search_resources(parser.config, page_url, site)
    # Material's language selector looks the page up in each language's sitemap.
    urls += [
        urljoin(urljoin(page_url, alternate), "sitemap.xml")
        for alternate in parser.alternates
    ]
    # Material's version selector (a build through mike) reads the versions of the
    # language, beside the version's folder.
    if parser.config.get("version"):
        base = urljoin(page_url, parser.config["base"].rstrip("/") + "/")
        urls.append(urljoin(base, "../versions.json"))
    local = {url.split("#")[0] for url in urls if url.startswith(SITE)}
    return {
        urlparse(url).path.removeprefix("/"): _file(site, url).stat().st_size
        for url in sorted(local)
    }


def page_weight(site: Path, page: str) -> int:
    """Bytes a first visit to `page` downloads, headers included."""
    resources = page_resources(site, page)
    return sum(resources.values()) + HEADER_BYTES * len(resources)


def markdown_pages(docs: Path, language: str, version: str) -> list[str]:
    """The site path of each Markdown page of docs/<language>, deployed as version."""
    pages = []
    for source in sorted((docs / language).rglob("*.md")):
        path = source.relative_to(docs / language).with_suffix("").as_posix()
        path = "" if path == "index" else path.removesuffix("/index") + "/"
        pages.append(f"{language}/{version}/{path}")
    return pages
