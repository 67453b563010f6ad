"""Layers that go with lossbook's losses.

`CosineHead` turns embeddings into the cosines that the angular-margin losses
(`ArcFaceLoss`, `CosFaceLoss`) and `ProxyAnchorLoss` take as `y_pred`: its weights
are the class centres (ArcFace's `W`, Proxy-Anchor's proxies), learnt with the
rest of the model.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from lossbook._core import check_int, l2_normalize


def _check_at_least_one(name: str, value: Any) -> int:
    number = check_int(name, value)
    if number < 1:
        raise ValueError(f"`{name}` must be >= 1, got {name}={value!r}.")
    return number


@keras.saving.register_keras_serializable(package="lossbook")
class CosineHead(keras.layers.Layer):
    """Cosines between embeddings and learnt class centres, for angular losses.

    Formula:

    ```
    x_hat = x / ||x||                      embeddings, shape (batch, dim)
    w_hat[:, j] = kernel[:, j] / ||kernel[:, j]||     kernel (dim, C * K)
    cos[b, j] = x_hat[b] . w_hat[:, j]
    output[b, c] = max_k cos[b, c * K + k]           shape (batch, C)
    ```

    The output is the `cos(theta)` of ArcFace, CosFace and Proxy-Anchor: the
    cosine of the angle between an embedding and the centre (the proxy) of each
    class, in `[-1, 1]`. It is what `ArcFaceLoss`, `CosFaceLoss` and
    `ProxyAnchorLoss` take as `y_pred`; at inference, drop the head and compare
    the embeddings, or take its argmax as the predicted class.

    With `sub_centers=K > 1` each class has `K` centres and its cosine is the
    largest of the `K` (Sub-center ArcFace): noisy samples of a class can gather
    around a centre of their own instead of pulling the main one. Column
    `c * K + k` of the kernel is sub-centre `k` of class `c`, the layout of
    pytorch-metric-learning's `SubCenterArcFaceLoss.W`.

    Norms use `rsqrt(max(||v||**2, 1e-12))`, as `tf.math.l2_normalize` does, so an
    all-zero embedding gives cosines of 0 and finite gradients. The kernel is
    initialised from a normal distribution (`keras.initializers.RandomNormal`,
    standard deviation 0.05): its scale does not matter after the
    normalisation, and the directions of normal vectors are uniform on the
    sphere.

    Args:
        num_classes: Number of classes `C`, an int >= 1.
        sub_centers: Number of centres `K` per class, an int >= 1. Defaults to
            `1` (one centre per class, as in ArcFace).
        **kwargs: Arguments of `keras.layers.Layer` (`name`, `dtype`, ...).

    Input shape:
        `(batch, dim)`, or `(..., dim)`: the cosines are taken over the last axis.

    Output shape:
        The input's shape with `dim` replaced by `num_classes`.

    Raises:
        ValueError: If `num_classes` or `sub_centers` is not an int >= 1.

    Examples:
        >>> import numpy as np
        >>> from keras import ops
        >>> from lossbook.layers import CosineHead
        >>> head = CosineHead(num_classes=3)
        >>> embeddings = np.array([[3.0, 4.0], [1.0, 1.0]])
        >>> cosines = head(embeddings)
        >>> tuple(cosines.shape), tuple(head.kernel.shape)
        ((2, 3), (2, 3))
        >>> _ = head.kernel.assign(np.array([[1.0, 0.0, -2.0], [0.0, 1.0, 0.0]]))
        >>> print(np.round(ops.convert_to_numpy(head(embeddings)), 4))
        [[ 0.6     0.8    -0.6   ]
         [ 0.7071  0.7071 -0.7071]]
        >>> CosineHead(num_classes=0)
        Traceback (most recent call last):
        ...
        ValueError: `num_classes` must be >= 1, got num_classes=0.

    References:
        Deng, Guo, Xue and Zafeiriou, "ArcFace: Additive Angular Margin Loss for
        Deep Face Recognition", CVPR 2019, arXiv:1801.07698 (Eq. 3). Deng, Guo,
        Liu, Xue, Kotsia and Zafeiriou, "Sub-center ArcFace: Boosting Face
        Recognition by Large-Scale Noisy Web Faces", ECCV 2020.
    """

    def __init__(self, num_classes: int, sub_centers: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_classes = _check_at_least_one("num_classes", num_classes)
        self.sub_centers = _check_at_least_one("sub_centers", sub_centers)

    def build(self, input_shape: tuple) -> None:
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(
                "The last axis of the embeddings must be known, got input "
                f"shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(dim, self.num_classes * self.sub_centers),
            initializer=keras.initializers.RandomNormal(stddev=0.05),
        )

    def call(self, inputs: Any) -> Any:
        inputs = ops.cast(inputs, self.compute_dtype)
        kernel = ops.cast(self.kernel, self.compute_dtype)
        # einsum, not matmul: Keras's PyTorch matmul computes float64 in float32.
        cosines = ops.einsum(
            "...d,dn->...n", l2_normalize(inputs, -1), l2_normalize(kernel, 0)
        )
        if self.sub_centers == 1:
            return cosines
        shape = (-1, *inputs.shape[1:-1], self.num_classes, self.sub_centers)
        return ops.amax(ops.reshape(cosines, shape), axis=-1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape[:-1], self.num_classes)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "sub_centers": self.sub_centers,
        }
