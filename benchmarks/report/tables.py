"""Markdown tables of a report's runs. Pure."""

from __future__ import annotations

import math
from typing import Any

from benchmarks import TARGET_FROM_ELEMENTS, TARGET_RATIO
from benchmarks.report import data
from benchmarks.report.words import words


def size_label(size: int, unit: str = "elements") -> str:
    if unit == "batch rows":
        return f"B={size}"
    for power, suffix in ((20, "M"), (10, "K")):
        if size >= 2**power and size % 2**power == 0:
            return f"{size >> power}{suffix}"
    return str(size)


def table(header: list[str], body: list[list[Any]], language: str = "en") -> str:
    if not body:
        return words(language)("None.")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in body]
    return "\n".join(lines)


def fmt_ratio(ratio: dict[str, float] | None, bold_above: float = math.inf) -> str:
    if not ratio:
        return "–"
    text = f"{ratio['median']:.2f} [{ratio['q1']:.2f}–{ratio['q3']:.2f}]"
    return f"**{text}**" if ratio["median"] > bold_above else text


def fmt_bytes(count: float | None) -> str:
    if count is None:
        return "–"
    for power, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if count >= 2**power:
            return f"{count / 2**power:.1f} {unit}"
    return f"{count:.0f} B"


def ops_text(counts: dict[str, int] | None, language: str = "en") -> str:
    if counts is None:
        return "–"
    return ", ".join(f"{op} ×{n}" for op, n in counts.items()) or words(language)(
        "none"
    )


def relation_text(relation: str, language: str = "en") -> str:
    """'same', 'same x0.5' or 'nearest', in `language`."""
    word = words(language)
    name, times, factor = relation.partition(" x")
    return {"same": word("same"), "nearest": word("nearest")}[name] + times + factor


def ratio_table(run: dict[str, Any], from_size: int = 0, language: str = "en") -> str:
    """Ratio to the built-in [Q1–Q3] by size, bold where it misses the target."""
    word = words(language)
    found = [m for m in data.timed(run) if m["size"] >= from_size]
    keys = data.paired_element_rows(run)
    sizes = sorted({m["size"] for m in found if m["row"] in keys})
    body = []
    for key in keys:
        by_size = {m["size"]: m.get("ratio") for m in found if m["row"] == key}
        cells = [
            fmt_ratio(
                by_size.get(s), TARGET_RATIO if s >= TARGET_FROM_ELEMENTS else math.inf
            )
            for s in sizes
        ]
        row = data.rows(run)[key]
        relation = relation_text(row["relation"], language)
        body.append([key, row["builtin"], relation, *cells])
    header = ["lossbook", word("built-in"), word("relation"), *map(size_label, sizes)]
    return table(header, body, language)


def batch_table(run: dict[str, Any], language: str = "en") -> str:
    """Rows over a batch or without a built-in: time per step (ratio) by size."""
    word = words(language)
    paired = set(data.paired_element_rows(run))
    body = []
    for key, row in data.rows(run).items():
        if key in paired:
            continue
        cells = []
        for m in sorted(data.timed(run), key=lambda m: m["size"]):
            if m["row"] == key:
                text = f"{size_label(m['size'], row['size_unit'])}: "
                text += f"{m['lossbook']['median_s'] * 1e3:.2f} ms"
                if "ratio" in m:
                    text += f" ({m['ratio']['median']:.2f}×)"
                cells.append(text)
        body.append([key, row["builtin"] or "–", row["layout"], "; ".join(cells)])
    header = ["lossbook", word("nearest built-in"), "y_pred"]
    return table(header + [word("time per step (ratio)")], body, language)


def time_table(
    run: dict[str, Any], machine: dict[str, Any], language: str = "en"
) -> str:
    """Median time per step of each implementation, bandwidth, peak memory."""
    word = words(language)
    reference, _ = data.bandwidth_reference(machine, run)
    units = {key: row["size_unit"] for key, row in data.rows(run).items()}
    body = []
    for m in data.timed(run):
        cells = [m["row"], size_label(m["size"], units[m["row"]])]
        for name in ("lossbook", "builtin", "naive"):
            median = m.get(name, {}).get("median_s")
            cells.append("–" if median is None else f"{median * 1e3:.3f}")
        gbps = m.get("lossbook_gbps")
        cells.append(
            "–" if gbps is None else f"{gbps:.2f} ({100 * gbps / reference:.1f} %)"
        )
        cells.append(fmt_bytes(data.peak_bytes(m)))
        body.append(cells)
    header = ["lossbook", word("size"), "lossbook ms"]
    header += [word("built-in ms"), word("naive ms"), word("GB/s (% of reference)")]
    return table(header + [word("peak memory")], body, language)


def memory_table(run: dict[str, Any], language: str = "en") -> str:
    """Peak memory of the losses over a batch and of their built-ins, by size."""
    word = words(language)
    units = {key: row["size_unit"] for key, row in data.rows(run).items()}
    body = []
    for m in data.timed(run):
        peaks = {name: data.peak_bytes(m, name) for name in ("lossbook", "builtin")}
        if units[m["row"]] != "batch rows" or peaks["lossbook"] is None:
            continue
        ratio = peaks["lossbook"] / peaks["builtin"] if peaks["builtin"] else None
        body.append(
            [
                m["row"],
                size_label(m["size"], "batch rows"),
                fmt_bytes(peaks["lossbook"]),
                fmt_bytes(peaks["builtin"]),
                "–" if ratio is None else f"{ratio:.1f}",
            ]
        )
    header = ["lossbook", word("size"), word("peak memory"), word("built-in's")]
    return table(header + [word("ratio")], body, language)


def growth_table(run: dict[str, Any], language: str = "en") -> str:
    """Growth exponents per row, the built-in's beside them, flags."""
    word = words(language)
    measures = {"time": word("time"), "memory": word("memory")}
    body = []
    for g in data.growth(run):
        sizes = ", ".join(size_label(s, g["unit"]) for s in g["sizes"])
        cells = [g["row"], sizes, f"{g['time']:.2f}"]
        cells.append(f"{g['builtin_time']:.2f}" if "builtin_time" in g else "–")
        cells.append(f"{g['memory']:.2f}" if "memory" in g else word("not measured"))
        flag = word(" and ").join(measures[k] for k in g["too_fast"])
        several = len(g["too_fast"]) > 1
        warning = word("{flag} grow too fast" if several else "{flag} grows too fast")
        body.append(cells + [g["expected"], warning.format(flag=flag) if flag else ""])
    header = ["lossbook", word("sizes"), word("time exponent"), word("built-in's")]
    header += [word("memory exponent"), word("expected"), ""]
    return table(header, body, language)


def slow_table(run: dict[str, Any], language: str = "en") -> str:
    word = words(language)
    slow: dict[str, list[str]] = {}
    for m in data.missing_target(run):
        ratio = m["ratio"]["median"]
        slow.setdefault(m["row"], []).append(f"{size_label(m['size'])}: {ratio:.2f}")
    body = []
    for key, found in slow.items():
        ops = data.costly_ops(run, key)
        relation = relation_text(data.rows(run)[key]["relation"], language)
        body.append(
            [key, relation, "; ".join(found)]
            + [ops_text(ops.get(name), language) for name in ("lossbook", "builtin")]
        )
    header = ["lossbook", word("relation"), word("ratio")]
    header += [word("ops: lossbook"), word("ops: built-in")]
    return table(header, body, language)


def bandwidth_table(
    run: dict[str, Any], machine: dict[str, Any], from_size=0, language: str = "en"
) -> str:
    reference, _ = data.bandwidth_reference(machine, run)
    found = [m for m in data.timed(run) if "lossbook_gbps" in m]
    sizes = sorted({m["size"] for m in found if m["size"] >= from_size})
    body = []
    for key in dict.fromkeys(m["row"] for m in found):
        at = {m["size"]: m["lossbook_gbps"] for m in found if m["row"] == key}
        cells = [
            f"{at[s]:.1f} ({100 * at[s] / reference:.0f} %)" if s in at else "–"
            for s in sizes
        ]
        body.append([key, *cells])
    at_size = words(language)("GB/s at {size}")
    header = ["lossbook", *(at_size.format(size=size_label(s)) for s in sizes)]
    return table(header, body, language)


def modes_table(report: dict[str, Any], backend: str, language: str = "en") -> str:
    """A backend's modes side by side, on the rows and sizes they all measured
    (with the graph breaks of lossbook's step, where a compiler counts them)."""
    word = words(language)
    runs = [r for r in report["runs"] if r["backend"] == backend and "mode" in r]
    found = [{(m["row"], m["size"]): m for m in data.timed(r)} for r in runs]
    shared = sorted(set.intersection(*map(set, found))) if found else []
    body = []
    for key, size in shared:
        cells = [key, size_label(size, data.rows(runs[0])[key]["size_unit"])]
        for by_key in found:
            m = by_key[(key, size)]
            step = f"{m['lossbook']['median_s'] * 1e3:.2f} ms"
            first = f"{m['lossbook_compile_s']:.2f} s"
            breaks = m.get("compiled", {}).get("lossbook", {}).get("graph_breaks")
            first += (
                word(", {breaks} graph breaks").format(breaks=breaks) if breaks else ""
            )
            cells += [first, step, fmt_ratio(m.get("ratio"))]
        body.append(cells)
    header = ["lossbook", word("size")]
    columns = [word("{mode}: first call"), word("{mode}: step"), word("{mode}: ratio")]
    for run in runs:
        header += [column.format(mode=run["mode"]) for column in columns]
    return table(header, body, language)
