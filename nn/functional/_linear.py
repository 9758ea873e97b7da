"""linear and bilinear: affine maps written so that their backward is made of the same maps.

Each is one fused op; its node takes the name of the node PyTorch's composition
ends with (``AddmmBackward0`` for a batch of vectors with a bias...).
"""
from autograd_core.arrays import array_module
from autograd_core.autograd import Function
from autograd_core.device import check_same_device
from autograd_core.dtypes import is_floating
from autograd_core.kernels.blas import gemm_threads

__all__ = ["bilinear", "linear"]


def _check_same_dtype(op, *tensors):
    dtype = tensors[0].array.dtype
    for t in tensors[1:]:
        if t is not None and t.array.dtype != dtype:
            names = ", ".join(str(x.dtype) for x in tensors if x is not None)
            raise RuntimeError(f"{op}: all operands must have the same floating dtype, got {names} "
                               "(convert the input with .float() or the module with .double())")
    if not is_floating(dtype):
        raise RuntimeError(f"{op}: expected floating point tensors, got {tensors[0].dtype}")


# PyTorch's last node of linear by (input rank: 1, 2 or more, bias given)
_LINEAR_NODES = {(1, False): "SqueezeBackward4", (1, True): "ViewBackward0", (2, False): "MmBackward0",
                 (2, True): "AddmmBackward0", (3, False): "UnsafeViewBackward0", (3, True): "ViewBackward0"}


class Linear(Function):
    """``y = x @ W.T (+ b)`` for x of shape (..., in): one BLAS call on the flattened batch.

    Backward reuses the op itself: dx = linear(gy, W.T), dW = linear(gy2d.T, x2d.T),
    so gradients of any order come for free.
    """

    saves = (0, 1)

    def __init__(self, label):
        self.label = label

    def forward(self, x, weight, bias=None):
        with gemm_threads(x.size * weight.shape[0]):
            if x.ndim == 2:
                y = x @ weight.T
            else:
                y = (x.reshape(-1, x.shape[-1]) @ weight.T).reshape(x.shape[:-1] + (weight.shape[0],))
        if bias is not None:
            y += bias
        return y if y.dtype == x.dtype else y.astype(x.dtype)  # bfloat16's product is float32: round once

    def backward(self, gy):
        x, weight = self.saved_tensors
        gx = linear(gy, weight.t()) if self.needs_input_grad[0] else None
        gw = None
        flat = gy if gy.array.ndim == 2 else gy.reshape(-1, gy.array.shape[-1])
        if self.needs_input_grad[1]:
            x2d = x if x.array.ndim == 2 else x.reshape(-1, x.array.shape[-1])
            gw = linear(flat.t(), x2d.t())
        if len(self.next_functions) == 2:
            return gx, gw
        return gx, gw, flat.sum(0) if self.needs_input_grad[2] else None

    def name(self):
        return self.label


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` for input of shape (..., in_features) and weight (out_features, in_features)."""
    ndim = input.array.ndim
    if ndim == 0 or input.array.shape[-1] != weight.array.shape[-1] or weight.array.ndim != 2:
        raise RuntimeError(f"linear: input of shape {tuple(input.shape)} and weight of shape {tuple(weight.shape)} "
                           f"are incompatible: expected input with last dimension {weight.array.shape[-1]} and a "
                           "2-d weight")
    out_features = weight.array.shape[0]
    if bias is not None and bias.array.shape not in ((), (1,), (out_features,)):
        raise RuntimeError(f"linear: bias of shape {tuple(bias.shape)} does not match weight of shape "
                           f"{tuple(weight.shape)}: expected a bias of shape ({out_features},)")
    _check_same_dtype("linear", input, weight, bias)
    op = Linear(_LINEAR_NODES[min(ndim, 3), bias is not None])
    try:
        return op(input, weight) if bias is None else op(input, weight, bias)
    except TypeError:  # CuPy refuses a numpy array: tensors on two devices?
        check_same_device(input, weight, bias)
        raise


class Bilinear(Function):
    """``y_k = x1 @ W[k] @ x2 (+ b_k)`` over a shared batch shape.

    Input gradients are bilinear maps with permuted weights; the weight gradient
    is a linear map of the batch outer products x1 ⊗ x2. Its node is named as
    PyTorch's last one: ``ViewBackward0``, or ``AddBackward0`` with a bias.
    """

    saves = (0, 1, 2)

    def forward(self, x1, x2, weight, bias=None):
        y = array_module(x1).einsum("...i,kij,...j->...k", x1, weight, x2, optimize=True)
        if bias is not None:
            y += bias
        return y

    def backward(self, gy):
        x1, x2, weight = self.saved_tensors
        gx1 = bilinear(gy, x2, weight.permute(1, 0, 2)) if self.needs_input_grad[0] else None
        gx2 = bilinear(gy, x1, weight.permute(2, 0, 1)) if self.needs_input_grad[1] else None
        out_f, in1, in2 = weight.array.shape
        flat = gy.reshape(-1, out_f)
        gw = None
        if self.needs_input_grad[2]:
            outer = (x1.unsqueeze(-1) * x2.unsqueeze(-2)).reshape(-1, in1 * in2)
            gw = linear(flat.t(), outer.t()).reshape(out_f, in1, in2)
        if len(self.next_functions) == 3:
            return gx1, gx2, gw
        return gx1, gx2, gw, flat.sum(0) if self.needs_input_grad[3] else None

    def name(self):
        return "ViewBackward0" if len(self.next_functions) == 3 else "AddBackward0"


def bilinear(input1, input2, weight, bias=None):
    """``y[..., k] = input1 @ weight[k] @ input2 + bias[k]``; weight has shape (out, in1, in2)."""
    if (weight.array.ndim != 3 or input1.array.shape[-1:] != weight.array.shape[1:2]
            or input2.array.shape[-1:] != weight.array.shape[2:] or input1.array.shape[:-1] != input2.array.shape[:-1]):
        raise RuntimeError(f"bilinear: inputs of shape {tuple(input1.shape)} and {tuple(input2.shape)} do not match "
                           f"weight of shape {tuple(weight.shape)} (out, in1, in2): expected inputs (..., in1) and "
                           "(..., in2) with the same leading dimensions")
    _check_same_dtype("bilinear", input1, input2, weight, bias)
    if bias is None:
        return Bilinear()(input1, input2, weight)
    return Bilinear()(input1, input2, weight, bias)
