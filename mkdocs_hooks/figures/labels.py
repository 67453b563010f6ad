"""Every word of the figures and of their alt text, in English and Chinese.

Chinese follows the glossary (docs/zh/reference/glossary.md). Parameter names and
code (beta, pos_weight, y_pred) stay as they are in both languages.
"""

from __future__ import annotations

from collections.abc import Sequence

from .specs import Curve, LossFigure, Overview, Text

LANGUAGES = ("en", "zh")

TEXT: dict[str, dict[str, str]] = {
    # Axes.
    "loss": {"en": "loss", "zh": "损失"},
    "normalised_loss": {
        "en": "loss ÷ its largest value here",
        "zh": "损失 ÷ 其在此范围内的最大值",
    },
    "gradient": {"en": "gradient ∂loss/∂y_pred", "zh": "梯度 ∂损失/∂y_pred"},
    "derivative": {"en": "derivative along x", "zh": "沿 x 轴的导数"},
    "error": {"en": "error x = y_pred − y_true", "zh": "误差 x = y_pred − y_true"},
    "true_class_logit": {
        "en": "logit x of the true class",
        "zh": "真实类别的 logits x",
    },
    "positive_logit": {"en": "logit x of a positive sample", "zh": "正样本的 logits x"},
    "student_logit": {
        "en": "student's logit x for class 0",
        "zh": "学生模型对类别 0 的 logits x",
    },
    "right_class_probability": {
        "en": "probability x of the right class, on every pixel",
        "zh": "每个像素上正确类别的概率 x",
    },
    "box_shift": {
        "en": "shift x of the predicted box",
        "zh": "预测边界框的平移量 x",
    },
    "moved_probability": {
        "en": "probability x moved to a wrong class",
        "zh": "移到错误类别的概率 x",
    },
    "anchor_positive_cosine": {
        "en": "cosine similarity x of anchor and positive",
        "zh": "锚点与正样本的余弦相似度 x",
    },
    "anchor_positive_distance": {
        "en": "distance x between anchor and positive",
        "zh": "锚点与正样本的距离 x",
    },
    "pair_distance": {
        "en": "distance d between the embeddings of a pair",
        "zh": "样本对两个嵌入之间的距离 d",
    },
    "target_cosine": {
        "en": "cosine x to the class centre of the target",
        "zh": "与目标类中心的余弦 x",
    },
    "positive_similarity": {
        "en": "similarity x of anchor 0 and its positive",
        "zh": "锚点 0 与其正样本的相似度 x",
    },
    "overview_cosine": {
        "en": "cosine x of the anchor and its positive (or class centre)",
        "zh": "锚点与其正样本（或类中心）的余弦 x",
    },
    # Captions: what a figure plots.
    "target_zero": {
        "en": "y_true = 0 and y_pred = x, so that x is the error",
        "zh": "y_true = 0，y_pred = x，x 即误差",
    },
    "positive_sample": {
        "en": "a positive sample (y_true = 1) with logit x, from_logits=True",
        "zh": "logits 为 x 的正样本（y_true = 1），from_logits=True",
    },
    "two_classes": {
        "en": "two classes, the first one true, logits [x, 0], from_logits=True",
        "zh": "两个类别，第一类为真实类别，logits 为 [x, 0]，from_logits=True",
    },
    "teacher_logits": {
        "en": "teacher logits [2, 0, −2], student logits [x, 0, −2]",
        "zh": "教师模型的 logits 为 [2, 0, −2]，学生模型的为 [x, 0, −2]",
    },
    "eight_pixels": {
        "en": "an 8-pixel mask with 4 object pixels, "
        "probability x for the right class on every pixel",
        "zh": "8 个像素的掩码，目标占 4 个像素；每个像素上正确类别的概率为 x",
    },
    "two_images": {
        "en": "the first of two 8-pixel masks, logit log(x / (1 − x)) for the right "
        "class on every pixel; the second mask is right by a margin",
        "zh": "两个 8 像素掩码中的第一个，每个像素上正确类别的 logits 为 "
        "log(x / (1 − x))；第二个以足够的间隔预测正确",
    },
    "three_classes": {
        "en": "an 8-pixel mask of classes 0 and 1, class 2 absent and never "
        "predicted; probability x for the right class on every pixel",
        "zh": "8 个像素的掩码，含类别 0 和 1，类别 2 不出现也从未被预测；"
        "每个像素上正确类别的概率为 x",
    },
    "shifted_box": {
        "en": "target box (0, 0, 1, 1), predicted box the same shifted right by x; "
        "same shape, so ciou equals diou",
        "zh": "目标边界框为 (0, 0, 1, 1)，预测边界框为它向右平移 x；"
        "形状相同，所以 ciou 等于 diou",
    },
    "kappa_batch": {
        "en": "5 classes, one sample each; each sample moves probability x "
        "from its class to the class k classes away",
        "zh": "5 个类别，每类一个样本；每个样本把概率 x 从自己的类别移到相距 k 的类别",
    },
    "combined_parts": {
        "en": "WeightedBinaryCrossentropy(pos_weight=3) + JaccardLoss() with "
        "weights, on an 8-pixel mask, probability x for the right class",
        "zh": "WeightedBinaryCrossentropy(pos_weight=3) 与 JaccardLoss() 按 weights "
        "相加；8 像素的掩码，每个像素上正确类别的概率为 x",
    },
    "contrastive_pairs": {
        "en": "dissimilar pairs (y_true = 0) for each margin; "
        "a similar pair costs d², whatever the margin",
        "zh": "各间隔下的不相似样本对（y_true = 0）；相似样本对的损失为 d²，与间隔无关",
    },
    "triplet_batch": {
        "en": "the anchor's loss; unit embeddings, "
        "negatives at distances 1 and 1.6 from the anchor",
        "zh": "锚点的损失；单位嵌入，两个负样本与锚点的距离为 1 和 1.6",
    },
    "semihard_batch": {
        "en": "the anchor's loss; unit embeddings, negatives at distances 1 and 1.6 "
        "from the anchor: beyond x = 1, the semi-hard negative is the farther one",
        "zh": "锚点的损失；单位嵌入，两个负样本与锚点的距离为 1 和 1.6："
        "x 超过 1 后，半难负样本换成较远的那个",
    },
    "anchor_batch": {
        "en": "the anchor's loss; unit embeddings, the positive at cosine x, "
        "negatives at cosines 0.5 and −0.28",
        "zh": "锚点的损失；单位嵌入，正样本与锚点的余弦为 x，两个负样本为 0.5 和 −0.28",
    },
    "mined_batch": {
        "en": "the anchor's loss; unit embeddings, the positive at cosine x, "
        "negatives at 0.5 and −0.28; no pair is mined beyond x = 0.6",
        "zh": "锚点的损失；单位嵌入，正样本与锚点的余弦为 x，"
        "两个负样本为 0.5 和 −0.28；x 超过 0.6 后不再挖掘出样本对",
    },
    "class_centres": {
        "en": "cosines to two class centres: x to the target's, 0 to the other; "
        "scale = 64",
        "zh": "与两个类中心的余弦：与目标类中心为 x，与另一个为 0；scale = 64",
    },
    "proxy_batch": {
        "en": "a batch of one sample: cosine x to its class's proxy, 0 to the other; "
        "margin = 0.1",
        "zh": "只有一个样本的批次：与所属类别代理的余弦为 x，与另一个代理为 0；"
        "margin = 0.1",
    },
    "npairs_batch": {
        "en": "anchor 0's loss among N pairs of different labels; "
        "similarity 0 to the other positives",
        "zh": "N 个标签各异的样本对中锚点 0 的损失；它与其他正样本的相似度为 0",
    },
    "multilabel_batch": {
        "en": "anchor 0's loss among 3 pairs with multi-hot labels; "
        "similarity 0 to the other positives",
        "zh": "3 个多热标签样本对中锚点 0 的损失；它与其他正样本的相似度为 0",
    },
    # Legends.
    "similar_pair": {
        "en": "similar pair (y_true = 1)",
        "zh": "相似样本对（y_true = 1）",
    },
    "no_shared_label": {"en": "no shared label", "zh": "无共享标签"},
    "one_shared_label": {
        "en": "a label shared with pair 1",
        "zh": "与样本对 1 共享一个标签",
    },
    "cross_entropy": {
        "en": "PolyLoss (epsilon = 0: cross-entropy)",
        "zh": "PolyLoss（epsilon = 0：交叉熵）",
    },
    # Families and their overviews.
    "family_regression": {"en": "Regression", "zh": "回归"},
    "family_classification": {"en": "Classification", "zh": "分类"},
    "family_segmentation": {"en": "Segmentation", "zh": "分割"},
    "family_metric_learning": {"en": "Metric learning", "zh": "度量学习"},
    "family_detection": {"en": "Detection", "zh": "目标检测"},
    "family_ordinal": {"en": "Ordinal classification", "zh": "有序分类"},
    "family_composition": {"en": "Composition", "zh": "组合"},
    "overview_regression": {
        "en": "y_true = 0 and y_pred = x",
        "zh": "y_true = 0，y_pred = x",
    },
    "overview_classification": {
        "en": "a positive sample with logit x, or two classes with logits [x, 0]: "
        "the same probability of the true class",
        "zh": "logits 为 x 的正样本，或 logits 为 [x, 0] 的两个类别："
        "真实类别的概率相同",
    },
    "overview_segmentation": {
        "en": "an 8-pixel mask, probability x for the right class on every pixel",
        "zh": "8 个像素的掩码，每个像素上正确类别的概率为 x",
    },
    "overview_metric_learning": {
        "en": "the batches of the figures below, default settings, "
        "each loss divided by its largest value",
        "zh": "批次与下文各图相同，默认设置，每个损失除以其最大值",
    },
    "overview_detection": {
        "en": "target box (0, 0, 1, 1), the same box shifted right by x: "
        "the IoU losses and Smooth L1 on the coordinates",
        "zh": "目标边界框 (0, 0, 1, 1) 与它向右平移 x 后的边界框："
        "各 IoU 损失与坐标上的平滑 L1 损失",
    },
    "overview_ordinal": {
        "en": "5 classes, one sample each, probability x moved k classes away: "
        "cross-entropy is the same for every k",
        "zh": "5 个类别，每类一个样本，概率 x 移到相距 k 的类别：交叉熵对任何 k 都相同",
    },
    "overview_composition": {
        "en": "an 8-pixel mask, probability x for the right class: "
        "the two parts and their sum",
        "zh": "8 个像素的掩码，正确类别的概率为 x：两个部分及其和",
    },
    # Alt text.
    "right_gradient": {
        "en": "gradient with respect to the prediction",
        "zh": "对预测值的梯度",
    },
    "right_derivative": {"en": "derivative along x", "zh": "沿 x 轴的导数"},
}

SEPARATOR = {"en": ", ", "zh": "、"}
# Between whole legends, which may hold commas themselves ("quadratic, k = 1").
STRONG_SEPARATOR = {"en": "; ", "zh": "；"}


def translate(label: str | Text, language: str) -> str:
    """A label in `language`; a plain string is the same in every language."""
    return TEXT[label.key][language] if isinstance(label, Text) else label


def settings_text(curves: Sequence[Curve], language: str) -> str:
    """The curves' legends in one phrase: "beta = 0, 1, 2" when they vary one
    parameter, else every legend."""
    legends = [translate(curve.legend, language) for curve in curves]
    pairs = [legend.split(" = ") for legend in legends]
    if all(len(pair) == 2 for pair in pairs) and len({n for n, _ in pairs}) == 1:
        values = SEPARATOR[language].join(value for _, value in pairs)
        return f"{pairs[0][0]} = {values}"
    return STRONG_SEPARATOR[language].join(legends)


def _cjk(character: str) -> bool:
    return "\u4e00" <= character <= "\u9fff"


def spaced(*parts: str) -> str:
    """The parts joined, with a space where a Chinese character meets a Latin
    letter, digit or symbol, as the Chinese pages write ("8 个像素")."""
    text = ""
    for part in parts:
        if text and part:
            left, right = text[-1], part[0]
            latin = {c for c in (left, right) if c.isascii() and c != " "}
            if latin and (_cjk(left) or _cjk(right)):
                text += " "
        text += part
    return text


COLON = {"en": ": ", "zh": "："}


def figure_title(figure: LossFigure, language: str) -> str:
    return f"{figure.loss}{COLON[language]}{translate(figure.caption, language)}"


def overview_title(overview: Overview, language: str) -> str:
    family = translate(overview.family, language)
    return f"{family}{COLON[language]}{translate(overview.caption, language)}"


def figure_alt(figure: LossFigure, language: str) -> str:
    """The alt text of a loss's figure."""
    right = translate(
        Text("right_gradient" if figure.gradient else "right_derivative"), language
    )
    x = translate(figure.axis.label, language)
    lines = settings_text(figure.curves, language)
    caption = translate(figure.caption, language)
    if language == "zh":
        return spaced(
            f"{figure.loss}：",
            lines,
            f"时，损失（左）及其{right}（右）随",
            x,
            "的变化。",
            caption,
            "。",
        )
    return (
        f"{figure.loss}: the loss (left) and its {right} (right) against {x}, "
        f"for {lines}. Setup: {caption}."
    )


def overview_alt(overview: Overview, language: str) -> str:
    """The alt text of a family's overview."""
    family = translate(overview.family, language)
    losses = [translate(line.label, language) for line in overview.lines]
    x = translate(overview.axis.label, language)
    caption = translate(overview.caption, language)
    if language == "zh":
        listed = SEPARATOR[language].join(losses)
        return spaced(f"{family}损失一览：", listed, "随", x, "的变化。", caption, "。")
    listed = STRONG_SEPARATOR[language].join(losses)
    return f"{family} losses on one axis: {listed}; against {x}. Setup: {caption}."
