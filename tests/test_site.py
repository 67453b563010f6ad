"""Both sites build strictly, with executed notebooks, and are what readers need.

Most tests read the current manual's two builds, deployed as the version `dev`
(tests/conftest.py): `site / language` is en/dev/ or zh/dev/ of the deployed tree.
"""

import base64
import json
import re
from pathlib import Path

import keras
import pytest
import yaml
from mkdocs.config import load_config
from page_weight import markdown_pages, page_weight

import lossbook
from mkdocs_hooks import source_links
from mkdocs_hooks.figures.specs import FIGURES, OVERVIEWS

ROOT = Path(__file__).parent.parent
CONFIGS = {"en": "mkdocs.yml", "zh": "mkdocs.zh.yml"}
# Both separators split words at digits too (see the search plugin in mkdocs.yml).
SEPARATOR = r"[\s\-\d]+"
CJK_SEPARATOR = r"[\s\d\u200b\u3000\-、。，．？！；]+"
CJK = re.compile(r"[\u4e00-\u9fff]")
VERSION = "dev"


@pytest.fixture(scope="module")
def site(dev_site):
    return dev_site


def html_pages(site_dir: Path) -> list[Path]:
    return sorted(site_dir.rglob("*.html"))


@pytest.mark.parametrize("language", CONFIGS)
def test_notebooks_are_always_executed_never_cached(language):
    config = load_config(str(ROOT / CONFIGS[language]))
    jupyter = config.plugins["mkdocs-jupyter"].config
    assert jupyter["execute"] and not jupyter["allow_errors"] and not jupyter["cache"]


@pytest.mark.parametrize("language", CONFIGS)
def test_no_page_shows_raw_notebook_json(site, language):
    for page in html_pages(site / language):
        assert '"cell_type"' not in page.read_text(encoding="utf-8"), page


# What the imbalanced-data notebook prints and draws, in each language.
RESULT_LINE = {
    "en": r"pos_weight=10\.0\s+recall=0\.\d\d\s+precision=0\.\d\d",
    "zh": r"pos_weight=10\.0\s+召回率=0\.\d\d\s+精确率=0\.\d\d",
}
LEGEND = {"en": ["recall", "precision"], "zh": ["召回率", "精确率"]}


@pytest.mark.parametrize("language", CONFIGS)
def test_notebook_page_shows_executed_outputs_and_a_plot(site, language):
    page = (site / language / "how-to/imbalanced/index.html").read_text(
        encoding="utf-8"
    )
    assert re.search(RESULT_LINE[language], page)
    (plot,) = re.findall(r'<img[^>]+src="data:image/svg\+xml;base64,([^"]+)"', page)
    # The labels are SVG text, which the browser draws with its own (CJK) fonts.
    svg = base64.b64decode(plot).decode("utf-8")
    for label in LEGEND[language]:
        assert re.search(rf"<text [^>]*>{label}</text>", svg), label


@pytest.mark.parametrize("language", CONFIGS)
def test_the_notebooks_labels_cells_are_out_of_the_search_index(site, language):
    # They repeat what the outputs show (mkdocs_hooks/notebook_labels.py).
    index = (site / language / "search/search_index.json").read_text(encoding="utf-8")
    texts = [doc["text"] for doc in json.loads(index)["docs"]]
    assert not any("TEXT = {" in text for text in texts)
    assert any('label=TEXT["recall"]' in text for text in texts)


@pytest.mark.parametrize("language", CONFIGS)
def test_a_notebook_cells_code_is_in_the_search_index_once(site, language):
    # Not again as the copy button's text, nor its prompt and "Copied!" notice.
    index = (site / language / "search/search_index.json").read_text(encoding="utf-8")
    texts = " ".join(doc["text"] for doc in json.loads(index)["docs"])
    assert texts.count("def scratch_mib(loss):") == 1
    assert "Copied!" not in texts and "In [1]:" not in texts


@pytest.mark.parametrize("language", CONFIGS)
def test_every_notebook_page_offers_its_notebook_for_download(site, language):
    sources = sorted((ROOT / "docs" / language).rglob("*.ipynb"))
    assert sources
    for source in sources:
        relative = source.relative_to(ROOT / "docs" / language).with_suffix("")
        folder = site / language / relative
        html = (folder / "index.html").read_text(encoding="utf-8")
        assert f'<a href="{source.name}" download' in html, relative
        assert (folder / source.name).read_bytes() == source.read_bytes()


@pytest.mark.parametrize("language", CONFIGS)
def test_a_build_that_knows_no_repository_links_no_page_to_its_source(site, language):
    # The site tests build as a local build does (tests/conftest.py).
    for page in html_pages(site / language):
        assert 'rel="edit"' not in page.read_text(encoding="utf-8"), page


@pytest.mark.parametrize("language", CONFIGS)
def test_each_language_edits_its_pages_in_its_own_docs_folder(language):
    uri = source_links.edit_uri(
        "https://github.com/lossbook/lossbook/",
        "main",
        str(ROOT / "docs" / language),
        str(ROOT / CONFIGS[language]),
    )
    assert uri == f"https://github.com/lossbook/lossbook/edit/main/docs/{language}/"


def test_the_chinese_benchmark_tables_have_chinese_headers(site):
    # benchmarks.report writes them in the site's language (benchmarks/report/words.py).
    pages = [site / "zh/explanation/performance/index.html"]
    pages += sorted((site / "zh/benchmarks").glob("*/index.html"))
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<th>关系</th>" in html and "<th>relation</th>" not in html, page


@pytest.mark.parametrize("language", CONFIGS)
def test_every_in_page_link_has_its_target(site, language):
    for page in html_pages(site / language):
        html = page.read_text(encoding="utf-8")
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        for target in re.findall(r'href="#([^"]+)"', html):
            assert target in ids, f"{page}: link to #{target} has no target"


@pytest.mark.parametrize("language", CONFIGS)
def test_html_lang_matches_the_site(site, language):
    for page in html_pages(site / language):
        assert f'<html lang="{language}"' in page.read_text(encoding="utf-8"), page


def test_chinese_search_indexes_glossary_terms_as_whole_words(site):
    index = json.loads(
        (site / "zh/search/search_index.json").read_text(encoding="utf-8")
    )
    assert index["config"]["lang"] == ["zh"]
    assert index["config"]["separator"] == CJK_SEPARATOR
    page = " ".join(
        doc["text"]
        for doc in index["docs"]
        if doc["location"].startswith("how-to/false-negatives/")
    )
    # jieba separates words with zero-width spaces; 交叉熵 must be one of them.
    assert re.search(r"(^|[\s\u200b])交叉熵($|[\s\u200b])", page)


def test_the_search_index_is_written_as_utf8_not_ascii_escapes(site):
    # Every page downloads it whole (mkdocs_hooks/search_index.py).
    raw = (site / "zh/search/search_index.json").read_text(encoding="utf-8")
    assert "交叉熵" in raw and not re.search(r"\\u[4-9][0-9a-f]{3}", raw)
    assert json.loads(raw)["config"]["lang"] == ["zh"]


def test_jieba_splits_a_compound_into_glossary_words():
    jieba = pytest.importorskip("jieba")
    jieba.load_userdict(str(ROOT / "docs/jieba-user-dict.txt"))
    assert list(jieba.cut("交叉熵损失函数")) == ["交叉熵", "损失函数"]


def test_search_dictionary_words_come_from_the_glossary():
    glossary = (ROOT / "docs/zh/reference/glossary.md").read_text(encoding="utf-8")
    lines = (ROOT / "docs/jieba-user-dict.txt").read_text(encoding="utf-8").splitlines()
    for line in lines:
        assert line.split()[0] in glossary, line


def test_english_search_splits_words_at_digits(site):
    index = json.loads(
        (site / "en/search/search_index.json").read_text(encoding="utf-8")
    )
    assert index["config"]["separator"] == SEPARATOR


def test_chinese_config_sets_the_cjk_separator_and_language():
    raw = (ROOT / "mkdocs.zh.yml").read_text(encoding="utf-8")
    config = yaml.load(raw, Loader=yaml.BaseLoader)  # skips the !ENV tags
    assert config["plugins"]["search"]["separator"] == CJK_SEPARATOR
    assert config["theme"]["language"] == "zh"


@pytest.mark.parametrize("language", CONFIGS)
def test_benchmark_reports_are_pages_but_stay_out_of_the_search_index(site, language):
    # Every page downloads the whole index: tables of numbers would weigh on all.
    assert list((site / language / "benchmarks").glob("*/index.html"))
    index = json.loads(
        (site / language / "search/search_index.json").read_text(encoding="utf-8")
    )
    locations = [entry["location"] for entry in index["docs"]]
    assert locations
    assert [p for p in locations if p.startswith("benchmarks/")] == []


# Public names outside lossbook.__all__, which lists the losses (class and function).
NOT_LOSS_CLASSES = [
    "layers.CosineHead",
    "large_vocabulary.ChunkedSoftmaxHead",
    "large_vocabulary.chunked_sparse_categorical_crossentropy",
]


@pytest.mark.parametrize("language", CONFIGS)
def test_every_public_name_is_on_exactly_one_api_page(site, language):
    pages = {
        path.parent.name: path.read_text(encoding="utf-8")
        for path in (site / language / "reference/api").glob("*/index.html")
    }
    for name in [*lossbook.__all__, *NOT_LOSS_CLASSES]:
        found = [
            page for page, html in pages.items() if f'id="lossbook.{name}"' in html
        ]
        assert len(found) == 1, (name, found)


@pytest.mark.parametrize("language", CONFIGS)
def test_the_catalog_links_every_public_name_to_its_api_entry(site, language):
    catalog = "".join(
        path.read_text(encoding="utf-8")
        for path in (site / language / "reference/catalog").rglob("index.html")
    )
    for name in [*lossbook.__all__, *NOT_LOSS_CLASSES]:
        link = rf'href="[^"]*api/[\w-]+/#lossbook\.{re.escape(name)}"'
        assert re.search(link, catalog), name


def test_the_chinese_api_pages_have_chinese_section_titles(site):
    html = (site / "zh/reference/api/regression/index.html").read_text(encoding="utf-8")
    assert "参数：" in html and "示例：" in html
    assert "Parameters:" not in html and "Examples:" not in html


@pytest.mark.parametrize("language", CONFIGS)
def test_language_links_are_relative_so_they_survive_a_sub_path(site, language):
    page = (site / language / "tutorial/custom-loss/index.html").read_text(
        encoding="utf-8"
    )
    for other in ("en", "zh"):
        # The other language's same version (mkdocs_hooks/versions.py).
        link = rf'href="(\.\./)+{other}/{VERSION}/"[^>]*hreflang="{other}"'
        assert re.search(link, page), other


ASSET = re.compile(
    r"""<(?:script|img|source|iframe)\b[^>]*\bsrc=["'](https?:)?//[^"']+"""
    # <link> loads something only as a stylesheet, icon, preload or manifest;
    # canonical and alternate links are addresses, not requests.
    r"""|<link\b(?=[^>]*\brel=["'](?:stylesheet|icon|preload|modulepreload|manifest)["'])"""
    r"""[^>]*\bhref=["'](https?:)?//[^"']+"""
    r"""|url\(["']?(https?:)?//"""
)


@pytest.mark.parametrize("language", CONFIGS)
def test_no_asset_is_loaded_from_outside_the_site(site, language):
    offenders = []
    for path in sorted((site / language).rglob("*")):
        if path.suffix in {".html", ".css", ".js"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [f"{path.name}: {m[0][:100]}" for m in ASSET.finditer(text)]
    assert offenders == []


@pytest.mark.parametrize("language", CONFIGS)
def test_report_external_links_in_prose(site, language):
    links = set()
    for page in html_pages(site / language):
        html = page.read_text(encoding="utf-8")
        links |= set(re.findall(r'<a\b[^>]*href="(https?://[^"]+)"', html))
    own = {"http://127.0.0.1", "https://squidfunk.github.io/mkdocs-material/"}
    external = sorted(link for link in links if not link.startswith(tuple(own)))
    print(f"\nExternal links on the {language} site ({len(external)}):")
    print("\n".join(f"  {link}" for link in external))
    assert all(link.startswith("https://") for link in external), external


def test_chinese_pages_use_a_cjk_system_font_stack(site):
    css = (ROOT / "overrides/assets/stylesheets/lossbook.css").read_text(
        encoding="utf-8"
    )
    assert re.search(r"html:lang\(zh\)\s*\{[^}]*Noto Sans CJK SC", css)
    page = (site / "zh/index.html").read_text(encoding="utf-8")
    assert "assets/stylesheets/lossbook.css" in page
    assert "fonts.googleapis" not in page and "fonts.gstatic" not in page


def public_losses() -> list[str]:
    return [
        name
        for name in lossbook.__all__
        if isinstance(getattr(lossbook, name), type)
        and issubclass(getattr(lossbook, name), keras.losses.Loss)
    ]


@pytest.mark.parametrize("language", CONFIGS)
def test_every_public_loss_has_exactly_one_figure_file(site, language):
    files = {path.stem for path in (site / language / "figures").glob("*.svg")}
    assert files == {figure.name for figure in FIGURES} | {o.name for o in OVERVIEWS}
    for loss in public_losses():
        drawn = [figure.function for figure in FIGURES if figure.loss == loss]
        assert len(drawn) == 1 and drawn[0] in files, loss
        assert getattr(lossbook, drawn[0]) is not None


def figure_images(page: Path) -> list[tuple[str, str]]:
    """(src, alt) of each figure image of a built page."""
    html = page.read_text(encoding="utf-8")
    images = re.findall(r"<img\b[^>]*>", html)
    found = []
    for image in images:
        src = re.search(r'\bsrc="([^"]*figures/[^"]+\.svg)"', image)
        if src:
            alt = re.search(r'\balt="([^"]*)"', image)
            found.append((src[1], alt[1] if alt else ""))
    return found


@pytest.mark.parametrize("language", CONFIGS)
def test_every_figure_image_of_a_page_resolves_and_has_alt_text(site, language):
    sources = {spec.page for spec in (*FIGURES, *OVERVIEWS)}
    built = {
        site / language / source.removesuffix(".md") / "index.html": source
        for source in sources
    }
    catalog = set((site / language / "reference/catalog").glob("*/index.html"))
    assert catalog <= set(built)
    for page, source in built.items():
        images = figure_images(page)
        shown = [spec for spec in (*FIGURES, *OVERVIEWS) if spec.page == source]
        assert len(images) == len(shown), page
        for src, alt in images:
            assert (page.parent / src).resolve().is_file(), (page, src)
            assert alt and (language != "zh" or CJK.search(alt)), (page, src)


@pytest.mark.parametrize("language", CONFIGS)
def test_figures_are_small_and_labelled_in_the_language_of_their_site(site, language):
    for svg in (site / language / "figures").glob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        assert len(text.encode()) < 60_000, svg.name
        assert bool(CJK.search(text)) == (language == "zh"), svg.name


MAX_PAGE_BYTES = 1_500_000


def test_no_markdown_page_weighs_more_than_the_limit(served_site):
    _, deployed = served_site
    weights = {
        page: page_weight(deployed, page)
        for language in CONFIGS
        for page in markdown_pages(ROOT / "docs", language, VERSION)
    }
    report = sorted(weights.items(), key=lambda item: -item[1])
    print("\nBytes a first visit downloads, per Markdown page, heaviest first:")
    for page, size in report:
        print(f"{size:>11,}  {page}")
    assert report[0][1] <= MAX_PAGE_BYTES, report[:3]


@pytest.mark.parametrize("language", CONFIGS)
def test_llms_txt_lists_every_markdown_page_under_the_nav_sections(
    served_site, language
):
    base, site = served_site
    text = (site / language / VERSION / "llms.txt").read_text(encoding="utf-8")
    nav = load_config(str(ROOT / CONFIGS[language])).nav
    assert re.findall(r"^## (.+)$", text, re.MULTILINE) == [next(iter(i)) for i in nav]
    linked = [
        link.removeprefix(base)
        for link in re.findall(r"^- \[[^]]+\]\((\S+)\)", text, re.MULTILINE)
    ]
    pages = markdown_pages(ROOT / "docs", language, VERSION)
    assert sorted(linked) == sorted(f"{page}index.md" for page in pages)
    full = (site / language / VERSION / "llms-full.txt").read_text(encoding="utf-8")
    for link in linked:
        markdown = (site / link).read_text(encoding="utf-8")
        title = re.search(r"^# (.+)$", markdown, re.MULTILINE)[1]
        assert title in full, link
        assert language == "en" or CJK.search(markdown), link
