"""From results to numbers, tables and Markdown: pure functions, no I/O, no Keras.

A results dict (one machine; see benchmarks/store.py) holds `runs`, one per backend
and mode, each with `rows` (the pairings it measured) and `measurements` (one per row
and size). `data` computes (ratios, growth exponents, the rows that miss the target,
the losses not measured); `tables` writes Markdown tables, `markdown` a machine's
whole report, in English or, with `language="zh"`, in Chinese (`words`). The
Performance notebook and the site build (mkdocs_hooks/benchmarks.py) use both
through this module.
"""

from benchmarks.report.data import (
    bandwidth_reference,
    costly_ops,
    errors,
    growth,
    growth_exponent,
    measured_losses,
    missing_target,
    not_measured,
    not_measured_by_run,
    page_data,
    paired_element_rows,
    ratio_curves,
    rows,
    scale_sizes,
    time_curves,
    timed,
    title,
    unknown_losses,
)
from benchmarks.report.markdown import machine_table, markdown, probe_text
from benchmarks.report.tables import (
    bandwidth_table,
    batch_table,
    fmt_bytes,
    fmt_ratio,
    growth_table,
    memory_table,
    modes_table,
    ops_text,
    ratio_table,
    relation_text,
    size_label,
    slow_table,
    table,
    time_table,
)
from benchmarks.report.words import words

__all__ = [
    "bandwidth_reference",
    "bandwidth_table",
    "batch_table",
    "costly_ops",
    "errors",
    "fmt_bytes",
    "fmt_ratio",
    "growth",
    "growth_exponent",
    "growth_table",
    "machine_table",
    "markdown",
    "measured_losses",
    "memory_table",
    "missing_target",
    "modes_table",
    "not_measured",
    "not_measured_by_run",
    "ops_text",
    "probe_text",
    "page_data",
    "paired_element_rows",
    "ratio_curves",
    "ratio_table",
    "relation_text",
    "rows",
    "scale_sizes",
    "size_label",
    "slow_table",
    "table",
    "time_curves",
    "time_table",
    "timed",
    "title",
    "unknown_losses",
    "words",
]
