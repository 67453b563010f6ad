"""Versions of the manual: what tools/deploy_docs.py puts on the gh-pages branch, and
what a build without mike shows instead of a version selector.

The deployed tree is the one the browser tests serve (tests/conftest.py): the
current manual as `dev`, a small older manual (tests/fixtures/manual-0.1) as 0.0.1
and as 0.1.0, which holds the alias `latest`.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lossbook
from mkdocs_hooks import versions

ROOT = Path(__file__).parent.parent
LANGUAGES = ["en", "zh"]
OLD_MANUAL = ROOT / "tests" / "fixtures" / "manual-0.1"
CONFIG_FILES = {"en": "mkdocs.yml", "zh": "mkdocs.zh.yml"}


def material_config(html: str) -> dict:
    """The __config Material's JavaScript reads (its version selector among them)."""
    found = re.search(
        r'<script id="__config" type="application/json">(.*?)</script>', html
    )
    return json.loads(found[1])


@pytest.fixture(scope="module")
def plain_build(tmp_path_factory):
    """The small manual built as `make build` builds: MkDocs alone, no mike."""
    out = tmp_path_factory.mktemp("plain")
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {"MIKE_DOCS_VERSION", "LOSSBOOK_SITE_URL_EN", "LOSSBOOK_SITE_URL_ZH"}
    }
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]
            + [
                "--config-file",
                str(OLD_MANUAL / config),
                "--site-dir",
                str(out / lang),
            ],
            cwd=ROOT,
            env={**env, "NO_MKDOCS_2_WARNING": "1"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for lang, config in CONFIG_FILES.items()
    ]
    for build in builds:
        _, stderr = build.communicate()
        assert build.returncode == 0, stderr
    return out


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_build_without_mike_fetches_no_versions_and_shows_the_package_version(
    plain_build, language
):
    # Material's version selector, which would fetch ../versions.json (a 404 in
    # such a build), is on only when __config carries a version.
    for page in sorted((plain_build / language).rglob("index.html")):
        html = page.read_text(encoding="utf-8")
        assert material_config(html)["version"] is None, page
        assert 'data-md-component="outdated"' not in html, page
        label = f'<span class="lossbook-version">{lossbook.__version__}</span>'
        header = html.split('<div class="md-header__topic"', 2)[1]
        assert label in header, page
        assert re.search(r'<link rel="alternate" href="(\.\./)*zh/" hreflang', html)


def test_under_mike_the_language_links_point_to_the_same_version():
    alternates = [{"name": "中文", "link": "../zh/", "lang": "zh"}]
    assert versions.versioned_alternates(alternates, "0.2.0") == [
        {"name": "中文", "link": "../../zh/0.2.0/", "lang": "zh"}
    ]


def test_the_package_version_is_read_from_the_source_without_importing_it():
    assert versions.package_version() == lossbook.__version__


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_lists_its_versions_with_titles_and_the_latest_alias(
    served_site, language
):
    _, site = served_site
    listed = json.loads((site / language / "versions.json").read_text())
    assert sorted((v["version"], v["title"], v["aliases"]) for v in listed) == [
        ("0.0.1", "0.0.1", []),
        ("0.1.0", "0.1.0", ["latest"]),
        ("dev", f"dev ({lossbook.__version__})", []),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_language_root_leads_to_latest_and_latest_to_its_version(
    served_site, language
):
    """Redirect pages, not symbolic links, which GitHub Pages may not serve."""
    _, site = served_site
    root = (site / language / "index.html").read_text(encoding="utf-8")
    assert 'window.location.replace(\n      "latest/"' in root
    alias = site / language / "latest/tutorial/custom-loss/index.html"
    assert not alias.is_symlink()
    target = "../../../0.1.0/tutorial/custom-loss/"
    assert f'"{target}" + window.location.search' in alias.read_text(encoding="utf-8")


def test_the_branch_root_is_the_language_picker(served_site):
    _, site = served_site
    assert (site / "index.html").read_bytes() == (ROOT / "docs/index.html").read_bytes()
    assert (site / ".nojekyll").is_file()  # no Jekyll on GitHub Pages


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("version", ["dev", "0.1.0"])
def test_each_version_has_its_own_address_in_its_sitemap(
    served_site, language, version
):
    # The language switch and the version selector find a page in these.
    base, site = served_site
    sitemap = (site / language / version / "sitemap.xml").read_text(encoding="utf-8")
    addresses = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert f"{base}{language}/{version}/" in addresses
    assert all(a.startswith(f"{base}{language}/{version}/") for a in addresses)
