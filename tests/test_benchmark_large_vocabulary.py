"""The large-vocabulary benchmark: what it runs, its report, the committed results.

`python -m benchmarks.large_vocabulary` (benchmarks/large_vocabulary/) measures one
training step of the chunked cross-entropy and of the built-in on the logits, each
configuration in a fresh process. Its report (benchmarks/report/vocabulary.py) is
pure and tested on hand-made results; the committed results must cover the grid,
agree in value and use the library's default chunk size.
"""

import math

import keras
import pytest

from benchmarks import large_vocabulary as bench
from benchmarks import store
from benchmarks.report import vocabulary
from benchmarks.report.words import CHINESE
from lossbook.large_vocabulary import DEFAULT_CHUNK_SIZE

COMMITTED = store.load_large_vocabulary()


def result(method, n=2048, v=32768, chunk=None, peak=2**30, step=1.0, **more):
    if "skipped" in more:  # a skipped run records no measurement
        return {
            "backend": "jax",
            "mode": "jit",
            "h": 1024,
            "n": n,
            "v": v,
            "method": method,
            "chunk": chunk,
            **more,
        }
    return {
        "backend": "jax",
        "mode": "jit",
        "h": 1024,
        "n": n,
        "v": v,
        "method": method,
        "chunk": chunk,
        "chunk_used": chunk or min(n, DEFAULT_CHUNK_SIZE),
        "peak_extra_bytes": peak,
        "step_s": step,
        "loss": 10.0,
        **more,
    }


def test_every_mode_runs_the_whole_grid_both_ways_and_the_chunk_sweep():
    configurations = bench.configurations(["jax", "tensorflow", "torch"], quick=False)
    expected = {(n, v, m) for n, v in bench.SIZES for m in ("built-in", "chunked")}
    for backend, mode in bench.MODES:
        mine = [
            c for c in configurations if (c["backend"], c["mode"]) == (backend, mode)
        ]
        grid = {(c["n"], c["v"], c["method"]) for c in mine if c["chunk"] is None}
        assert grid == expected, (backend, mode)
        swept = sorted(c["chunk"] for c in mine if c["chunk"] is not None)
        assert swept == sorted(bench.SWEEP_CHUNKS), (backend, mode)


def test_only_the_asked_backends_are_configured():
    configurations = bench.configurations(["torch"], quick=True)
    assert {c["backend"] for c in configurations} == {"torch"}


def test_the_built_in_is_predicted_from_its_smallest_run_scaled_by_n_times_v():
    done = [
        result("built-in", n=2048, v=32768, peak=1000),
        result("built-in", n=2048, v=131072, peak=9999),
        result("chunked", n=2048, v=32768, peak=1),
    ]
    config = {"backend": "jax", "mode": "jit", "method": "built-in"}
    assert bench.predicted_peak(done, {**config, "n": 8192, "v": 131072}) == 16000
    other = {**config, "mode": "xla", "n": 8192, "v": 131072}
    assert bench.predicted_peak(done, other) is None


def test_merge_replaces_only_the_backends_measured_again():
    torch_run = {**result("chunked"), "backend": "torch", "mode": "eager"}
    existing = {"date": "then", "results": [result("built-in"), torch_run]}
    again = {**result("built-in"), "step_s": 0.5}
    merged = bench.merge(existing, {"date": "now", "results": [again]})
    assert merged["results"] == [again, torch_run]
    assert merged["merges"] == [{"date": "now", "backends": ["jax"]}]


def test_one_measurement_records_memory_and_time_and_both_losses_agree():
    backend = keras.backend.backend()
    mode = {"jax": "jit", "tensorflow": "xla", "torch": "eager"}[backend]
    base = {"backend": backend, "mode": mode, "h": bench.HIDDEN, "n": 64, "v": 512}
    built_in = bench.measure_one({**base, "method": "built-in", "chunk": None})
    chunked = bench.measure_one({**base, "method": "chunked", "chunk": 16})
    for measured in (built_in, chunked):
        assert measured["peak_extra_bytes"] >= 0 and measured["step_s"] > 0
        assert measured["repeats"] >= 1
    assert chunked["chunk_used"] == 16 and built_in["chunk_used"] == 64
    assert math.isclose(chunked["loss"], built_in["loss"], rel_tol=1e-5)


def test_grid_table_gives_both_methods_their_ratios_and_why_one_is_missing():
    found = {
        "results": [
            result("built-in", peak=8 * 2**30, step=2.0),
            result("chunked", peak=2**30, step=2.5),
            result(
                "built-in",
                n=32768,
                skipped={"predicted_bytes": 2**36, "free_bytes": 2**34},
            ),
            result("chunked", n=32768, peak=2**31, step=9.0),
        ]
    }
    table = vocabulary.grid_table(found)
    first, second = table.splitlines()[2:]
    assert "| 2K | 32K | 8.0 GiB | 1.0 GiB | 8.0× | 2.00 s | 2.50 s | 1.25 |" in first
    assert "skipped: needs ~64.0 GiB, 16.0 GiB free" in second
    assert second.endswith("| – | 9.00 s | – |")


def test_chinese_grid_table_has_chinese_headers_and_words():
    found = {
        "results": [result("built-in", skipped={"predicted_bytes": 1, "free_bytes": 1})]
    }
    table = vocabulary.grid_table(found, "zh")
    assert "后端、模式" in table and "跳过" in table
    assert "memory" not in table and "skipped" not in table


def test_the_sweep_divides_each_chunk_by_the_built_in_of_its_own_backend():
    found = {
        "results": [
            result("built-in", n=8192, peak=800, step=2.0),
            result("chunked", n=8192, peak=200, step=3.0),  # the default chunk
            result("chunked", n=8192, chunk=64, peak=100, step=4.0),
            result("chunked", n=2048, peak=50, step=1.0),  # another size
        ]
    }
    assert vocabulary.sweep_size(found) == (8192, 32768)
    assert vocabulary.sweep_ratios(found) == {
        "jax, jit": [(64, 0.125, 2.0), (DEFAULT_CHUNK_SIZE, 0.25, 1.5)]
    }


def test_every_word_of_the_report_has_a_translation():
    for text in (
        "backend, mode",
        "built-in: memory",
        "chunked: memory",
        "memory saved",
        "built-in: step",
        "chunked: step",
        "time ratio",
        "skipped: needs ~{needed}, {free} free",
        "failed",
    ):
        assert text in CHINESE


# ----------------------------------------------------------- committed results


def test_results_are_committed():
    assert COMMITTED, "benchmarks/results/large-vocabulary/ holds no results file"


@pytest.mark.parametrize("found", COMMITTED, ids=lambda f: f["machine"]["slug"])
def test_committed_results_cover_the_grid_and_say_why_a_run_is_missing(found):
    assert not found["quick"]
    configured = bench.configurations(["jax", "tensorflow", "torch"], quick=False)
    keys = ("backend", "mode", "n", "v", "method", "chunk")
    recorded = {tuple(r[k] for k in keys): r for r in found["results"]}
    for config in configured:
        run = recorded[tuple(config[k] for k in keys)]
        assert "error" not in run, run["error"]
        if "skipped" in run:
            assert run["method"] == "built-in"
            assert run["skipped"]["predicted_bytes"] > run["skipped"]["free_bytes"]
        else:
            assert run["peak_extra_bytes"] > 0 and run["step_s"] > 0


@pytest.mark.parametrize("found", COMMITTED, ids=lambda f: f["machine"]["slug"])
def test_committed_chunked_and_built_in_losses_agree(found):
    for pair in vocabulary.pairs(found):
        built_in, chunked = pair["built-in"], pair["chunked"]
        if "loss" in built_in and "loss" in chunked:
            assert math.isclose(chunked["loss"], built_in["loss"], rel_tol=1e-5), pair


@pytest.mark.parametrize("found", COMMITTED, ids=lambda f: f["machine"]["slug"])
def test_committed_results_used_the_librarys_default_chunk_size(found):
    # Otherwise the results describe another default than the one lossbook has:
    # measure again.
    for r in found["results"]:
        if r["method"] == "chunked" and r["chunk"] is None:
            assert r["chunk_used"] == min(r["n"], DEFAULT_CHUNK_SIZE), r


# ------------------------- what the chapter says of the committed results
# ("When the loss is the memory", after the chunk-size plot and the table)

FAST_MODES = ("jax, jit", "tensorflow, xla", "torch, eager")
GOAL_SIZE = (8192, 131072)


def by_chunk(found):
    return {
        key: {chunk: (memory, time) for chunk, memory, time in points}
        for key, points in vocabulary.sweep_ratios(found).items()
    }


def at(found, n, v):
    return {
        f"{p['backend']}, {p['mode']}": p
        for p in vocabulary.pairs(found)
        if (p["n"], p["v"]) == (n, v)
    }


@pytest.mark.parametrize("found", COMMITTED, ids=lambda f: f["machine"]["slug"])
def test_small_chunks_cost_time_and_large_chunks_cost_memory(found):
    curves = by_chunk(found)
    assert set(curves) == set(FAST_MODES) | {"tensorflow, graph"}
    default = DEFAULT_CHUNK_SIZE
    for key, curve in curves.items():
        assert curve[64][1] > curve[default][1], key
        assert curve[2048][0] > curve[default][0], key
    assert max(c[2048][0] / c[default][0] for c in curves.values()) > 1.8
    for key in FAST_MODES:
        assert curves[key][default][1] <= 1.2, key
    graph = curves["tensorflow, graph"]
    assert graph[default][1] > 1.3 and graph[2048][1] <= 1.15


@pytest.mark.parametrize("found", COMMITTED, ids=lambda f: f["machine"]["slug"])
def test_at_32k_by_128k_the_built_in_does_not_fit_and_the_chunked_loss_does(found):
    for key, pair in at(found, 32768, 131072).items():
        assert "skipped" in pair["built-in"], key
        assert pair["chunked"]["peak_extra_bytes"] < 2.5 * 2**30, key


@pytest.mark.parametrize("found", COMMITTED, ids=lambda f: f["machine"]["slug"])
def test_the_goals_at_8k_by_128k_as_the_chapter_reports_them(found):
    pairs = at(found, *GOAL_SIZE)
    saved = {key: vocabulary.memory_ratio(pair) for key, pair in pairs.items()}
    slower = {key: vocabulary.time_ratio(pair) for key, pair in pairs.items()}
    for key in ("jax, jit", "torch, eager"):
        assert saved[key] >= 8 and slower[key] <= 1.3, key
    assert slower["tensorflow, xla"] <= 1.05 and saved["tensorflow, xla"] < 8
    peak = {key: pair["chunked"]["peak_extra_bytes"] for key, pair in pairs.items()}
    assert abs(peak["tensorflow, xla"] / peak["jax, jit"] - 1) < 0.25
    built_in = {
        key: pair["built-in"]["peak_extra_bytes"] for key, pair in pairs.items()
    }
    assert built_in["tensorflow, xla"] < built_in["jax, jit"]
    assert min(saved, key=saved.get) == "tensorflow, graph"
    assert max(slower, key=slower.get) == "tensorflow, graph"
