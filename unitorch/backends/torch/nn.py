"""The PyTorch backend's ``nn`` section: softmax, cross-entropy, convolution (2-D, 3-D,
transposed), pooling."""

from __future__ import annotations

import torch
import torch.nn.functional as F

_cross_entropy_loss = torch._C._nn.cross_entropy_loss
_REDUCTION = {"none": 0, "mean": 1, "sum": 2}  # torch's enum (torch.nn._reduction)


class NNOps:
    """The contract's ``nn`` section."""

    @staticmethod
    def softmax(x, axis):
        return torch.softmax(x, axis)

    @staticmethod
    def log_softmax(x, axis):
        # torch's CPU kernel rounds max + log(sum(exp)) to float16/bfloat16 before the
        # subtraction, so log-probabilities near 0 keep only an ulp of the max (bfloat16
        # -0.0752 for -0.0771); compute those in float32, as the CUDA kernel does.
        if x.dtype in (torch.float16, torch.bfloat16) and x.device.type == "cpu":
            return torch.log_softmax(x, dim=axis, dtype=torch.float32).to(x.dtype)
        return torch.log_softmax(x, dim=axis)

    @staticmethod
    def cross_entropy(x, target, ignore_index, reduction):
        # the kernel F.cross_entropy calls (log_softmax and nll_loss, mean over the
        # targets not ignored), without the Python wrapper's argument handling
        return _cross_entropy_loss(x, target, None, _REDUCTION[reduction],
                                   -100 if ignore_index is None else ignore_index, 0.0)

    @staticmethod
    def binary_cross_entropy_with_logits(x, target, weight, pos_weight, reduction):
        # torch.nn.functional's fused kernel (forward and backward one pass each)
        if reduction != "none" and x.dim() == 0:
            reduction = "none"
        return torch.binary_cross_entropy_with_logits(x, target, weight, pos_weight,
                                                      _REDUCTION[reduction])

    @staticmethod
    def layer_norm(x, shape, weight, bias, eps):
        return torch.layer_norm(x, shape, weight, bias, eps)

    @staticmethod
    def conv2d(x, weight, bias, stride, padding, dilation, groups):
        (top, bottom), (left, right) = padding
        if top == bottom and left == right:
            return F.conv2d(x, weight, bias, stride, (top, left), dilation, groups)
        x = F.pad(x, [left, right, top, bottom])
        return F.conv2d(x, weight, bias, stride, 0, dilation, groups)

    # -- convolutions of issue 11 ----------------------------------------------------------

    @staticmethod
    def conv3d(x, weight, bias, stride, padding, dilation, groups):
        if all(a == b for a, b in padding):
            return F.conv3d(x, weight, bias, stride, tuple(a for a, _ in padding), dilation,
                            groups)
        flat = [p for pair in reversed(padding) for p in pair]  # last axis first
        return F.conv3d(F.pad(x, flat), weight, bias, stride, 0, dilation, groups)

    @staticmethod
    def conv_transpose2d(x, weight, bias, stride, padding, output_padding, dilation, groups):
        return F.conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups,
                                  dilation)

    @staticmethod
    def max_pool2d(x, kernel, stride, padding):
        (top, bottom), (left, right) = padding
        if top or bottom or left or right:
            # F.max_pool2d pads at most half a kernel and symmetrically: pad with -inf here.
            x = F.pad(x, [left, right, top, bottom], value=float("-inf"))
        return F.max_pool2d(x, kernel, stride)

    @staticmethod
    def avg_pool2d(x, kernel, stride, padding, count_include_pad):
        (top, bottom), (left, right) = padding
        if top == bottom and left == right and 2 * max(top, left) <= min(kernel):
            return F.avg_pool2d(x, kernel, stride, (top, left),
                                count_include_pad=count_include_pad)
        flat = [left, right, top, bottom]
        total = F.avg_pool2d(F.pad(x, flat), kernel, stride)
        if count_include_pad:
            return total
        ones = F.pad(torch.ones_like(x[:1, :1]), flat)
        return total / F.avg_pool2d(ones, kernel, stride)
