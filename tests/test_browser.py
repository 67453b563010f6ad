"""The manual as readers meet it, in Debian's Chromium driven by Playwright.

The site is deployed as GitHub Pages serves it (tests/conftest.py): the current
manual as the version `dev`, a small older manual as 0.0.1 and 0.1.0 (`latest`),
each at <base>/<language>/<version>/.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from helpers import require_or_skip
from page_weight import markdown_pages, page_resources, page_weight

import lossbook

ROOT = Path(__file__).parent.parent
SCREENSHOTS = ROOT / "site-screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LANGUAGES = ["en", "zh"]
# In every version; a page of dev that the older versions lack; a page that only
# the older versions have (tests/fixtures/manual-0.1).
TUTORIAL = "tutorial/custom-loss/"
ONLY_IN_DEV = "how-to/saving/"
ONLY_IN_OLD = "how-to/keras-2/"
DEV, LATEST, OLD = "dev", "0.1.0", "0.0.1"


def chromium_path() -> str | None:
    candidate = os.environ.get("LOSSBOOK_CHROMIUM", "/usr/bin/chromium")
    return candidate if Path(candidate).exists() else shutil.which("chromium")


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        require_or_skip(
            "Chromium",
            "install Debian's chromium (apt-get install chromium) "
            "or set LOSSBOOK_CHROMIUM to a Chromium binary",
        )
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


class Visit:
    """A page opened in a fresh context, with its console errors and requests."""

    def __init__(self, browser, url, **context_options):
        self.context = browser.new_context(**context_options)
        self.page = self.context.new_page()
        self.errors, self.requests, self.bytes = [], [], 0
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfinished", self._count)
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")

    def _count(self, request):
        sizes = request.sizes()
        self.bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def open_page(url, **context_options):
        opened.append(Visit(browser, url, **context_options))
        return opened[-1]

    yield open_page
    for page in opened:
        page.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("version", "path"), [(DEV, ""), (DEV, TUTORIAL), (LATEST, TUTORIAL), (OLD, "")]
)
def test_page_loads_with_no_console_error_and_no_outside_request(
    served_site, visit, language, version, path
):
    base, _ = served_site
    page = visit(base + f"{language}/{version}/{path}")
    origin = urlparse(base).netloc
    outside = [url for url in page.requests if urlparse(url).netloc != origin]
    assert page.errors == []
    assert outside == []
    assert page.page.locator("html").get_attribute("lang") == language
    SCREENSHOTS.mkdir(exist_ok=True)
    name = f"{language}-{version}-{path.strip('/').replace('/', '-') or 'home'}.png"
    page.page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.mark.parametrize("version", [DEV, LATEST])
@pytest.mark.parametrize(("source", "target"), [("en", "zh"), ("zh", "en")])
def test_language_switch_keeps_the_version_and_the_same_nested_page(
    served_site, visit, source, target, version
):
    base, _ = served_site
    page = visit(base + f"{source}/{version}/{TUTORIAL}").page
    page.locator(".md-header__option .md-select").first.hover()
    page.locator(f'a[hreflang="{target}"]').first.click()
    page.wait_for_url(base + f"{target}/{version}/{TUTORIAL}")
    assert page.url == base + f"{target}/{version}/{TUTORIAL}"


def version_links(page) -> dict[str, str]:
    """{"title alias": address} of each entry of Material's version selector."""
    page.locator(".md-version__current").wait_for()
    pairs = page.locator(".md-version__link").evaluate_all(
        """links => links.map(a => [
            [...a.childNodes].map(node => node.textContent.trim()).join(" "), a.href
        ])"""
    )
    return {" ".join(text.split()): href for text, href in pairs}


@pytest.mark.parametrize("language", LANGUAGES)
def test_version_selector_lists_the_versions_of_the_readers_language(
    served_site, visit, language
):
    base, _ = served_site
    page = visit(base + f"{language}/{DEV}/{TUTORIAL}").page
    current = page.locator(".md-version__current").inner_text()
    assert current == f"dev ({lossbook.__version__})"
    assert version_links(page) == {
        f"dev ({lossbook.__version__})": base + f"{language}/{DEV}/",
        f"{LATEST} latest": base + f"{language}/{LATEST}/",
        OLD: base + f"{language}/{OLD}/",
    }


def choose_version(page, title: str) -> None:
    page.locator(".md-version").hover()
    page.locator(".md-version__link", has_text=title).click()


@pytest.mark.parametrize(
    ("language", "source", "path", "target", "landing"),
    [
        ("en", DEV, TUTORIAL, LATEST, TUTORIAL),
        ("zh", LATEST, TUTORIAL, DEV, TUTORIAL),
        ("zh", DEV, ONLY_IN_DEV, LATEST, ""),
        ("en", OLD, ONLY_IN_OLD, DEV, ""),
    ],
)
def test_choosing_a_version_keeps_the_language_and_the_page_where_it_exists(
    served_site, visit, language, source, path, target, landing
):
    """The same page of the chosen version, or its home if it has no such page.

    Each language in each direction; each case takes a page load and a click.
    """
    base, _ = served_site
    page = visit(base + f"{language}/{source}/{path}").page
    choose_version(page, target)
    page.wait_for_url(base + f"{language}/{target}/{landing}")
    assert page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("version", "outdated"), [(OLD, True), (LATEST, False), (DEV, False)]
)
def test_only_a_version_older_than_latest_shows_the_old_version_banner(
    served_site, visit, language, version, outdated
):
    base, _ = served_site
    page = visit(base + f"{language}/{version}/").page
    page.locator(".md-version__current").wait_for()
    banner = page.locator("[data-md-component=outdated]")
    assert banner.is_visible() == outdated
    if outdated:
        banner.get_by_role("link").click()
        page.wait_for_url(base + f"{language}/{LATEST}/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_latest_alias_leads_to_the_same_page_of_the_latest_version(
    served_site, visit, language
):
    base, _ = served_site
    page = visit(base + f"{language}/latest/{TUTORIAL}").page
    page.wait_for_url(base + f"{language}/{LATEST}/{TUTORIAL}")


@pytest.mark.parametrize(
    ("language", "query"), [("zh", "交叉熵"), ("en", "pos_weight")]
)
def test_search_lists_the_weighted_cross_entropy_page(
    served_site, visit, language, query
):
    base, _ = served_site
    page = visit(base + f"{language}/{DEV}/").page
    page.locator("input.md-search__input").focus()
    page.keyboard.type(query)
    page.keyboard.press("End")  # Material searches on key-up; typed CJK sends none
    results = page.locator(".md-search-result__item > a")
    results.first.wait_for()
    links = results.evaluate_all("links => links.map(a => a.href)")
    assert any(f"{DEV}/how-to/false-negatives/" in link for link in links), links


def test_html_root_index_sends_readers_to_the_latest_version_in_their_language(
    served_site, visit
):
    base, _ = served_site
    for locale, language in (("zh-CN", "zh"), ("en-US", "en"), ("de-DE", "en")):
        page = visit(base, locale=locale).page
        page.wait_for_url(base + f"{language}/{LATEST}/")


def test_copy_button_copies_exactly_the_block_and_the_code_runs(served_site, visit):
    base, _ = served_site
    page = visit(
        base + f"en/{DEV}/{TUTORIAL}",
        permissions=["clipboard-read", "clipboard-write"],
    ).page
    source = (ROOT / "docs/en/tutorial/custom-loss.md").read_text(encoding="utf-8")
    block = re.findall(r"```python\n(.*?)```", source, re.DOTALL)[0]
    code = page.locator("div.language-python").first
    code.hover()
    code.locator("button[data-md-type=copy]").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == block.strip()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    run = subprocess.run(
        [sys.executable, "-c", copied], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr[-2000:]


@pytest.mark.parametrize("language", LANGUAGES)
def test_notebook_page_shows_outputs_and_a_plot(served_site, visit, language):
    base, _ = served_site
    page = visit(base + f"{language}/{DEV}/how-to/imbalanced/").page
    recall = {"en": "recall", "zh": "召回率"}[language]
    assert page.get_by_text(re.compile(rf"pos_weight=10\.0\s+{recall}=")).count() >= 1
    # An SVG whose labels are text: mkdocs_hooks/notebook_labels.py.
    plot = page.locator('img[src^="data:image/svg+xml"]').first
    assert plot.is_visible()
    assert plot.evaluate("img => img.naturalWidth") > 100
    assert '"cell_type"' not in page.inner_text("body")


@pytest.mark.parametrize("language", LANGUAGES)
def test_dark_mode_toggle_switches_the_colour_scheme(served_site, visit, language):
    base, _ = served_site
    page = visit(base + f"{language}/{DEV}/", color_scheme="light").page
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    assert page.evaluate(scheme) == "default"
    page.locator("form[data-md-component=palette] label:visible").first.click()
    assert page.evaluate(scheme) == "slate"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("version", "path"), [(DEV, ""), (DEV, TUTORIAL), (OLD, "")])
def test_axe_finds_no_serious_or_critical_violation(
    served_site, visit, language, version, path
):
    """Also on an old version's page, with its banner and the version selector."""
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    base, _ = served_site
    page = visit(base + f"{language}/{version}/{path}").page
    page.locator(".md-version__current").wait_for()
    results = axe_module.Axe().run(page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def heaviest_page(site: Path, language: str) -> str:
    """The language's heaviest Markdown page, by the weight read off the files."""
    pages = markdown_pages(ROOT / "docs", language, DEV)
    return max(pages, key=lambda page: page_weight(site, page))


@pytest.mark.parametrize("kind", ["home", "api", "heaviest"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_requests_nothing_its_weight_leaves_out(
    served_site, visit, kind, language
):
    base, site = served_site
    page = {
        "home": f"{language}/{DEV}/",
        "api": f"{language}/{DEV}/reference/api/classification/",
        "heaviest": heaviest_page(site, language),
    }[kind]
    opened = visit(base + page)
    prefix = urlparse(base).path
    requested = {urlparse(url).path.removeprefix(prefix) for url in opened.requests}
    counted = page_resources(site, page)
    assert requested <= set(counted), sorted(requested - set(counted))
    assert opened.bytes <= page_weight(site, page)
