"""Bad input at the public-op boundary fails as PyTorch's does.

Every public function of autograd_core and nn.functional has one valid call
below; each of its arguments is then replaced in turn by what users get wrong
(None or a list for a tensor, a string or a float for a dim, a negative or
non-int size, empty tensors), and the call is made here and in PyTorch. Where
PyTorch raises, we raise the same class (TypeError where PyTorch's own Python
code leaks an AttributeError) with a message naming the op; where it returns,
we return a result of the same shape.
"""
import inspect
import warnings

import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.tensor import check_tensor_arguments

torch_ref = pytest.importorskip("torch")


# ----- the valid calls, written once for both libraries -----
class T:
    """A tensor argument: its shape and kind (f float32, d float64, l int64 zeros, b bool)."""

    def __init__(self, *shape, kind="f"):
        self.shape, self.kind = shape, kind

    def array(self, shape=None):
        shape = self.shape if shape is None else shape
        if self.kind == "l":
            return np.zeros(shape, np.int64)
        if self.kind == "b":
            return np.arange(int(np.prod(shape))).reshape(shape) % 2 == 0
        values = np.random.RandomState(0).rand(*shape) * 0.8 + 0.1  # in (0, 1): valid probabilities too
        return values.astype(np.float64 if self.kind == "d" else np.float32)


class Dim(int):
    """A dim argument."""


class Size(int):
    """A size argument (or one entry of a shape)."""


def t(*shape, kind="f"):
    return T(*shape, kind=kind)


def call(name, *args, ref=None, **kwargs):
    """A case: ``name`` ("exp", "F.linear") called with ``args``; ``ref`` names PyTorch's function when it lives
    elsewhere."""
    return (name, args, kwargs, ref or name)


CASES = [
    # elementwise, one tensor
    *[call(n, t(2, 3)) for n in (
        "abs", "absolute", "acos", "acosh", "asin", "asinh", "atan", "atanh", "arccos", "arccosh", "arcsin", "arcsinh",
        "arctan", "arctanh", "ceil", "clone", "cos", "cosh", "erf", "exp", "expm1", "fix", "floor", "frac", "isfinite",
        "isinf", "isnan", "isneginf", "isposinf", "log", "log10", "log1p", "log2", "nan_to_num", "neg", "negative",
        "reciprocal", "relu", "round", "rsqrt", "sgn", "sigmoid", "sign", "sin", "sinh", "sqrt", "square", "tan",
        "tanh", "trunc", "argwhere", "nonzero", "numel", "fliplr", "flipud")],
    # elementwise, two tensors
    *[call(n, t(2, 3), t(2, 3)) for n in (
        "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "fmod",
        "remainder", "pow", "atan2", "arctan2", "maximum", "minimum", "eq", "ne", "not_equal", "lt", "less", "le",
        "less_equal", "gt", "greater", "ge", "greater_equal", "allclose", "isclose", "equal")],
    *[call(n, t(2, 3, kind="l"), t(2, 3, kind="l")) for n in ("bitwise_and", "bitwise_or", "bitwise_xor")],
    *[call(n, t(2, 3, kind="b"), t(2, 3, kind="b")) for n in ("logical_and", "logical_or", "logical_xor")],
    *[call(n, t(2, 3)) for n in ("lgamma", "digamma", "erfinv")], call("polygamma", 1, t(2, 3)),
    call("xlogy", t(2, 3), t(2, 3)),
    call("bitwise_not", t(2, 3, kind="l")), call("logical_not", t(2, 3, kind="b")),
    call("clamp", t(2, 3), 0.2, 0.6), call("clip", t(2, 3), 0.2, 0.6), call("clamp_min", t(2, 3), 0.2),
    call("clamp_max", t(2, 3), 0.6),
    # products
    call("mm", t(2, 3), t(3, 4)), call("matmul", t(2, 3), t(3, 4)), call("bmm", t(2, 2, 3), t(2, 3, 4)),
    call("mv", t(2, 3), t(3)), call("dot", t(3), t(3)), call("outer", t(2), t(3)), call("ger", t(2), t(3)),
    call("addmm", t(2, 4), t(2, 3), t(3, 4)), call("einsum", "ij,jk->ik", t(2, 3), t(3, 4)),
    # reductions and scans
    *[call(n, t(2, 3), dim=Dim(1)) for n in (
        "sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "max", "min", "median", "all", "any", "std",
        "var", "logsumexp", "count_nonzero", "cumsum", "cumprod", "softmax", "log_softmax", "sort", "argsort")],
    call("norm", t(2, 3), dim=Dim(1)), call("topk", t(2, 3), 2, dim=Dim(1)),
    # shapes
    call("reshape", t(2, 3), (Size(3), Size(2))), call("transpose", t(2, 3), Dim(0), Dim(1)),
    call("swapaxes", t(2, 3), Dim(0), Dim(1)), call("swapdims", t(2, 3), Dim(0), Dim(1)), call("t", t(2, 3)),
    call("permute", t(2, 3), (Dim(1), Dim(0))), call("squeeze", t(2, 1, 3), Dim(1)),
    call("unsqueeze", t(2, 3), Dim(0)), call("flatten", t(2, 3, 4), Dim(1)),
    call("unflatten", t(2, 6), Dim(1), (Size(2), Size(3))), call("movedim", t(2, 3, 4), Dim(0), Dim(2)),
    call("moveaxis", t(2, 3, 4), Dim(0), Dim(2)), call("broadcast_to", t(1, 3), (Size(2), Size(3))),
    call("tile", t(2, 3), (Size(2), Size(1))), call("flip", t(2, 3), (Dim(0),)), call("roll", t(2, 3), 1, Dim(0)),
    call("tril", t(3, 3)), call("triu", t(3, 3)), call("narrow", t(2, 3), Dim(1), 0, 2),
    call("narrow_copy", t(2, 3), Dim(1), 0, 2), call("split", t(4, 3), 2, dim=Dim(0)),
    call("chunk", t(4, 3), 2, Dim(0)), call("unbind", t(2, 3), Dim(0)),
    *[call(n, [t(2, 3), t(2, 3)], dim=Dim(0)) for n in ("cat", "concat", "concatenate", "stack")],
    *[call(n, [t(2, 3), t(2, 3)]) for n in ("hstack", "vstack", "dstack")],
    # indexing
    call("gather", t(2, 3), Dim(1), t(2, 2, kind="l")), call("take", t(2, 3), t(2, kind="l")),
    call("scatter", t(2, 3), Dim(1), t(2, 2, kind="l"), t(2, 2)),
    call("scatter_add", t(2, 3), Dim(1), t(2, 2, kind="l"), t(2, 2)),
    call("index_select", t(2, 3), Dim(1), t(2, kind="l")),
    call("index_add", t(2, 3), Dim(1), t(2, kind="l"), t(2, 2)),
    call("index_put", t(2, 3), (t(2, kind="l"),), t(2, 3)), call("masked_fill", t(2, 3), t(2, 3, kind="b"), 0.5),
    call("masked_select", t(2, 3), t(2, 3, kind="b")), call("where", t(2, 3, kind="b"), t(2, 3), t(2, 3)),
    # creation and random
    *[call(n, Size(2), Size(3)) for n in ("zeros", "ones", "empty", "rand", "randn")],
    call("full", (Size(2), Size(3)), 1.5), call("eye", Size(3)), call("arange", Size(5)),
    call("linspace", 0.0, 1.0, Size(5)), call("logspace", 0.0, 1.0, Size(5)), call("randperm", Size(4)),
    call("randint", 0, 5, (Size(2), Size(3))),
    *[call(n, t(2, 3)) for n in ("zeros_like", "ones_like", "empty_like", "rand_like", "randn_like", "bernoulli",
                                 "poisson")],
    call("full_like", t(2, 3), 2.0), call("randint_like", t(2, 3), 5), call("normal", t(2, 3), t(2, 3)),
    call("multinomial", t(2, 3), 2), call("tensor", [1.0, 2.0]), call("as_tensor", [1.0, 2.0]),
    call("is_tensor", t(2)),
    # convolution and pooling
    call("conv1d", t(1, 2, 5), t(3, 2, 2)), call("conv2d", t(1, 2, 5, 5), t(3, 2, 2, 2)),
    call("conv_transpose1d", t(1, 2, 5), t(2, 3, 2)), call("conv_transpose2d", t(1, 2, 5, 5), t(2, 3, 2, 2)),
    call("max_pool1d", t(1, 2, 6), 2), call("max_pool2d", t(1, 2, 6, 6), 2), call("avg_pool1d", t(1, 2, 6), 2),
    call("avg_pool2d", t(1, 2, 6, 6), 2, ref="F.avg_pool2d"),
    call("adaptive_avg_pool2d", t(1, 2, 6, 6), 2, ref="F.adaptive_avg_pool2d"),
    call("adaptive_max_pool2d", t(1, 2, 6, 6), 2, ref="F.adaptive_max_pool2d"),
    # nn.functional: activations
    *[call("F." + n, t(2, 3)) for n in (
        "relu", "relu_", "relu6", "elu", "elu_", "selu", "selu_", "celu", "celu_", "leaky_relu", "leaky_relu_",
        "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "gelu", "silu", "mish", "softplus", "softsign",
        "logsigmoid", "sigmoid", "tanh", "hardshrink", "softshrink", "tanhshrink", "rrelu", "rrelu_")],
    *[call("F." + n, t(2, 3), Dim(1)) for n in ("softmax", "softmin", "log_softmax")],
    call("F.gumbel_softmax", t(2, 3), dim=Dim(1)), call("F.glu", t(2, 4), Dim(1)), call("F.prelu", t(2, 3), t(1)),
    call("F.threshold", t(2, 3), 0.5, 0.0), call("F.threshold_", t(2, 3), 0.5, 0.0),
    # nn.functional: layers
    call("F.linear", t(2, 3), t(4, 3), t(4)), call("F.bilinear", t(2, 3), t(2, 4), t(5, 3, 4), t(5)),
    call("F.embedding", t(2, kind="l"), t(5, 3)), call("F.embedding_bag", t(2, 3, kind="l"), t(5, 3)),
    call("F.one_hot", t(3, kind="l"), 4), call("F.pad", t(2, 3), (1, 1)), call("F.normalize", t(2, 3)),
    *[call("F." + n, t(2, 3), 0.5, training=False) for n in ("dropout", "alpha_dropout", "feature_alpha_dropout")],
    call("F.dropout1d", t(2, 3, 4), 0.5, training=False), call("F.dropout2d", t(2, 3, 4, 4), 0.5, training=False),
    call("F.dropout3d", t(2, 3, 4, 4, 4), 0.5, training=False),
    call("F.conv1d", t(1, 2, 5), t(3, 2, 2)), call("F.conv2d", t(1, 2, 5, 5), t(3, 2, 2, 2)),
    call("F.conv_transpose1d", t(1, 2, 5), t(2, 3, 2)), call("F.conv_transpose2d", t(1, 2, 5, 5), t(2, 3, 2, 2)),
    call("F.max_pool1d", t(1, 2, 6), 2), call("F.max_pool2d", t(1, 2, 6, 6), 2), call("F.avg_pool1d", t(1, 2, 6), 2),
    call("F.avg_pool2d", t(1, 2, 6, 6), 2), call("F.adaptive_avg_pool2d", t(1, 2, 6, 6), 2),
    call("F.adaptive_max_pool2d", t(1, 2, 6, 6), 2),
    call("F.pixel_shuffle", t(1, 4, 2, 2), 2), call("F.pixel_unshuffle", t(1, 1, 4, 4), 2),
    call("F.channel_shuffle", t(1, 4, 2, 2), 2), call("F.interpolate", t(1, 1, 4, 4), scale_factor=2),
    call("F.upsample", t(1, 1, 4, 4), scale_factor=2), call("F.upsample_nearest", t(1, 1, 4, 4), scale_factor=2),
    call("F.upsample_bilinear", t(1, 1, 4, 4), scale_factor=2), call("F.grid_sample", t(1, 1, 4, 4), t(1, 2, 2, 2)),
    call("F.affine_grid", t(1, 2, 3), (Size(1), Size(1), Size(4), Size(4))), call("F.unfold", t(1, 1, 4, 4), 2),
    call("F.fold", t(1, 4, 9), (4, 4), 2),
    call("F.scaled_dot_product_attention", t(1, 2, 3), t(1, 2, 3), t(1, 2, 3)),
    call("F.multi_head_attention_forward", t(2, 1, 4), t(2, 1, 4), t(2, 1, 4), 4, 2, t(12, 4), t(12), None, None,
         False, 0.0, t(4, 4), t(4), training=False),
    # nn.functional: normalization
    call("F.layer_norm", t(2, 3), (Size(3),)), call("F.rms_norm", t(2, 3), (Size(3),)),
    call("F.batch_norm", t(4, 3), t(3), t(3)), call("F.group_norm", t(2, 4, 3), 2),
    call("F.instance_norm", t(2, 3, 4)), call("F.local_response_norm", t(1, 3, 4, 4), 2),
    # nn.functional: losses and distances
    *[call("F." + n, t(2, 3), t(2, 3)) for n in (
        "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "binary_cross_entropy",
        "binary_cross_entropy_with_logits", "poisson_nll_loss", "hinge_embedding_loss", "soft_margin_loss",
        "multilabel_soft_margin_loss", "cosine_similarity", "pairwise_distance")],
    call("F.cross_entropy", t(2, 3), t(2, kind="l")), call("F.nll_loss", t(2, 3), t(2, kind="l")),
    call("F.multi_margin_loss", t(2, 3), t(2, kind="l")),
    call("F.multilabel_margin_loss", t(2, 3), t(2, 3, kind="l")),
    call("F.gaussian_nll_loss", t(2, 3), t(2, 3), t(2, 3)), call("F.margin_ranking_loss", t(3), t(3), t(3)),
    call("F.cosine_embedding_loss", t(2, 3), t(2, 3), t(2)), call("F.triplet_margin_loss", t(2, 3), t(2, 3), t(2, 3)),
    call("F.triplet_margin_with_distance_loss", t(2, 3), t(2, 3), t(2, 3)), call("F.pdist", t(3, 2)),
    call("F.ctc_loss", t(5, 2, 4), t(2, 3, kind="l"), (5, 5), (3, 3)),
    # 3-D convolution and pooling, adaptive 1-D pools, *_with_indices, max unpooling, LP pooling
    *[call(p + "conv3d", t(1, 2, 4, 4, 4), t(3, 2, 2, 2, 2)) for p in ("", "F.")],
    *[call(p + "conv_transpose3d", t(1, 2, 3, 3, 3), t(2, 3, 2, 2, 2)) for p in ("", "F.")],
    *[call(p + "max_pool3d", t(1, 2, 4, 4, 4), 2) for p in ("", "F.")],
    *[call(p + "max_pool1d_with_indices", t(1, 2, 6), 2) for p in ("", "F.")],
    *[call(p + n, t(1, 2, 6), 2) for p in ("", "F.") for n in ("adaptive_avg_pool1d", "adaptive_max_pool1d")],
    *[call(p + n, *a, ref="F." + n) for n, a in (
        ("max_pool2d_with_indices", (t(1, 2, 6, 6), 2)), ("max_pool3d_with_indices", (t(1, 2, 4, 4, 4), 2)),
        ("avg_pool3d", (t(1, 2, 4, 4, 4), 2)), ("adaptive_avg_pool3d", (t(1, 2, 4, 4, 4), 2)),
        ("adaptive_max_pool3d", (t(1, 2, 4, 4, 4), 2)), ("adaptive_max_pool1d_with_indices", (t(1, 2, 6), 2)),
        ("adaptive_max_pool2d_with_indices", (t(1, 2, 6, 6), 2)),
        ("adaptive_max_pool3d_with_indices", (t(1, 2, 4, 4, 4), 2)),
        ("max_unpool1d", (t(1, 2, 3), t(1, 2, 3, kind="l"), 2)),
        ("max_unpool2d", (t(1, 2, 3, 3), t(1, 2, 3, 3, kind="l"), 2)),
        ("max_unpool3d", (t(1, 2, 2, 2, 2), t(1, 2, 2, 2, 2, kind="l"), 2))) for p in ("", "F.")],
    call("F.lp_pool1d", t(1, 2, 6), 2, 2), call("F.lp_pool2d", t(1, 2, 6, 6), 2, 2),
    call("F.lp_pool3d", t(1, 2, 4, 4, 4), 2, 2),
    # linear algebra predating torch.linalg
    *[call(n, t(2, 3, 3)) for n in ("det", "inverse", "logdet", "slogdet", "matrix_exp", "cholesky")],
    call("matrix_power", t(3, 3), 2), call("pinverse", t(3, 2)), call("svd", t(4, 3)), call("qr", t(4, 3)),
    # issue 19 family 3: the tensor ops left
    *[call(n, t(2, 3)) for n in ("erfc", "exp2", "logit", "sinc", "nansum", "nanmean", "nanmedian", "aminmax",
                                 "unique", "unique_consecutive")],
    *[call(n, t(2, 3), t(2, 3)) for n in ("logaddexp", "logaddexp2", "hypot", "kron")],
    *[call(n, t(2, 3, kind="l"), t(2, 3, kind="l")) for n in ("bitwise_left_shift", "bitwise_right_shift")],
    call("lerp", t(2, 3), t(2, 3), 0.5), call("diagonal", t(3, 3), 0, Dim(0), Dim(1)),
    call("diag_embed", t(2, 3)), call("diag", t(3, 3)), call("trace", t(3, 3)),
    call("baddbmm", t(2, 2, 4), t(2, 2, 3), t(2, 3, 4)), call("addbmm", t(2, 4), t(2, 2, 3), t(2, 3, 4)),
    call("addmv", t(2), t(2, 3), t(3)), call("addr", t(2, 3), t(2), t(3)), call("cross", t(2, 3), t(2, 3), Dim(1)),
    call("tensordot", t(2, 3), t(3, 4), 1), call("cdist", t(2, 3), t(4, 3)),
    call("meshgrid", t(2), t(3), indexing="ij"),
    call("rot90", t(2, 3), 1, (Dim(0), Dim(1))), call("column_stack", [t(2), t(2)]),
    call("tensor_split", t(4, 3), 2, Dim(0)), call("hsplit", t(2, 4), 2), call("vsplit", t(4, 2), 2),
    call("dsplit", t(2, 2, 4), 2), call("quantile", t(2, 3), 0.5, Dim(1)), call("nanquantile", t(2, 3), 0.5, Dim(1)),
    *[call(n, t(2, 3), Dim(1)) for n in ("mode", "std_mean", "var_mean", "cummax", "cummin", "logcumsumexp")],
    call("kthvalue", t(2, 3), 2, Dim(1)), call("take_along_dim", t(2, 3), t(2, 1, kind="l"), Dim(1)),
    call("index_copy", t(2, 3), Dim(1), t(2, kind="l"), t(2, 2)),
    call("index_fill", t(2, 3), Dim(1), t(2, kind="l"), 1.5),
    call("masked_scatter", t(2, 3), t(2, 3, kind="b"), t(2, 3)),
    call("scatter_reduce", t(2, 3), Dim(1), t(2, 2, kind="l"), t(2, 2), "amax"),
    call("index_put_", t(2, 3), (t(2, kind="l"),), t(2, 3)), call("searchsorted", t(3), t(2, 3)),
    call("bucketize", t(2, 3), t(3)), call("bincount", t(4, kind="l")), call("histc", t(2, 3), 4),
    *[call(n, t(2, 3)) for n in ("erf_", "erfc_", "exp2_", "expm1_", "sinh_", "cosh_", "asin_", "acos_", "atan_",
                                 "asinh_", "acosh_", "atanh_", "logit_", "sinc_", "frac_", "trunc_")],
    call("xlogy_", t(2, 3), t(2, 3)), call("clamp_min_", t(2, 3), 0.2), call("clamp_max_", t(2, 3), 0.6),
    call("addmv_", t(2), t(2, 3), t(3)),
    *[call(n, t(2, 3)) for n in ("real", "imag", "conj", "conj_physical", "resolve_conj", "angle", "view_as_real",
                                 "is_complex")],
    call("view_as_complex", t(2)), call("complex", t(2, 3), t(2, 3)), call("polar", t(2, 3), t(2, 3)),
]

# public functions that take no tensors, shapes or dims (state, files, numerics helpers), or that PyTorch has not
NOT_OPS = {"get_default_device", "get_default_dtype", "get_rng_state", "initial_seed", "is_grad_enabled",
           "keep_freed_memory", "load", "save", "manual_seed", "seed", "set_default_device", "set_default_dtype",
           "set_detect_anomaly", "set_rng_state", "numerical_diff", "numerical_gradient", "cast", "sum_to",
           "from_numpy", "set_num_threads", "get_num_threads"}  # test_num_threads checks their bad input


def _library(name):
    if name.startswith("F."):
        return F, name[2:]
    return torch, name


def _reference(name):
    if name.startswith("F."):
        return getattr(torch_ref.nn.functional, name[2:])
    return getattr(torch_ref, name)


# ----- the bad variants of each call -----
def _walk(value, path=()):
    """``(path, placeholder)`` for every T, Dim and Size inside ``value`` (nested in tuples and lists)."""
    if isinstance(value, (T, Dim, Size)):
        yield path, value
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            yield from _walk(v, path + (i,))


def _replaced(value, path, new):
    if not path:
        return new
    parts = list(value)
    parts[path[0]] = _replaced(value[path[0]], path[1:], new)
    return type(value)(parts)


def _bad_values(placeholder):
    if isinstance(placeholder, T):
        return {"None": None, "list": [1.0, 2.0]}
    if isinstance(placeholder, Dim):
        return {"str": "a", "float": 0.5}
    return {"negative": -3, "str": "a", "float": 2.5}


def _variants(case):
    """``(label, args, kwargs)``: one bad argument at a time, then every tensor emptied along its first or last dim."""
    name, args, kwargs, _ = case
    slots = [("arg", i, v) for i, v in enumerate(args)] + [("kw", k, v) for k, v in kwargs.items()]
    for where, key, value in slots:
        if isinstance(value, list) and all(isinstance(v, T) for v in value):
            yield f"{key}=tensor", *_put(args, kwargs, where, key, value[0])  # cat(tensor)
        for path, placeholder in _walk(value):
            for label, bad in _bad_values(placeholder).items():
                yield (f"{key}{''.join(f'.{p}' for p in path)}={label}",
                       *_put(args, kwargs, where, key, _replaced(value, path, bad)))
    for end in (0, -1):
        emptied = [_emptied(v, end) for v in args], {k: _emptied(v, end) for k, v in kwargs.items()}
        if emptied != (list(args), kwargs):
            yield f"empty{end}", tuple(emptied[0]), emptied[1]


def _put(args, kwargs, where, key, value):
    if where == "arg":
        return args[:key] + (value,) + args[key + 1:], kwargs
    return args, {**kwargs, key: value}


class _Empty(T):
    def __init__(self, source, end):
        shape = list(source.shape)
        shape[end] = 0
        super().__init__(*shape, kind=source.kind)

    def __eq__(self, other):
        return isinstance(other, _Empty) and (self.shape, self.kind) == (other.shape, other.kind)


def _emptied(value, end):
    if isinstance(value, T) and value.shape:
        return _Empty(value, end)
    if isinstance(value, (tuple, list)) and any(isinstance(v, T) for v in value):
        return type(value)(_emptied(v, end) for v in value)
    return value


def _made(value, lib):
    """The placeholders of ``value`` as ``lib``'s tensors and ints (bad values pass as they are)."""
    if isinstance(value, T):
        return lib.tensor(value.array())
    if isinstance(value, (Dim, Size)):
        return int(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_made(v, lib) for v in value)
    return value


def _outcome(func, args, kwargs, lib):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*_made(args, lib), **{k: _made(v, lib) for k, v in kwargs.items()}), None
    except Exception as err:  # noqa: BLE001  (any exception is an outcome to compare)
        return None, err


def _shape(result):
    while isinstance(result, (tuple, list)) and result:
        result = result[0]
    return tuple(result.shape) if hasattr(result, "shape") else type(result).__name__


def _expected_class(err):
    """The builtin exception class PyTorch's error is (TypeError for an AttributeError its Python code leaks)."""
    if isinstance(err, AttributeError):
        return TypeError
    return next(k for k in type(err).__mro__ if k.__module__ == "builtins")


def _params():
    for case in CASES:
        for label, args, kwargs in _variants(case):
            yield pytest.param(case, args, kwargs, id=f"{case[0]}-{label}")


@pytest.mark.parametrize("case, args, kwargs", list(_params()))
def test_bad_input_fails_as_pytorch_does(case, args, kwargs):
    name, _, _, ref = case
    module, attribute = _library(name)
    ours, ours_error = _outcome(getattr(module, attribute), args, kwargs, torch)
    theirs, their_error = _outcome(_reference(ref), args, kwargs, torch_ref)
    if their_error is None:
        assert ours_error is None, f"PyTorch returns {_shape(theirs)}; we raise {ours_error!r}"
        assert _shape(ours) == _shape(theirs)
        return
    assert ours_error is not None, f"PyTorch raises {their_error!r}; we return {_shape(ours)}"
    expected = _expected_class(their_error)
    assert isinstance(ours_error, expected), f"PyTorch raises {their_error!r}; we raise {ours_error!r}"
    if str(ours_error) != str(their_error):  # PyTorch's own words pass as they are; ours must name the op
        function = getattr(module, attribute)
        names = {attribute.rstrip("_"), getattr(function, "__wrapped__", function).__name__}
        assert any(n in str(ours_error) for n in names), f"the message does not name the op: {ours_error!r}"


def test_every_public_function_has_a_case():
    covered = {name for name, *_ in CASES}
    for module, prefix in ((torch, ""), (F, "F.")):
        missing = [prefix + n for n, v in vars(module).items()
                   if inspect.isfunction(v) and not n.startswith("_") and prefix + n not in covered
                   and n not in NOT_OPS]
        assert not missing, f"add a bad-input case for {missing}"


# ----- the messages PyTorch's argument parser gives, exactly -----
@pytest.mark.parametrize("call_ours, call_theirs", [
    (lambda: torch.exp([1.0, 2.0]), lambda: torch_ref.exp([1.0, 2.0])),
    (lambda: F.relu(None), lambda: torch_ref.nn.functional.relu(None)),
    (lambda: torch.mm(torch.ones(2, 2), [[1.0]]), lambda: torch_ref.mm(torch_ref.ones(2, 2), [[1.0]])),
    (lambda: F.linear(torch.ones(2, 3), torch.ones(4, 3), bias=[1.0]),
     lambda: torch_ref.nn.functional.linear(torch_ref.ones(2, 3), torch_ref.ones(4, 3), bias=[1.0])),
])
def test_a_non_tensor_argument_gets_pytorchs_message(call_ours, call_theirs):
    with pytest.raises(TypeError) as theirs:
        call_theirs()
    with pytest.raises(TypeError) as ours:
        call_ours()
    assert str(ours.value) == str(theirs.value)


def test_a_none_that_is_a_default_is_not_blamed():
    """bias=None is a valid call: an AttributeError on it inside an op is a bug to see, not bad input."""
    def op(input, bias=None):
        return input.array + bias.array

    op.__module__ = "sample.ops"
    namespace = {"__name__": "sample", "op": op}
    check_tensor_arguments(namespace)
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'array'"):
        namespace["op"](torch.ones(1))
    with pytest.raises(TypeError, match=r"^op\(\): argument 'input' \(position 1\) must be Tensor, not NoneType$"):
        namespace["op"](None, torch.ones(1))
    with pytest.raises(TypeError, match=r"^op\(\): argument 'bias' must be Tensor, not list$"):
        namespace["op"](torch.ones(1), bias=[1.0])


def test_a_nested_public_op_is_reworded_for_the_one_called():
    """gumbel_softmax(None) fails inside rand_like: the message names gumbel_softmax and its argument."""
    with pytest.raises(TypeError, match=r"^gumbel_softmax\(\): argument 'logits' \(position 1\) must be Tensor, "
                                        r"not NoneType$"):
        F.gumbel_softmax(None)
    with pytest.raises(TypeError, match=r"^l1_loss\(\): argument 'target' \(position 2\) must be Tensor, not list$"):
        F.l1_loss(torch.ones(2), [1.0, 2.0])
    with pytest.raises(TypeError, match=r"^add\(\): argument 'other' \(position 2\) must be Tensor, not NoneType$"):
        torch.add(torch.ones(2), None)
    with pytest.raises(TypeError, match=r"^concat\(\): argument 'tensors' \(position 1\) must be tuple of Tensors, "
                                        r"not Tensor$"):
        torch.concat(torch.ones(2, 3))  # an alias names itself


def test_the_boundary_keeps_names_for_pickling_and_introspection():
    assert torch.exp.__name__ == "exp" and torch.exp.__module__ == "autograd_core"
    assert F.relu.__module__ == "nn.functional" and list(inspect.signature(F.linear).parameters) == [
        "input", "weight", "bias"]
    assert torch.Tensor.exp is torch.exp.__wrapped__  # methods are not wrapped: their self is a Tensor


def test_warnings_point_at_the_callers_line_through_the_boundary():
    with pytest.warns(UserWarning, match="was resized") as caught:
        torch.exp(torch.ones(3), out=torch.zeros(2))
    assert caught[0].filename == __file__


# ----- the cases of the issue -----
@pytest.mark.parametrize("make_ours, make_theirs, op", [
    (lambda: nn.Linear("3", 4), lambda: torch_ref.nn.Linear("3", 4), "empty"),
    (lambda: nn.Linear(-1, 4), lambda: torch_ref.nn.Linear(-1, 4), "empty"),
    (lambda: nn.Linear(3, 4)(None), lambda: torch_ref.nn.Linear(3, 4)(None), "linear"),
    (lambda: torch.ones(2, 3).view("a"), lambda: torch_ref.ones(2, 3).view("a"), "view"),
    (lambda: torch.ones(2, 3).sum(dim="a"), lambda: torch_ref.ones(2, 3).sum(dim="a"), "sum"),
    (lambda: torch.ones(2, 3).sum(dim=0.5), lambda: torch_ref.ones(2, 3).sum(dim=0.5), "sum"),
    (lambda: torch.randn(2, -3), lambda: torch_ref.randn(2, -3), "randn"),
    (lambda: torch.cat(torch.ones(2, 3)), lambda: torch_ref.cat(torch_ref.ones(2, 3)), "cat"),
    (lambda: F.linear(torch.ones(2, 3), torch.ones(4, 3), torch.ones(5)),
     lambda: torch_ref.nn.functional.linear(torch_ref.ones(2, 3), torch_ref.ones(4, 3), torch_ref.ones(5)), "linear"),
])
def test_the_reported_cases_raise_pytorchs_class_naming_the_op(make_ours, make_theirs, op):
    with pytest.raises(Exception) as theirs:
        make_theirs()
    with pytest.raises(type(theirs.value), match=rf"^{op}\b"):
        make_ours()


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_of_an_empty_dim_is_empty(op):
    for lib, functional in ((torch_ref, torch_ref.nn.functional), (torch, F)):
        x = lib.ones(3, 0, requires_grad=True)
        y = getattr(functional, op)(x, dim=1)
        y.sum().backward()
        assert y.shape == x.grad.shape == (3, 0)


def _batch_norm_of_a_zero_batch(lib, functional):
    x = lib.rand(0, 3, dtype=lib.float64, requires_grad=True)
    weight, bias = (lib.rand(3, dtype=lib.float64, requires_grad=True) for _ in range(2))
    running_mean, running_var = lib.zeros(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
    y = functional.batch_norm(x, running_mean, running_var, weight, bias, training=True)
    y.sum().backward()
    return (tuple(y.shape), type(y.grad_fn).__name__, weight.grad.numpy(), bias.grad.numpy(), running_mean.numpy(),
            running_var.numpy())


def test_batch_norm_of_a_zero_batch_is_empty_and_leaves_the_statistics():
    ours = _batch_norm_of_a_zero_batch(torch, F)
    theirs = _batch_norm_of_a_zero_batch(torch_ref, torch_ref.nn.functional)
    assert ours[:2] == theirs[:2] == ((0, 3), "AddBackward0")
    for mine, reference in zip(ours[2:], theirs[2:]):
        np.testing.assert_array_equal(mine, reference)
