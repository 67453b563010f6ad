"""Shared fixtures: both sites built once, served under a sub-path like GitHub Pages;
one MLIR context for JAX (see share_one_mlir_context)."""

import functools
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import sysconfig
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


# Everything the two builds read. When none of it has changed since the last
# successful build, the tests reuse that build (.cache/site/) instead of
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


def build_both_languages(site: Path, env: dict[str, str], logs: Path) -> None:
    # Both languages at once: each build spends most of its time executing
    # notebooks in a kernel of its own.
    started = time.perf_counter()
    builds = {
        language: subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "--strict"]
            + ["--config-file", config, "--site-dir", str(site / language)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(logs / f"build-{language}.log").open("w"),
        )
        for language, config in CONFIGS.items()
    }
    for language, build in builds.items():
        build.wait()
        stderr = (logs / f"build-{language}.log").read_text()
        assert build.returncode == 0, stderr[-4000:]
        noise = stderr.replace("[IPKernelApp] WARNING", "")
        assert "WARNING" not in noise, stderr
        print(f"\n{CONFIGS[language]}: built in {time.perf_counter() - started:.1f} s")


@pytest.fixture(scope="session")
def served_site(tmp_path_factory):
    """Builds both languages into <tmp>/lossbook/{en,zh} and serves <tmp> locally.

    Returns (root URL of the sub-path, the folder that holds en/ and zh/). The
    site_url of each build is the test server's address, so the language switch
    (which looks pages up in the other site's sitemap.xml) can be tested.
    """
    root = tmp_path_factory.mktemp("served")
    site = root / SUB_PATH
    server = local_server(root)
    base = f"http://127.0.0.1:{server.server_address[1]}/{SUB_PATH}/"
    # Built as a local build is: no repository, hence no edit links.
    hidden = {"LOSSBOOK_REPOSITORY_URL", "LOSSBOOK_SOURCE_REF"}
    env = {
        **{name: value for name, value in os.environ.items() if name not in hidden},
        "NO_MKDOCS_2_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "LOSSBOOK_SITE_URL_EN": base + "en/",
        "LOSSBOOK_SITE_URL_ZH": base + "zh/",
    }
    cached = SITE_CACHE / site_inputs_digest(env)
    if cached.is_dir():
        print(f"\nBoth languages: the build of the same inputs, from {cached}")
        shutil.copytree(cached, site)
    else:
        build_both_languages(site, env, root)
        shutil.rmtree(SITE_CACHE, ignore_errors=True)  # the last build only
        shutil.copytree(site, cached)
    shutil.copy(ROOT / "docs/index.html", site / "index.html")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, site
    server.shutdown()
