"""The large-vocabulary benchmark's results as numbers and tables. Pure.

A results dict (benchmarks/large_vocabulary/) holds `results`: one entry per
backend, mode, method (`built-in` or `chunked`), N, V and chunk size, with
`peak_extra_bytes` and `step_s`, or `skipped` (the built-in's predicted peak and the
memory the machine had free), or `error`.
"""

from __future__ import annotations

from typing import Any

from benchmarks.report.tables import fmt_bytes, size_label, table
from benchmarks.report.words import words


def measured(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in found["results"] if "peak_extra_bytes" in r]


def pairs(found: dict[str, Any]) -> list[dict[str, Any]]:
    """Built-in and chunked (default chunk) side by side, per backend, mode, N, V."""
    default = {
        (r["backend"], r["mode"], r["n"], r["v"], r["method"]): r
        for r in found["results"]
        if r["method"] == "built-in" or r["chunk"] is None
    }
    keys = dict.fromkeys(key[:4] for key in default)
    return [
        {
            "backend": backend,
            "mode": mode,
            "n": n,
            "v": v,
            "built-in": default.get((backend, mode, n, v, "built-in")),
            "chunked": default.get((backend, mode, n, v, "chunked")),
        }
        for backend, mode, n, v in keys
    ]


def _ratio(numerator: Any, denominator: Any, field: str) -> float | None:
    if not (numerator and denominator and field in numerator and field in denominator):
        return None
    return numerator[field] / denominator[field]


def memory_ratio(pair: dict[str, Any]) -> float | None:
    """The built-in's peak extra memory over the chunked loss's (higher is better)."""
    return _ratio(pair["built-in"], pair["chunked"], "peak_extra_bytes")


def time_ratio(pair: dict[str, Any]) -> float | None:
    """The chunked loss's step time over the built-in's (lower is better)."""
    return _ratio(pair["chunked"], pair["built-in"], "step_s")


def sweep_size(found: dict[str, Any]) -> tuple[int, int] | None:
    """(N, V) of the chunk sweep: the size measured with chunk sizes given."""
    sizes = {(r["n"], r["v"]) for r in found["results"] if r["chunk"] is not None}
    return sizes.pop() if len(sizes) == 1 else None


def sweep_ratios(found: dict[str, Any]) -> dict[str, list[tuple[int, float, float]]]:
    """{"backend, mode": [(chunk, memory, time)]} at the sweep's size, each the
    chunked loss's over the built-in's, for every chunk size measured there (the
    sweep's and the default)."""
    size = sweep_size(found)
    built_in = {
        (r["backend"], r["mode"]): r
        for r in measured(found)
        if r["method"] == "built-in" and (r["n"], r["v"]) == size
    }
    curves: dict[str, list[tuple[int, float, float]]] = {}
    for r in measured(found):
        base = built_in.get((r["backend"], r["mode"]))
        if r["method"] == "chunked" and (r["n"], r["v"]) == size and base:
            curves.setdefault(f"{r['backend']}, {r['mode']}", []).append(
                (
                    r["chunk_used"],
                    r["peak_extra_bytes"] / base["peak_extra_bytes"],
                    r["step_s"] / base["step_s"],
                )
            )
    return {key: sorted(points) for key, points in curves.items()}


def _cell(result: dict[str, Any] | None, language: str) -> tuple[str, str]:
    """(memory, time) of one measurement, or why there is none."""
    word = words(language)
    if result is None:
        return "–", "–"
    if "skipped" in result:
        skipped = result["skipped"]
        why = word("skipped: needs ~{needed}, {free} free").format(
            needed=fmt_bytes(skipped["predicted_bytes"]),
            free=fmt_bytes(skipped["free_bytes"]),
        )
        return why, "–"
    if "error" in result:
        return word("failed"), "–"
    return fmt_bytes(result["peak_extra_bytes"]), f"{result['step_s']:.2f} s"


def grid_table(found: dict[str, Any], language: str = "en") -> str:
    """One row per backend, mode, N and V: memory and time of both, and ratios."""
    word = words(language)
    header = [
        word("backend, mode"),
        "N",
        "V",
        word("built-in: memory"),
        word("chunked: memory"),
        word("memory saved"),
        word("built-in: step"),
        word("chunked: step"),
        word("time ratio"),
    ]
    body = []
    for pair in pairs(found):
        built_memory, built_time = _cell(pair["built-in"], language)
        chunk_memory, chunk_time = _cell(pair["chunked"], language)
        saved, slower = memory_ratio(pair), time_ratio(pair)
        body.append(
            [
                f"{pair['backend']}, {pair['mode']}",
                size_label(pair["n"]),
                size_label(pair["v"]),
                built_memory,
                chunk_memory,
                f"{saved:.1f}×" if saved else "–",
                built_time,
                chunk_time,
                f"{slower:.2f}" if slower else "–",
            ]
        )
    return table(header, body, language)
