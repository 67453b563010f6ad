"""The loss figures: one per public loss, plotting what the lossbook functions compute.

The figures are drawn at build time by mkdocs_hooks/loss_figures.py from the specs in
mkdocs_hooks/figures/specs.py. These tests check the specs and the points without
building the site; tests/test_site.py checks the built figures and the pages' links.
"""

import os
import re
from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import float64
from keras import ops
from mkdocs.exceptions import PluginError

import lossbook
from mkdocs_hooks import loss_figures
from mkdocs_hooks.figures import render
from mkdocs_hooks.figures.draw import loss_svg, overview_svg
from mkdocs_hooks.figures.labels import LANGUAGES, TEXT, figure_alt, overview_alt
from mkdocs_hooks.figures.points import figure_points, grid
from mkdocs_hooks.figures.specs import FIGURES, OVERVIEWS, SMOOTH_L1, Part, Text

DOCS = Path(__file__).parent.parent / "docs"
CJK = re.compile(r"[\u4e00-\u9fff]")
IN_BATCH_POINTS_CHECKED = 5


def public_losses():
    return sorted(
        name
        for name in lossbook.__all__
        if isinstance(getattr(lossbook, name), type)
        and issubclass(getattr(lossbook, name), keras.losses.Loss)
    )


def test_every_public_loss_has_exactly_one_figure_spec():
    assert sorted(figure.loss for figure in FIGURES) == public_losses()


@pytest.mark.parametrize("figure", FIGURES, ids=lambda figure: figure.loss)
def test_a_figure_draws_its_loss_s_own_function(figure):
    function = getattr(lossbook, figure.function)
    loss = getattr(lossbook, figure.loss)(**loss_arguments(figure))
    assert loss._function is function  # the function its class computes with
    assert {curve.function for curve in figure.curves} == {figure.function}
    assert 2 <= len(figure.curves) <= 4


def resolved(value):
    if isinstance(value, Part):
        return getattr(lossbook, value.name)(**value.config)
    if isinstance(value, list) and any(isinstance(item, Part) for item in value):
        return [resolved(item) for item in value]
    return value


def loss_arguments(figure):
    """The required arguments of the figure's Loss class, from its first curve."""
    required = {"WeightedKappaLoss": ["num_classes"], "CombinedLoss": ["losses"]}
    kwargs = figure.curves[0].kwargs
    return {name: resolved(kwargs[name]) for name in required.get(figure.loss, [])}


def test_a_public_loss_without_a_figure_spec_fails_the_build(monkeypatch):
    kept = tuple(figure for figure in FIGURES if figure.loss != "PinballLoss")
    monkeypatch.setattr(render, "FIGURES", kept)
    drawing = loss_figures.Drawing("en")  # what on_files starts
    drawing.start()
    monkeypatch.setattr(loss_figures, "drawing", drawing)
    with pytest.raises(PluginError, match=r"no figure spec .*\['PinballLoss'\]"):
        loss_figures.on_env(None, None, None)


def direct_values(curve, x):
    """The curve's values at the points x, calling the lossbook function here."""
    function = getattr(lossbook, curve.function)
    kwargs = {name: resolved(value) for name, value in curve.kwargs.items()}

    def call(at):
        return ops.convert_to_numpy(
            function(*curve.build(at, **curve.inputs), **kwargs)
        )

    if curve.in_batch:
        return np.array([call(point)[0] for point in x])
    return call(x)


PLOTTED = {}


def plotted(figure):
    """The points the hook draws for `figure`, computed once for all tests."""
    if figure.name not in PLOTTED:
        PLOTTED[figure.name] = figure_points(figure)
    return PLOTTED[figure.name]


def checked_indices(curve, size):
    if curve.in_batch:
        return np.linspace(0, size - 1, IN_BATCH_POINTS_CHECKED).round().astype(int)
    return np.arange(size)


@pytest.mark.parametrize("figure", FIGURES, ids=lambda figure: figure.loss)
def test_plotted_values_are_the_function_s_values(figure):
    for curve, points in zip(figure.curves, plotted(figure), strict=True):
        np.testing.assert_array_equal(points.x, grid(figure.axis))
        at = checked_indices(curve, len(points.x))
        expected = direct_values(curve, points.x[at])
        np.testing.assert_allclose(points.values[at], expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("figure", FIGURES, ids=lambda figure: figure.loss)
def test_plotted_derivatives_match_finite_differences_in_float64(figure):
    step = 1e-6 * (figure.axis.stop - figure.axis.start)
    for index in (0, -1):
        curve, points = figure.curves[index], plotted(figure)[index]
        at = checked_indices(curve, len(points.x))
        x = points.x[at].astype("float64")
        with float64():
            below, here, above = (direct_values(curve, x + d) for d in (-step, 0, step))
        left, right = (here - below) / step, (above - here) / step
        scale = max(1.0, np.max(np.abs(points.derivatives)))
        smooth = np.abs(left - right) < 1e-3 * scale  # not at a kink or a jump
        assert np.mean(smooth) >= 0.5, (curve.legend, x[~smooth])
        central = (above - below) / (2 * step)
        np.testing.assert_allclose(
            points.derivatives[at][smooth],
            central[smooth],
            atol=1e-3 * scale,
            err_msg=str(curve.legend),
        )


def smooth_l1_svg(language):
    return loss_svg(SMOOTH_L1, plotted(SMOOTH_L1), language)


def svg_texts(svg):
    return re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)


def test_a_chinese_figure_has_chinese_labels_and_no_english_axis_label():
    texts = svg_texts(smooth_l1_svg("zh"))
    assert "损失" in texts
    assert "梯度 ∂损失/∂y_pred" in texts
    assert TEXT["error"]["zh"] in texts
    for english in ("loss", TEXT["gradient"]["en"], TEXT["error"]["en"]):
        assert english not in texts


def test_an_english_figure_has_no_chinese_text():
    svg = smooth_l1_svg("en")
    assert {"loss", TEXT["error"]["en"]} <= set(svg_texts(svg))
    assert not CJK.search(svg)


def test_a_figure_carries_its_alt_text_as_its_svg_title():
    svg = smooth_l1_svg("zh")
    assert f"<title>{figure_alt(SMOOTH_L1, 'zh')}</title>" in svg


def test_rendering_is_byte_for_byte_deterministic():
    assert smooth_l1_svg("zh") == smooth_l1_svg("zh")
    overview = OVERVIEWS[0]
    points = figure_points(overview)
    assert overview_svg(overview, points, "en") == overview_svg(overview, points, "en")


def labels_used():
    """Every translated label the specs use."""
    found = set()
    for spec in (*FIGURES, *OVERVIEWS):
        for value in vars(spec).values():
            if isinstance(value, Text):
                found.add(value.key)
        found.add(spec.axis.label.key)
        for curve in getattr(spec, "curves", ()):
            if isinstance(curve.legend, Text):
                found.add(curve.legend.key)
        for line in getattr(spec, "lines", ()):
            if isinstance(line.label, Text):
                found.add(line.label.key)
    return found


def test_every_label_the_specs_use_has_both_languages():
    for key in labels_used():
        assert set(TEXT[key]) == set(LANGUAGES), key
        assert all(TEXT[key].values()), key


def image_markdown(spec, language):
    """The Markdown image of a figure on its page: alt text, path, and lazy loading
    (a page with a dozen figures loads those the reader scrolls to)."""
    alt = (figure_alt if hasattr(spec, "curves") else overview_alt)(spec, language)
    page_folder = os.path.dirname(spec.page)
    target = os.path.relpath(f"figures/{spec.name}.svg", page_folder or ".")
    return f"![{alt}]({target}){{ loading=lazy }}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("spec", (*FIGURES, *OVERVIEWS), ids=lambda spec: spec.name)
def test_each_figure_is_on_its_page_once_with_the_alt_text_of_the_language(
    spec, language
):
    page = (DOCS / language / spec.page).read_text(encoding="utf-8")
    assert page.count(image_markdown(spec, language)) == 1


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("overview", OVERVIEWS, ids=lambda spec: spec.name)
def test_a_family_overview_comes_before_the_page_s_first_section(overview, language):
    page = (DOCS / language / overview.page).read_text(encoding="utf-8")
    assert page.index(image_markdown(overview, language)) < page.index("\n## ")


def test_a_curve_an_overview_borrows_from_a_figure_is_computed_once():
    computed = {}
    figure_points(SMOOTH_L1, computed)
    known = len(computed)
    regression = OVERVIEWS[0]
    assert regression.lines[0].curve in SMOOTH_L1.curves
    figure_points(regression, computed)
    assert len(computed) == known + 2  # PinballLoss's and ScaledMeanSquaredError's
