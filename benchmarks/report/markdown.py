"""A machine's whole Markdown report, as the site shows it. Pure."""

from __future__ import annotations

from typing import Any

from benchmarks import GROWTH_SLACK, TARGET_RATIO
from benchmarks.report import data
from benchmarks.report.tables import (
    batch_table,
    growth_table,
    modes_table,
    ratio_table,
    size_label,
    slow_table,
    table,
    time_table,
)
from benchmarks.report.words import words


def machine_table(report: dict[str, Any], language: str = "en") -> str:
    word = words(language)
    machine = report["machine"]
    cores = word("{cpu}, {cores} usable cores").format(
        cpu=machine["cpu_model"], cores=machine["usable_cores"]
    )
    run_text = word("`{command}`, {minutes:.1f} min").format(
        command=report["command"], minutes=report["duration_s"] / 60
    )
    body = [
        ["CPU", cores],
        ["GPU", ", ".join(machine["gpus"]) or word("none")],
        [word("Date"), machine["date"]],
        [word("Python, platform"), f"{machine['python']}, {machine['platform']}"],
        [word("Run"), run_text],
    ]
    for run in report["runs"]:
        if "error" in run:
            failed = word("failed: {error}").format(error=run["error"])
            body.append([data.title(run), failed])
            continue
        versions = ", ".join(f"{name} {v}" for name, v in run["versions"].items())
        described = word("{label} on {device}; {versions}").format(
            label=run["label"], device=run["device"], versions=versions
        )
        body.append([data.title(run), described])
        for merge in run.get("merges", []):
            added = word("{losses} added on {date}").format(
                losses=", ".join(merge["losses"]), date=merge["date"]
            )
            body.append(["", added])
    return table(["", ""], body, language)


def probe_text(probe: dict[str, Any], language: str = "en") -> str:
    """Schema 1's torch.compile, tried on one row of an eager run."""
    word = words(language)
    if "error" in probe:
        return word("torch.compile, tried: {error}").format(error=probe["error"])
    names = {"lossbook": "lossbook", "builtin": word("builtin")}
    parts = [
        word(
            "{name} compiled in {compile_s:.1f} s, then {step_ms:.2f} ms a step"
        ).format(
            name=names[name],
            compile_s=probe[name + "_compile_s"],
            step_ms=probe[name + "_median_s"] * 1e3,
        )
        for name in names
        if name + "_compile_s" in probe
    ]
    return word("torch.compile, tried on {row} at {size}: {parts}.").format(
        row=probe["row"], size=size_label(probe["size"]), parts=word("; ").join(parts)
    )


def markdown(report: dict[str, Any], public: list[str], language: str = "en") -> str:
    """One machine's whole report, as the site shows it."""
    word = words(language)
    machine = report["machine"]
    lines = [
        word("# lossbook benchmarks: {slug}").format(slug=machine["slug"]),
        "",
        machine_table(report, language),
        "",
        word(
            "One step = the loss value and its gradient with respect to `y_pred`, "
            "compiled. Ratio = median over interleaved repeats of time(lossbook) / "
            "time(built-in), [Q1–Q3] its interquartile range. Target: ≤ {target} "
            "from 1M elements on. Bandwidth = (bytes of y_true and y_pred read, "
            "gradient written) / time. Growth exponent = slope of log(time) against "
            "log(size) over three sizes spanning 16×, flagged above the expected "
            "one + {slack}. First call = compilation and one step."
        ).format(target=TARGET_RATIO, slack=GROWTH_SLACK),
    ]
    for run in report["runs"]:
        lines += ["", f"## {data.title(run)}"]
        if "error" in run:
            lines += ["", word("Failed: {error}").format(error=run["error"])]
            continue
        copy = run["copy"]
        described = word(
            "{label} on {device} ({device_name}); {scheme}. Compiler: {compiler}. "
            "Peak memory: {memory}. `x + 1` over {elements} floats: {new_buffer:.1f} "
            "GB/s into a new buffer, {in_place:.1f} GB/s in place ({kernel})."
        )
        lines += [
            "",
            described.format(
                label=run["label"],
                device=run["device"],
                device_name=run["device_name"],
                scheme=run["scheme"],
                compiler=run["compiler"],
                memory=run["memory"],
                elements=copy["elements"],
                new_buffer=copy["new_buffer_gbps"],
                in_place=copy["in_place_gbps"],
                kernel=copy["in_place_kernel"],
            ),
        ]
        if run.get("torch_compile_probe"):
            lines += ["", probe_text(run["torch_compile_probe"], language)]
        slower = word("Slower than {target}× from 1M elements")
        sections = [
            (word("Ratio to the built-in"), ratio_table(run, language=language)),
            (
                word("Batch losses and losses without a built-in"),
                batch_table(run, language),
            ),
            (word("Growth with size"), growth_table(run, language)),
            (slower.format(target=TARGET_RATIO), slow_table(run, language)),
            (word("Time per step (ms, median)"), time_table(run, machine, language)),
        ]
        for heading, text in sections:
            lines += ["", f"### {heading}", "", text]
        problems = data.errors(run)
        if problems:
            lines += ["", f"### {word('Errors')}", ""] + [f"- {p}" for p in problems]
    for backend in sorted({r["backend"] for r in report["runs"] if "mode" in r}):
        if sum(r["backend"] == backend and "mode" in r for r in report["runs"]) > 1:
            compared = word("{backend}: its modes compared").format(backend=backend)
            lines += ["", f"## {compared}", ""]
            lines.append(modes_table(report, backend, language))
    gaps = data.not_measured_by_run(report, public)
    lines += ["", f"## {word('Not measured')}", ""]
    gap = word("- not measured on {slug} ({backend}, {mode}): {losses}")
    lines += [
        gap.format(
            slug=machine["slug"], backend=backend, mode=mode, losses=", ".join(losses)
        )
        for (backend, mode), losses in gaps.items()
    ] or [word("None.")]
    return "\n".join(lines) + "\n"
