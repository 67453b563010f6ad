"""Load models saved with TensorFlow Addons losses as lossbook losses.

TensorFlow Addons registered its losses under the package name `"Addons"`: a
model compiled with `tfa.losses.TripletSemiHardLoss()` was saved with the class
name `"Addons>TripletSemiHardLoss"` and Addons' own arguments (`tau` for the
pinball loss, `reduction="auto"`, which Keras 3 no longer knows). Importing this
module registers those names, so that such a file loads, with
`safe_mode=True` too, and its loss becomes the lossbook class that computes the
same values; saving the model again writes lossbook's names.

    >>> import keras
    >>> import lossbook.compat.addons  # noqa: F401
    >>> config = {
    ...     "class_name": "Addons>PinballLoss",
    ...     "config": {"reduction": "auto", "name": "pinball_loss", "tau": 0.9},
    ... }
    >>> loss = keras.losses.deserialize(config)
    >>> type(loss).__name__, loss.quantiles, loss.reduction
    ('PinballLoss', 0.9, 'sum_over_batch_size')

Two of Addons' eleven loss classes have no exact equivalent, and a model saved
with them raises a ValueError that says what to use instead (see
`NOT_PORTED`).
"""

from __future__ import annotations

from typing import Any

import keras

import lossbook

# Addons' class name -> (lossbook class, Addons' argument -> lossbook's argument).
EQUIVALENTS: dict[str, tuple[type, dict[str, str]]] = {
    "ContrastiveLoss": (lossbook.ContrastiveLoss, {}),
    "GIoULoss": (lossbook.BoxIoULoss, {}),
    "LiftedStructLoss": (lossbook.LiftedStructLoss, {}),
    "NpairsLoss": (lossbook.NPairsLoss, {}),
    "NpairsMultilabelLoss": (lossbook.NPairsMultilabelLoss, {}),
    "PinballLoss": (lossbook.PinballLoss, {"tau": "quantiles"}),
    "TripletHardLoss": (lossbook.TripletHardLoss, {}),
    "TripletSemiHardLoss": (lossbook.TripletSemiHardLoss, {}),
    "WeightedKappaLoss": (lossbook.WeightedKappaLoss, {}),
}

NOT_PORTED = {
    "SigmoidFocalCrossEntropy": (
        "keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, "
        "alpha=..., gamma=..., from_logits=...) computes the same elements, but "
        "averages the last axis where Addons sums it"
    ),
    "SparsemaxLoss": (
        "no Keras or lossbook loss computes the sparsemax loss; keep the model's "
        "architecture and weights, and compile it again with a loss of your choice"
    ),
}

# Reductions of Keras 2 that Keras 3 no longer accepts.
_REDUCTIONS = {"auto": "sum_over_batch_size"}


def lossbook_config(addons_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """The lossbook class's config equivalent to an Addons loss config."""
    _, renames = EQUIVALENTS[addons_name]
    translated = {renames.get(key, key): value for key, value in config.items()}
    reduction = translated.get("reduction")
    translated["reduction"] = _REDUCTIONS.get(reduction, reduction)
    if addons_name == "WeightedKappaLoss":
        # Addons forced reduction "none" on a loss that is already one number per
        # batch; lossbook's per-sample values need their mean to give it.
        translated["reduction"] = "sum_over_batch_size"
    return translated


def _equivalent(addons_name: str) -> type:
    target, _ = EQUIVALENTS[addons_name]

    class AddonsName(target):
        @classmethod
        def from_config(cls, config: dict[str, Any]) -> Any:
            return target.from_config(lossbook_config(addons_name, config))

    AddonsName.__name__ = AddonsName.__qualname__ = addons_name
    AddonsName.__doc__ = (
        f"Loads Addons' `{addons_name}` as `lossbook.{target.__name__}`."
    )
    return keras.saving.register_keras_serializable("Addons", addons_name)(AddonsName)


def _not_ported(addons_name: str) -> type:
    class AddonsName(keras.losses.Loss):
        @classmethod
        def from_config(cls, config: dict[str, Any]) -> Any:
            raise ValueError(
                f"TensorFlow Addons' {addons_name} has no lossbook equivalent: "
                f"{NOT_PORTED[addons_name]}."
            )

    AddonsName.__name__ = AddonsName.__qualname__ = addons_name
    AddonsName.__doc__ = f"Explains why Addons' `{addons_name}` does not load."
    return keras.saving.register_keras_serializable("Addons", addons_name)(AddonsName)


for _name in EQUIVALENTS:
    _equivalent(_name)
for _name in NOT_PORTED:
    _not_ported(_name)
