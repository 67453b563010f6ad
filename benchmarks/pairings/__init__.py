"""The pairing table: what each public loss of lossbook is measured against.

One module per module of src/lossbook/, each defining `PAIRINGS`, a list of
`Pairing`s. A pairing names a contract case of tests/cases/ (by its name), whose
`make_inputs` draws the inputs; it never falls back to another case. Its key, the
name a row has in the results, is derived from the loss and its arguments.
`load()` checks the whole table: every case exists, every public loss class of
`lossbook.__all__` has a pairing, no two pairings share a key.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras

from benchmarks.report.data import scale_sizes

EMBEDDING_DIM = 128
# Elementwise losses: total elements of y_pred.
ELEMENTWISE_SIZES = (2**10, 2**14, 2**18, 2**20, 2**22, 2**24)
# Sorting losses (Lovász): n log n, and a sort is slow on a CPU.
SORTING_SIZES = (2**10, 2**14, 2**18, 2**20, 2**22)
# Pairwise losses over a batch: batch sizes B (a B x B matrix of distances).
PAIRWISE_BATCHES = (64, 256, 1024, 2048, 4096)
QUICK_ELEMENTS, QUICK_BATCH = 2**10, 16


class Call:
    """`fn(**kwargs)`, written the way keys and labels show it."""

    def __init__(self, fn: Callable[..., Any], /, **kwargs: Any) -> None:
        self.fn, self.kwargs = fn, kwargs

    def build(self) -> Any:
        return self.fn(**{name: _build(v) for name, v in self.kwargs.items()})

    def __str__(self) -> str:
        arguments = ", ".join(f"{k}={_text(v)}" for k, v in self.kwargs.items())
        return f"{self.fn.__name__}({arguments})"


@dataclass(frozen=True)
class Named:
    """A callable that no `Call` describes (a sum of built-ins, article code)."""

    label: str
    make: Callable[[], Any]

    def build(self) -> Any:
        return self.make()

    def __str__(self) -> str:
        return self.label


def _build(value: Any) -> Any:
    if isinstance(value, Call | Named):
        return value.build()
    if isinstance(value, list):
        return [_build(v) for v in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, Call | Named):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return repr(value)


class ArticleLoss(keras.losses.Loss):
    """A plain function as `compile(loss=function)` uses it: per-sample, averaged."""

    def __init__(self, fn: Callable[[Any, Any], Any]) -> None:
        super().__init__(name=fn.__name__)
        self.fn = fn

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return self.fn(y_true, y_pred)


@dataclass(frozen=True)
class Layout:
    """The sizes of a row, how a size becomes y_pred's shape, how time should grow."""

    family: str  # "elementwise" (bandwidth is reported) or "batch"
    size_unit: str  # "elements" or "batch rows"
    sizes: tuple[int, ...]
    quick_size: int
    columns: int  # y_pred is (n / columns, columns); 0: (B, EMBEDDING_DIM)
    growth: float  # expected exponent of time in size: 1 linear, 2 pairwise

    def __post_init__(self) -> None:
        low, *_, high = scale_sizes(self.sizes)
        if high < 16 * low:
            raise ValueError(f"sizes {self.sizes} hold no three sizes spanning 16x")

    def scale_sizes(self) -> tuple[int, ...]:
        """Three sizes spanning 16x, where the growth exponent is measured."""
        return scale_sizes(self.sizes)

    def shape(self, size: int) -> tuple[int, int]:
        if not self.columns:
            return (size, EMBEDDING_DIM)
        return (max(size // self.columns, 1), min(self.columns, size))

    @property
    def text(self) -> str:
        if not self.columns:
            return f"(B, {EMBEDDING_DIM})"
        return f"(n / {self.columns}, {self.columns})" if self.columns > 1 else "(n, 1)"


def elementwise(columns: int, sizes: tuple[int, ...] = ELEMENTWISE_SIZES) -> Layout:
    return Layout("elementwise", "elements", sizes, QUICK_ELEMENTS, columns, 1.0)


def per_sample(columns: int, sizes: tuple[int, ...] = ELEMENTWISE_SIZES) -> Layout:
    """Linear in n, without a built-in to compare bandwidth with."""
    return Layout("batch", "elements", sizes, QUICK_ELEMENTS, columns, 1.0)


def pairwise(sizes: tuple[int, ...] = PAIRWISE_BATCHES) -> Layout:
    return Layout("batch", "batch rows", sizes, QUICK_BATCH, 0, 2.0)


@dataclass(frozen=True)
class Pairing:
    """One lossbook loss configuration and what it is measured against."""

    loss: type
    kwargs: dict[str, Any]
    case: str  # the name of a LossCase in tests/cases/
    builtin: Call | Named | None
    relation: str | None  # "same", "same x0.5", "nearest", None
    layout: Layout
    naive: Call | Named | None = None  # the source article's version
    notes: tuple[str, ...] = ()
    # (y_true, y_pred) -> (y_true, y_pred), applied after the case draws them.
    inputs: Callable[[Any, Any], tuple[Any, Any]] | None = None
    lossbook: Call = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lossbook", Call(self.loss, **self.kwargs))
        if self.relation not in (None, "nearest") and self.value_factor is None:
            raise ValueError(f"{self.key}: unknown relation {self.relation!r}")

    @property
    def key(self) -> str:
        return str(self.lossbook)

    @property
    def value_factor(self) -> float | None:
        """lossbook == factor * built-in, when the relation says "same"."""
        if self.relation == "same":
            return 1.0
        if self.relation and self.relation.startswith("same x"):
            return float(self.relation.removeprefix("same x"))
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "loss": self.loss.__name__,
            "case": self.case,
            "family": self.layout.family,
            "size_unit": self.layout.size_unit,
            "layout": self.layout.text,
            "sizes": list(self.layout.sizes),
            "scale_sizes": list(self.layout.scale_sizes()),
            "growth": self.layout.growth,
            "builtin": None if self.builtin is None else str(self.builtin),
            "relation": self.relation,
            "naive": None if self.naive is None else str(self.naive),
            "notes": list(self.notes),
        }


def public_losses(lossbook: Any) -> tuple[list[str], dict[str, str]]:
    """The public Loss classes of lossbook, and each public function's class."""
    names = list(lossbook.__all__)
    classes = sorted(
        n
        for n in names
        if isinstance(getattr(lossbook, n), type)
        and issubclass(getattr(lossbook, n), keras.losses.Loss)
    )
    by_letters = {c.lower(): c for c in classes}
    functions = {
        n: by_letters[n.replace("_", "")]
        for n in names
        if n.replace("_", "") in by_letters and n not in classes
    }
    return classes, dict(sorted(functions.items()))


def families(lossbook: Any) -> list[str]:
    """The modules of src/lossbook/ that define public losses, one pairing module
    each (`layers` and `compat` define none)."""
    classes, _ = public_losses(lossbook)
    defining = {
        getattr(lossbook, name).__module__.rpartition(".")[2] for name in classes
    }
    found = pkgutil.iter_modules(lossbook.__path__)
    return sorted(m.name for m in found if m.name in defining)


def check(table: list[Pairing], case_names: set[str], classes: list[str]) -> None:
    """Raises LookupError or ValueError on a table that does not cover lossbook."""
    for pairing in table:
        if pairing.case not in case_names:
            raise LookupError(
                f"{pairing.key}: no contract case named {pairing.case!r} in "
                "tests/cases/ (a pairing never falls back to another case)"
            )
    missing = sorted(set(classes) - {p.loss.__name__ for p in table})
    if missing:
        raise LookupError(f"no pairing in benchmarks/pairings/ for {missing}")
    keys = [p.key for p in table]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"two pairings share the key(s) {twice}")


def load(cases: list[Any]) -> list[Pairing]:
    """Every pairing, checked against the contract's cases and lossbook.__all__."""
    import lossbook

    table: list[Pairing] = []
    for family in families(lossbook):
        table += importlib.import_module(f"benchmarks.pairings.{family}").PAIRINGS
    check(table, {c.name for c in cases}, public_losses(lossbook)[0])
    return table
