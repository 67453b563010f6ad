"""Versions of the manual: the version selector under mike, the version label without.

mike builds each version of a language with `MIKE_DOCS_VERSION` set, and its
plugin (listed in mkdocs.yml) appends that version to `site_url`, which becomes
<base>/<language>/<version> (tools/deploy_docs.py deploys each language under its
own prefix). Such a build gets:

- Material's version selector (`extra.version`, provider mike), which fetches
  ../versions.json, and the "old version" banner (overrides/main.html) on a
  version that is neither `latest` nor `dev`;
- language links to the other language's same version (`../zh/` becomes
  `../../zh/<version>/`), so that the language switch keeps the version;
- a `site_url` that ends with a slash (mike's plugin leaves it without one, and
  llms.txt's links are joined to it).

A build without mike (`make build`, `make serve`) fetches no versions.json, which
would not exist: it shows the package's version beside the site name instead.
"""

import os
import re
from html import escape
from pathlib import Path

from mkdocs.plugins import event_priority

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "lossbook" / "__init__.py"
# The versions whose pages show no "old version" banner (Material reads each as a
# regular expression, matched against the version and its aliases).
CURRENT = ["^latest$", "^dev$"]
SITE_NAME = re.compile(
    r'(<div class="md-header__topic">\s*<span class="md-ellipsis">.*?</span>)',
    re.DOTALL,
)


def package_version() -> str:
    """`lossbook.__version__`, read from the source without importing Keras."""
    text = PACKAGE.read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)[1]


def docs_version() -> str | None:
    return os.environ.get("MIKE_DOCS_VERSION") or None


def versioned_alternates(alternates: list[dict], version: str) -> list[dict]:
    """`../<language>/` (beside this language) -> `../../<language>/<version>/`."""
    return [
        {**alternate, "link": f"../{alternate['link'].rstrip('/')}/{version}/"}
        for alternate in alternates
    ]


# After mike's plugin, which sets site_url.
@event_priority(-100)
def on_config(config):
    version = docs_version()
    if version is None:
        return config
    if not config.site_url.endswith("/"):
        config.site_url += "/"
    config.extra["version"] = {"provider": "mike", "alias": True, "default": CURRENT}
    config.extra["alternate"] = versioned_alternates(
        config.extra.get("alternate", []), version
    )
    return config


def on_post_page(output, page, config):
    if docs_version() is not None:
        return output  # the version selector names the version
    label = f'<span class="lossbook-version">{escape(package_version())}</span>'
    found = SITE_NAME.search(output)
    if found is None:
        raise ValueError(
            f"{page.file.src_uri}: Material's header markup changed; "
            "update mkdocs_hooks/versions.py"
        )
    return output[: found.end()] + label + output[found.end() :]
