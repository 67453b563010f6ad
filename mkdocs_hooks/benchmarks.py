"""Turns the committed benchmark results into the site's benchmark pages and data.

benchmarks/results/<machine>.json are the only benchmark data in git. At build time
this hook

- puts the repository root on PYTHONPATH, so that the notebook kernels (child
  processes of the build) import `benchmarks`: the Performance notebook reads the
  results with benchmarks.store and shows them with benchmarks.report;
- adds `assets/benchmarks.json`, the data the Performance page shows
  (`benchmarks.report.page_data`), and one page per machine,
  `benchmarks/<machine>/`, its whole Markdown report (`benchmarks.report.markdown`)
  in the site's language, linked from the Performance page rather than listed in
  the navigation.
"""

import ast
import json
import os
import sys
from pathlib import Path

from mkdocs.structure.files import File, InclusionLevel

ROOT = Path(__file__).resolve().parent.parent
SEARCH_EXCLUDED = "---\nsearch:\n  exclude: true\n---\n\n"


def public_classes() -> list[str]:
    """The CamelCase names of lossbook.__all__ (its Loss classes, by convention),
    read without importing lossbook and a backend into the build."""
    tree = ast.parse((ROOT / "src/lossbook/__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            names = ast.literal_eval(node.value)
            return sorted(n for n in names if n[:1].isupper())
    raise ValueError("src/lossbook/__init__.py defines no __all__")


def on_config(config):
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(ROOT), *paths]))
    # This process reads the results too: MkDocs puts only mkdocs_hooks/ on
    # sys.path, and only while it loads the hook.
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    return config


def on_files(files, config):
    from benchmarks import report, store

    reports = store.load()
    public = public_classes()
    language = config.theme["language"]
    data = json.dumps(report.page_data(reports, public), indent=1)
    files.append(File.generated(config, "assets/benchmarks.json", content=data))
    for found in reports:
        files.append(
            File.generated(
                config,
                f"benchmarks/{found['machine']['slug']}.md",
                # Out of the search index, which every page downloads whole: the
                # report's tables of numbers would add about 100 KB to each page.
                content=SEARCH_EXCLUDED + report.markdown(found, public, language),
                inclusion=InclusionLevel.NOT_IN_NAV,
            )
        )
    return files
