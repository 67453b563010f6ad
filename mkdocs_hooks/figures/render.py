"""Every figure of the site as SVG text; the check that each public loss has one."""

from __future__ import annotations

from .draw import loss_svg, overview_svg
from .points import Points, figure_points
from .specs import FIGURES, OVERVIEWS


def names() -> list[str]:
    """The file names (without .svg) of all figures."""
    return [figure.name for figure in FIGURES] + [view.name for view in OVERVIEWS]


def public_losses() -> list[str]:
    """The names in lossbook.__all__ that are Keras losses."""
    import keras

    import lossbook

    return sorted(
        name
        for name in lossbook.__all__
        if isinstance(cls := getattr(lossbook, name), type)
        and issubclass(cls, keras.losses.Loss)
    )


def check_every_public_loss_is_drawn() -> None:
    drawn = {figure.loss for figure in FIGURES}
    missing = [name for name in public_losses() if name not in drawn]
    if missing:
        raise ValueError(
            f"no figure spec for the public losses {missing}; "
            "add one to mkdocs_hooks/figures/specs.py"
        )


def svgs(language: str) -> dict[str, str]:
    """`{name: SVG}` for each loss's figure and each family's overview."""
    check_every_public_loss_is_drawn()
    computed: dict[str, Points] = {}
    result = {}
    for figure in FIGURES:
        points = figure_points(figure, computed)
        result[figure.name] = loss_svg(figure, points, language)
    for overview in OVERVIEWS:
        points = figure_points(overview, computed)
        result[overview.name] = overview_svg(overview, points, language)
    return result
