"""lossbook's benchmark: every loss against its Keras built-in, on three backends.

    python -m benchmarks                      # every backend, full sizes (`make bench`)
    python -m benchmarks --quick              # tiny sizes, one repeat, to a temp dir
    python -m benchmarks --backends jax --only PolyLoss,JaccardLoss
    python -m benchmarks --merge              # only the losses this machine lacks

A small harness around declarative data, laid out like tests/distributed/ and the
operator benchmarks of PyTorch and JAX:

- `pairings/<family>.py`, one per module of src/lossbook/: what each loss is
  measured against (`Pairing`: the loss and its arguments, the contract case of
  tests/cases/ that draws its inputs, the Keras built-in, the article's naive
  version, the sizes);
- `backends/<name>.py`: how a backend makes tensors, compiles a value-and-gradient
  step, shows its compiled program, measures memory and bandwidth;
- `timing.py`: the interleaved stopwatch;
- `worker.py`: one backend in its own process (Keras fixes its backend at import);
- `report/`: pure functions from results to numbers, tables and Markdown;
- `store.py`: the results files, one per machine (`results/<machine>.json`), the
  only committed data; `convert.py` upgrades a file written by an older schema.

The site build (mkdocs_hooks/benchmarks.py) turns the results into the Performance
page's data and each machine's Markdown report.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
BACKENDS = ("jax", "tensorflow", "torch")
# The modes each backend is measured in (backends/<name>.py defines them).
MODES = {"jax": ("jit",), "tensorflow": ("xla",), "torch": ("eager", "compile")}
# The version of the results files' layout (see store.py and convert.py).
SCHEMA = 2
# Target of the issue: every loss at most this times its built-in from 1M elements.
TARGET_RATIO = 1.05
TARGET_FROM_ELEMENTS = 2**20
# A row grows too fast when its exponent exceeds the expected one by more than this.
GROWTH_SLACK = 0.3
