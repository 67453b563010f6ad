"""Shared fixtures: both sites built once, served under a sub-path like GitHub Pages."""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
CONFIGS = {"en": "mkdocs.yml", "zh": "mkdocs.zh.yml"}
SUB_PATH = "lossbook"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def served_site(tmp_path_factory):
    """Builds both languages into <tmp>/lossbook/{en,zh} and serves <tmp> locally.

    Returns (root URL of the sub-path, the folder that holds en/ and zh/). The
    site_url of each build is the test server's address, so the language switch
    (which looks pages up in the other site's sitemap.xml) can be tested.
    """
    root = tmp_path_factory.mktemp("served")
    site = root / SUB_PATH
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}/{SUB_PATH}/"
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "LOSSBOOK_SITE_URL_EN": base + "en/",
        "LOSSBOOK_SITE_URL_ZH": base + "zh/",
    }
    # Both languages at once: each build spends most of its time executing
    # notebooks in a kernel of its own.
    started = time.perf_counter()
    logs = {language: root / f"build-{language}.log" for language in CONFIGS}
    builds = {
        language: subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "--strict"]
            + ["--config-file", config, "--site-dir", str(site / language)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=logs[language].open("w"),
        )
        for language, config in CONFIGS.items()
    }
    for language, build in builds.items():
        build.wait()
        stderr = logs[language].read_text()
        assert build.returncode == 0, stderr[-4000:]
        noise = stderr.replace("[IPKernelApp] WARNING", "")
        assert "WARNING" not in noise, stderr
        print(f"\n{CONFIGS[language]}: built in {time.perf_counter() - started:.1f} s")
    shutil.copy(ROOT / "docs/index.html", site / "index.html")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, site
    server.shutdown()
