"""The fused cross-entropy's gradient on PyTorch, as a `torch.autograd.Function`.

Keras's `ops.custom_gradient` on PyTorch keeps Python functions on the autograd
context, which `torch.compile` cannot trace; this function keeps tensors only.
Imported by `lossbook.large_vocabulary` on the PyTorch backend only.
"""

import torch

from lossbook.large_vocabulary import _loss_and_gradients


class FusedLoss(torch.autograd.Function):
    """sum_i weights[i] * loss[i]; its gradients are computed with it and saved."""

    @staticmethod
    def forward(ctx, hidden, kernel, bias, labels, weights, settings):
        total, *grads = _loss_and_gradients(
            hidden, kernel, bias, labels, weights, **settings
        )
        ctx.save_for_backward(*grads)
        return total

    @staticmethod
    def backward(ctx, upstream):
        d_hidden, d_kernel, d_bias = ctx.saved_tensors
        return (
            upstream * d_hidden,
            upstream * d_kernel,
            upstream * d_bias,
            None,
            None,
            None,
        )
