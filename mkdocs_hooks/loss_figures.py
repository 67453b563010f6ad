"""Draws a figure of each public loss, and one per family, from lossbook itself.

For the site's language (theme.language), this hook adds `figures/<function>.svg`
for each public loss (its value and derivative for a few settings) and
`figures/<family>-overview.svg` for each family page. The values come from the
lossbook functions and the derivatives from autograd on the build's Keras backend,
so the figures follow the formulas; nothing drawn is committed. What each figure
shows is data, in mkdocs_hooks/figures/specs.py; a public loss without a figure
fails the build.

The files join the site in `on_files`, empty, so that the strict build checks the
pages' image links against them. Drawing them (Keras, TensorFlow and about 70
curves, some 15 s of CPU) runs in a thread while MkDocs renders the pages, most of
which time it waits for the notebooks' kernels; `on_env`, just before the files are
written, waits for the thread and fills them in.
"""

import logging
import sys
import threading
import time
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
FOLDER = "figures"
log = logging.getLogger("mkdocs.hooks.loss_figures")


class Drawing(threading.Thread):
    """Draws every figure in `language`: `svgs` when done, or the `error`."""

    def __init__(self, language: str) -> None:
        super().__init__(name="loss-figures", daemon=True)
        self.language = language
        self.svgs: dict[str, str] = {}
        self.error: Exception | None = None
        self.seconds = 0.0

    def run(self) -> None:
        from mkdocs_hooks.figures.render import svgs

        started = time.perf_counter()
        try:
            self.svgs = svgs(self.language)
        except Exception as error:  # raised in the build's thread, by on_env
            self.error = error
        self.seconds = time.perf_counter() - started


drawing: Drawing | None = None


def path(name: str) -> str:
    return f"{FOLDER}/{name}.svg"


def on_files(files, config):
    global drawing
    # MkDocs puts only mkdocs_hooks/ on sys.path, and only while it loads a hook.
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    from mkdocs_hooks.figures.labels import LANGUAGES
    from mkdocs_hooks.figures.render import names

    language = config.theme["language"]
    if language not in LANGUAGES:
        raise PluginError(f"loss figures: no labels for the language {language!r}")
    drawing = Drawing(language)
    drawing.start()
    for name in names():
        files.append(File.generated(config, path(name), content=""))
    return files


def on_env(env, config, files):
    waiting = time.perf_counter()
    drawing.join()
    waited = time.perf_counter() - waiting
    if drawing.error is not None:
        raise PluginError(f"loss figures: {drawing.error}") from drawing.error
    for name, svg in drawing.svgs.items():
        files.get_file_from_path(path(name)).content_string = svg
    log.info(
        f"loss figures: {len(drawing.svgs)} SVGs drawn in {drawing.seconds:.1f} s "
        f"beside the pages; the build waited {waited:.1f} s for them"
    )
    return env
