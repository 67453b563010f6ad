"""The report's own words in each language of the manual. Pure.

The report is written in English. `words(language)` returns the function that puts one
of its texts (a heading, a fixed word, a format string) into that language; a text
without a translation raises KeyError. Loss names, built-in names, backends, modes,
numbers and what a run recorded about itself (its label, scheme, compiler) stay as
they are.
"""

from __future__ import annotations

from collections.abc import Callable

CHINESE = {
    # tables
    "None.": "无。",
    "none": "无",
    "built-in": "内置损失函数",
    "relation": "关系",
    "same": "相同",
    "nearest": "最接近",
    "nearest built-in": "最接近的内置损失函数",
    "time per step (ratio)": "每步耗时（比值）",
    "size": "规模",
    "sizes": "规模",
    "built-in ms": "内置损失函数 ms",
    "naive ms": "朴素写法 ms",
    "GB/s (% of reference)": "GB/s（占参考带宽的 %）",
    "peak memory": "峰值内存",
    "built-in's": "内置损失函数",
    "ratio": "比值",
    "time exponent": "耗时指数",
    "memory exponent": "内存指数",
    "expected": "预期指数",
    "not measured": "未测量",
    "time": "耗时",
    "memory": "内存",
    " and ": "和",
    "{flag} grows too fast": "{flag}增长过快",
    "{flag} grow too fast": "{flag}增长过快",
    "ops: lossbook": "运算：lossbook",
    "ops: built-in": "运算：内置损失函数",
    "GB/s at {size}": "{size} 时的 GB/s",
    ", {breaks} graph breaks": "，{breaks} 次图中断",
    "{mode}: first call": "{mode}：首次调用",
    "{mode}: step": "{mode}：每步",
    "{mode}: ratio": "{mode}：比值",
    # the bandwidth a step is compared with
    "the GPU's data-sheet peak": "GPU 数据手册给出的峰值",
    "NumPy's in-place x += 1, one thread": "NumPy 的原地 x += 1，单线程",
    # a machine's whole report
    "Date": "日期",
    "Python, platform": "Python、平台",
    "Run": "运行",
    "{cpu}, {cores} usable cores": "{cpu}，{cores} 个可用核心",
    "`{command}`, {minutes:.1f} min": "`{command}`，{minutes:.1f} 分钟",
    "failed: {error}": "失败：{error}",
    "{label} on {device}; {versions}": "{label}，运行于 {device}；{versions}",
    "{losses} added on {date}": "{date} 加入 {losses}",
    "builtin": "内置损失函数",
    "torch.compile, tried: {error}": "试用 torch.compile：{error}",
    "{name} compiled in {compile_s:.1f} s, then {step_ms:.2f} ms a step": (
        "{name} 编译用时 {compile_s:.1f} s，之后每步 {step_ms:.2f} ms"
    ),
    "; ": "；",
    "torch.compile, tried on {row} at {size}: {parts}.": (
        "在 {size} 的 {row} 上试用 torch.compile：{parts}。"
    ),
    "# lossbook benchmarks: {slug}": "# lossbook 基准测试：{slug}",
    "One step = the loss value and its gradient with respect to `y_pred`, "
    "compiled. Ratio = median over interleaved repeats of time(lossbook) / "
    "time(built-in), [Q1–Q3] its interquartile range. Target: ≤ {target} "
    "from 1M elements on. Bandwidth = (bytes of y_true and y_pred read, gradient "
    "written) / time. Growth exponent = slope of log(time) against log(size) over "
    "three sizes spanning 16×, flagged above the expected one + {slack}. "
    "First call = compilation and one step.": (
        "一步 = 编译后计算损失值及其对 `y_pred` 的梯度。比值 = 交错重复中 "
        "time(lossbook) / time(内置) 的中位数，[Q1–Q3] 为其四分位距。目标：从 1M "
        "个元素起 ≤ {target}。带宽 =（读取的 y_true 与 y_pred 字节数加写出的梯度"
        "字节数）/ 耗时。增长指数 = 在跨度为 16 倍的三个规模上 log(耗时) 对 "
        "log(规模) 的斜率，超过预期指数 + {slack} 时标出。首次调用 = 编译加一步。"
    ),
    "Failed: {error}": "失败：{error}",
    "{label} on {device} ({device_name}); {scheme}. Compiler: {compiler}. Peak "
    "memory: {memory}. `x + 1` over {elements} floats: {new_buffer:.1f} GB/s into a "
    "new buffer, {in_place:.1f} GB/s in place ({kernel}).": (
        "{label}，运行于 {device}（{device_name}）；{scheme}。编译器：{compiler}。"
        "峰值内存：{memory}。对 {elements} 个浮点数做 `x + 1`：写入新缓冲区 "
        "{new_buffer:.1f} GB/s，原地写入 {in_place:.1f} GB/s（{kernel}）。"
    ),
    "Ratio to the built-in": "与内置损失函数的耗时比",
    "Batch losses and losses without a built-in": (
        "批次型损失函数与没有内置对应的损失函数"
    ),
    "Growth with size": "随规模的增长",
    "Slower than {target}× from 1M elements": "从 1M 个元素起慢于 {target}× 的损失函数",
    "Time per step (ms, median)": "每步耗时（ms，中位数）",
    "Errors": "错误",
    "{backend}: its modes compared": "{backend}：各模式对比",
    "Not measured": "未测量",
    # the large-vocabulary cross-entropy (report/vocabulary.py)
    "backend, mode": "后端、模式",
    "built-in: memory": "内置：内存",
    "chunked: memory": "分块：内存",
    "memory saved": "内存节省倍数",
    "built-in: step": "内置：每步",
    "chunked: step": "分块：每步",
    "time ratio": "耗时比",
    "skipped: needs ~{needed}, {free} free": "跳过：约需 {needed}，空闲 {free}",
    "failed": "失败",
    "- not measured on {slug} ({backend}, {mode}): {losses}": (
        "- 未在 {slug} 上测量（{backend}，{mode}）：{losses}"
    ),
}

TRANSLATIONS = {"zh": CHINESE}


def words(language: str) -> Callable[[str], str]:
    """The function that gives a text of the report in `language` ("en" or "zh")."""
    if language == "en":
        return lambda text: text
    return TRANSLATIONS[language].__getitem__
