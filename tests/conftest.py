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
    for language, config in CONFIGS.items():
        started = time.perf_counter()
        build = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict"]
            + ["--config-file", config, "--site-dir", str(site / language)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert build.returncode == 0, build.stderr[-4000:]
        noise = build.stderr.replace("[IPKernelApp] WARNING", "")
        assert "WARNING" not in noise, build.stderr
        print(f"\n{config}: built in {time.perf_counter() - started:.1f} s")
    shutil.copy(ROOT / "docs/index.html", site / "index.html")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, site
    server.shutdown()
