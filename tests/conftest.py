"""Shared fixtures: the manual's versions deployed once and served under a sub-path,
like GitHub Pages; one MLIR context for JAX (see share_one_mlir_context)."""

import functools
import hashlib
import http.server
import io
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def share_one_mlir_context() -> None:
    """Makes JAX lower every program into one MLIR context instead of a new one each.

    The loss tests run thousands of small eager ops on JAX, each lowered once per
    process into a context of its own; creating one (it loads every dialect) takes
    about a fifth of the JAX run, a third when XLA's compiled code comes from the
    persistent cache. The tests lower one program at a time, in one thread.
    """
    from jax._src.interpreters import mlir

    make_context, shared = mlir.make_ir_context, []

    def one_context():
        if not shared:
            shared.append(make_context())
        return shared[0]

    mlir.make_ir_context = one_context


if os.environ.get("KERAS_BACKEND") == "jax":
    share_one_mlir_context()
CONFIGS = {"en": "mkdocs.yml", "zh": "mkdocs.zh.yml"}
SUB_PATH = "lossbook"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


# The versions the tests deploy, in this order, each in both languages with
# tools/deploy_docs.py, as the Pages workflow does: a small stand-in for older
# releases (tests/fixtures/manual-0.1, three pages, builds in seconds) as 0.0.1
# and then as 0.1.0, which takes the alias `latest` from 0.0.1, and the full
# manual as `dev`. (version, aliases, folder of mkdocs.yml and mkdocs.zh.yml)
OLD_MANUAL = ROOT / "tests" / "fixtures" / "manual-0.1"
DEPLOYS = [
    ("0.0.1", ["latest"], OLD_MANUAL),
    ("0.1.0", ["latest"], OLD_MANUAL),
    ("dev", [], ROOT),
]
# Everything the deploys read. When none of it has changed since the last
# successful deploy, the tests reuse its tree (.cache/site/) instead of
# executing every notebook again.
SITE_INPUTS = [
    "docs",
    "src",
    "mkdocs_hooks",
    "benchmarks",
    "overrides",
    "mkdocs.yml",
    "mkdocs.zh.yml",
    "CHANGELOG.md",
    "pyproject.toml",
    "requirements.lock",
    "tools/deploy_docs.py",
    "tests/fixtures/manual-0.1",
    "tests/conftest.py",
]
SITE_CACHE = ROOT / ".cache" / "site"
# The builds' site_url names the test server's port: a fixed one, so that a cached
# build stays valid (another port, if it is taken, means a build of its own).
PREFERRED_PORT = 8765


def site_inputs_digest(env: dict[str, str]) -> str:
    """sha256 of the build's input files, Python, the installed packages' versions
    and the settings the build reads from the environment."""
    digest = hashlib.sha256(sys.version.encode())
    packages = Path(sysconfig.get_path("purelib")).glob("*.dist-info")
    digest.update(" ".join(sorted(p.name for p in packages)).encode())
    for name, value in sorted(env.items()):
        if name.startswith(("LOSSBOOK_", "KERAS_", "JAX_", "XLA_", "TF_")):
            digest.update(f"{name}={value}\n".encode())
    for entry in SITE_INPUTS:
        path = ROOT / entry
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0")
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def local_server(directory: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(directory))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", PREFERRED_PORT), handler)
    except OSError:
        return http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)


def deploy_versions(site: Path, env: dict[str, str], work: Path) -> None:
    """Deploys DEPLOYS into a gh-pages branch of a new repository, exported to site.

    Each deploy builds both languages at once (tools/deploy_docs.py), and fails on
    a warning in either build's log.
    """
    repository = work / "pages.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(repository)], check=True)
    for version, aliases, config_dir in DEPLOYS:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "tools" / "deploy_docs.py"), version]
            + [f"--alias={alias}" for alias in aliases]
            + [f"--config-dir={config_dir}", f"--git-dir={repository}"],
            cwd=work,
            env=env,
            check=True,
        )
        print(f"\n{version}: deployed in {time.perf_counter() - started:.1f} s")
    site.mkdir()
    tree = subprocess.run(
        ["git", "--git-dir", str(repository), "archive", "gh-pages"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tree)) as archive:
        archive.extractall(site, filter="data")


@pytest.fixture(scope="session")
def served_site(tmp_path_factory):
    """Deploys the manual's versions into <tmp>/lossbook/ and serves <tmp> locally.

    Returns (root URL of the sub-path, the folder served there), which holds what
    the gh-pages branch holds: index.html and, for each language, versions.json,
    index.html (to the default version) and a folder per version and alias, such
    as en/dev/ (the current manual) and en/0.1.0/. The site_url of each build is
    the test server's address, so that the language switch and the version
    selector (which look pages up in sitemap.xml) can be tested.
    """
    root = tmp_path_factory.mktemp("served")
    site = root / SUB_PATH
    server = local_server(root)
    base = f"http://127.0.0.1:{server.server_address[1]}/{SUB_PATH}/"
    # Built as a local build is: no repository, hence no edit links.
    hidden = {"LOSSBOOK_REPOSITORY_URL", "LOSSBOOK_SOURCE_REF", "GIT_DIR"}
    env = {
        **{name: value for name, value in os.environ.items() if name not in hidden},
        "LOSSBOOK_SITE_URL": base,
        "GIT_COMMITTER_NAME": "lossbook tests",
        "GIT_COMMITTER_EMAIL": "tests@lossbook.invalid",
    }
    cached = SITE_CACHE / site_inputs_digest(env)
    if cached.is_dir():
        print(f"\nThe deployed versions of the same inputs, from {cached}")
        shutil.copytree(cached, site)
    else:
        deploy_versions(site, env, tmp_path_factory.mktemp("deploys"))
        shutil.rmtree(SITE_CACHE, ignore_errors=True)  # the last build only
        shutil.copytree(site, cached)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, site
    server.shutdown()


@pytest.fixture(scope="session")
def dev_site(served_site, tmp_path_factory):
    """A folder whose en/ and zh/ are the current manual's builds (en/dev/, zh/dev/)."""
    view = tmp_path_factory.mktemp("dev")
    for language in CONFIGS:
        (view / language).symlink_to(served_site[1] / language / "dev")
    return view
