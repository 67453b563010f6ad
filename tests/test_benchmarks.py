"""The benchmark's quick mode works, and the Performance page's data is current."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

import lossbook

ROOT = Path(__file__).parent.parent
RUN = ROOT / "benchmarks" / "run.py"
PAGE_DATA = ROOT / "docs" / "assets" / "benchmarks.json"
RERUN = (
    "run `make bench` (python benchmarks/run.py) to measure the current losses and "
    f"rewrite {PAGE_DATA.relative_to(ROOT)}"
)


def current_losses():
    """lossbook's public Loss classes, and its public functions."""
    names = lossbook.__all__
    classes = sorted(
        n
        for n in names
        if isinstance(getattr(lossbook, n), type)
        and issubclass(getattr(lossbook, n), keras.losses.Loss)
    )
    functions = sorted(n for n in names if n not in classes)
    return classes, functions


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    """`python benchmarks/run.py --quick` on the backend the tests run under."""
    out = tmp_path_factory.mktemp("bench")
    backend = keras.backend.backend()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--backends", backend]
        + ["--output-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-6000:]
    (json_path,) = out.glob("*.json")
    report = json.loads(json_path.read_text(encoding="utf-8"))
    table = json_path.with_suffix(".md").read_text(encoding="utf-8")
    return backend, report, table


def test_quick_report_covers_every_public_loss(quick_report):
    backend, report, _ = quick_report
    classes, functions = current_losses()
    assert report["quick"] is True
    assert report["losses"] == classes
    assert sorted(report["functions"]) == functions
    assert set(report["functions"].values()) <= set(classes)
    run = report["backends"][backend]
    assert "error" not in run, run
    assert run["losses"] == classes
    assert {row["loss"] for row in run["rows"]} == set(classes)
    errors = [m for m in run["measurements"] if "error" in m]
    assert not errors, errors


def test_quick_report_is_well_formed(quick_report):
    backend, report, _ = quick_report
    machine = report["machine"]
    for key in ("cpu_model", "usable_cores", "date", "python", "numpy_copy_gbps"):
        assert machine[key], key
    run = report["backends"][backend]
    assert run["versions"]["keras"] == keras.__version__
    rows = {row["key"]: row for row in run["rows"]}
    measured = {m["row"] for m in run["measurements"]}
    assert measured == set(rows)
    for m in run["measurements"]:
        row = rows[m["row"]]
        assert m["repeats"] == 1
        assert (
            math.isfinite(m["lossbook"]["median_s"]) and m["lossbook"]["median_s"] > 0
        )
        assert m["gradient_finite"], m["row"]
        if row["builtin"]:
            assert m["ratio"]["median"] > 0, m["row"]
        if row["naive"]:
            assert m["naive_ratio"]["median"] > 0, m["row"]
        if row["family"] == "elementwise":
            assert m["lossbook_gbps"] > 0, m["row"]
            if backend in ("jax", "tensorflow"):
                assert set(m["costly_ops"]) >= {"lossbook"}, m["row"]


def test_pairs_said_to_be_the_same_give_the_same_value(quick_report):
    # Guards the pairing table: a "same" built-in must compute the same number
    # (KLDivergence clips probabilities at 1e-7, hence the tolerance).
    backend, report, _ = quick_report
    run = report["backends"][backend]
    relations = {row["key"]: row["relation"] for row in run["rows"]}
    same = [
        m for m in run["measurements"] if (relations[m["row"]] or "").startswith("same")
    ]
    assert same
    for m in same:
        assert m["value_rel_diff"] < 1e-2, (m["row"], m["values"])


def test_quick_markdown_table_names_every_row(quick_report):
    backend, report, table = quick_report
    assert f"## {backend}:" in table
    for row in report["backends"][backend]["rows"]:
        assert row["key"] in table


def test_performance_page_data_lists_exactly_the_current_losses():
    assert PAGE_DATA.exists(), f"{PAGE_DATA} is missing: {RERUN}"
    data = json.loads(PAGE_DATA.read_text(encoding="utf-8"))
    assert data["runs"], f"{PAGE_DATA} holds no run: {RERUN}"
    classes, functions = current_losses()
    for run in data["runs"]:
        machine = run["machine"]["slug"]
        assert not run["quick"], f"{machine}: a quick run is not page data: {RERUN}"
        added = sorted(set(classes) - set(run["losses"]))
        removed = sorted(set(run["losses"]) - set(classes))
        assert not added and not removed, (
            f"{PAGE_DATA.name} ({machine}) is out of date: losses added since it was "
            f"measured: {added}, removed: {removed}; {RERUN} on {machine} (if that "
            f"machine is gone, delete benchmarks/results/{machine}.json and run "
            "`python benchmarks/run.py --gather`)."
        )
        assert sorted(run["functions"]) == functions, f"{machine}: {RERUN}"
        for backend, result in run["backends"].items():
            assert result.get("losses") == classes, f"{machine}/{backend}: {RERUN}"
