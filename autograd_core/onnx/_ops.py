"""ONNX nodes for the ops a traced forward pass runs, by op class (one converter per family).

A converter gets the graph builder, the op (its parameters as the forward
used them), the input Values and the output tensors, and returns one
``(name, dynamic axes)`` per output. Shapes come from the traced tensors, so
only what an op's output shape does not tell is read from the op.
"""
import math

import numpy as np

from ._graph import UnsupportedOperatorError

CONVERTERS = {}


def converts(*class_names):
    def register(func):
        for name in class_names:
            CONVERTERS[name] = func
        return func
    return register


def unsupported(op, why):
    return UnsupportedOperatorError(f"onnx.export: {op.name()} ({type(op).__name__}) {why}")


def broadcast_dynamic(values, rank):
    """The dynamic axes of an elementwise result of ``rank`` dims: each input's, aligned from the right."""
    dynamic = {}
    for v in values:
        offset = rank - len(v.shape)
        dynamic.update({axis + offset: name for axis, name in v.dynamic.items()})
    return dynamic


def one(name, dynamic):
    return [(name, dynamic)]


# ----- elementwise -----
_UNARY = {"Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Reciprocal": "Reciprocal", "Sin": "Sin", "Cos": "Cos",
          "Tan": "Tan", "Asin": "Asin", "Acos": "Acos", "Atan": "Atan", "Sinh": "Sinh", "Cosh": "Cosh",
          "Asinh": "Asinh", "Acosh": "Acosh", "Atanh": "Atanh", "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Erf": "Erf",
          "Relu": "Relu", "Abs": "Abs", "Sign": "Sign", "Floor": "Floor", "Ceil": "Ceil", "Neg": "Neg",
          "Clone": "Identity"}
_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Maximum": "Max", "Minimum": "Min",
           "PowTensor": "Pow"}


@converts(*_UNARY)
def unary(g, op, inputs, outputs):
    (x,) = inputs
    return one(g.node(_UNARY[type(op).__name__], [x.name]), x.dynamic)


@converts(*_BINARY, "Rsub")
def binary(g, op, inputs, outputs):
    a, b = inputs
    kind = type(op).__name__
    names = [b.name, a.name] if kind == "Rsub" else [a.name, b.name]
    return one(g.node(_BINARY.get(kind, "Sub"), names), broadcast_dynamic(inputs, len(outputs[0].shape)))


@converts("Pow")
def power(g, op, inputs, outputs):
    (x,) = inputs
    exponent = g.constant(np.asarray(op.exponent, dtype=x.dtype))
    return one(g.node("Pow", [x.name, exponent]), x.dynamic)


@converts("Rsqrt")
def rsqrt(g, op, inputs, outputs):
    (x,) = inputs
    return one(g.node("Reciprocal", [g.node("Sqrt", [x.name])]), x.dynamic)


@converts("Clamp")
def clamp(g, op, inputs, outputs):
    (x,) = inputs
    bounds = ["" if v is None else g.constant(np.asarray(v, dtype=x.dtype)) for v in (op.lo, op.hi)]
    return one(g.node("Clip", [x.name, *bounds]), x.dynamic)


@converts("LeakyRelu")
def leaky_relu(g, op, inputs, outputs):
    (x,) = inputs
    return one(g.node("LeakyRelu", [x.name], alpha=float(op.negative_slope)), x.dynamic)


@converts("Gelu")
def gelu(g, op, inputs, outputs):
    """GELU as its formula (the Gelu op only exists from opset 20)."""
    (x,) = inputs
    half = g.constant(np.asarray(0.5, x.dtype))
    one_ = g.constant(np.asarray(1.0, x.dtype))
    if op.approximate == "tanh":
        cube = g.node("Mul", [x.name, g.node("Mul", [x.name, x.name])])
        inner = g.node("Add", [x.name, g.node("Mul", [cube, g.constant(np.asarray(0.044715, x.dtype))])])
        scaled = g.node("Mul", [inner, g.constant(np.asarray(math.sqrt(2 / math.pi), x.dtype))])
        gate = g.node("Tanh", [scaled])
    else:
        gate = g.node("Erf", [g.node("Div", [x.name, g.constant(np.asarray(math.sqrt(2.0), x.dtype))])])
    return one(g.node("Mul", [g.node("Mul", [x.name, half]), g.node("Add", [gate, one_])]), x.dynamic)


@converts("Softmax", "LogSoftmax")
def softmax(g, op, inputs, outputs):
    (x,) = inputs
    return one(g.node(type(op).__name__, [x.name], axis=int(op.dim)), x.dynamic)


# ----- matrices -----
def _leading_dynamic(x, rank):
    """``x``'s dynamic axes other than its last, placed in a result of ``rank`` dims (matmul, linear)."""
    offset = rank - len(x.shape)
    return {axis + offset: name for axis, name in x.dynamic.items() if axis < len(x.shape) - 1}


@converts("MatMul")
def matmul(g, op, inputs, outputs):
    a, b = inputs
    if len(a.shape) < 2 or len(b.shape) < 2:
        raise unsupported(op, "of a vector is not exported (unsqueeze it to a matrix)")
    return one(g.node("MatMul", [a.name, b.name]), _leading_dynamic(a, len(outputs[0].shape)))


@converts("Linear")
def linear(g, op, inputs, outputs):
    x, weight, *bias = inputs
    rank = len(outputs[0].shape)
    if len(x.shape) == 2:
        return one(g.node("Gemm", [x.name, weight.name, *(b.name for b in bias)], transB=1), _leading_dynamic(x, 2))
    y = g.node("MatMul", [x.name, g.node("Transpose", [weight.name], perm=[1, 0])])
    if bias:
        y = g.node("Add", [y, bias[0].name])
    return one(y, _leading_dynamic(x, rank))


@converts("Embedding")
def embedding(g, op, inputs, outputs):
    weight, indices = inputs
    return one(g.node("Gather", [weight.name, indices.name], axis=0), dict(indices.dynamic))


# ----- shapes -----
def reshape_target(op, x, shape):
    """The shape input of Reshape: 0 (copy the input's size) for the dynamic axes of an unchanged leading part."""
    kept = 0
    while kept < min(len(shape), len(x.shape)) and shape[kept] == x.shape[kept]:
        kept += 1
    if any(axis >= kept for axis in x.dynamic):
        raise unsupported(op, f"reshapes {list(x.shape)} to {list(shape)} across the dynamic axes "
                              f"{sorted(x.dynamic)}: only a dynamic leading part that stays in place can be exported")
    return [0 if axis in x.dynamic else size for axis, size in enumerate(shape)], dict(x.dynamic)


@converts("View", "ReshapeAlias", "UnsafeView", "Unsqueeze", "Squeeze")
def reshape(g, op, inputs, outputs):
    (x,) = inputs
    target, dynamic = reshape_target(op, x, tuple(outputs[0].shape))
    return one(g.node("Reshape", [x.name, g.ints(target)]), dynamic)


@converts("Permute", "Transpose", "MatrixTranspose")
def permute(g, op, inputs, outputs):
    (x,) = inputs
    axes = [int(a) for a in op.axes]
    inverse = {old: new for new, old in enumerate(axes)}
    return one(g.node("Transpose", [x.name], perm=axes), {inverse[a]: n for a, n in x.dynamic.items()})


@converts("Cat")
def cat(g, op, inputs, outputs):
    rank = len(outputs[0].shape)
    return one(g.node("Concat", [v.name for v in inputs], axis=int(op.dim) % rank), broadcast_dynamic(inputs, rank))


@converts("Stack")
def stack(g, op, inputs, outputs):
    rank = len(outputs[0].shape)
    dim = int(op.dim) % rank
    axes = g.ints([dim])
    pieces = [g.node("Unsqueeze", [v.name, axes]) for v in inputs]
    dynamic = {a + (a >= dim): n for a, n in broadcast_dynamic(inputs, rank - 1).items()}
    return one(g.node("Concat", pieces, axis=dim), dynamic)


@converts("Index")
def index(g, op, inputs, outputs):
    """Basic indexing (ints, slices, ``...``) as Slice and Gather nodes along each axis."""
    (x,) = inputs
    if op.kind or len(op.stages) != 1:
        raise unsupported(op, "indexes with tensors or masks, which is not exported (only ints, slices and ...)")
    key = op.stages[0] if isinstance(op.stages[0], tuple) else (op.stages[0],)
    if any(k is None for k in key):
        raise unsupported(op, "inserts an axis with None: use unsqueeze")
    if Ellipsis in key:
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (len(x.shape) - len(key) + 1) + key[at + 1:]
    name, dynamic, axis = x.name, dict(x.dynamic), 0
    for size, k in zip(op.in_shape, key):
        if isinstance(k, slice):
            if k != slice(None):
                if axis in dynamic:
                    raise unsupported(op, f"slices the dynamic axis {axis}")
                start, stop, step = k.indices(size)
                stop = stop if stop >= 0 else -size - 1  # a backward slice that runs to the start
                name = g.node("Slice", [name, g.ints([start]), g.ints([stop]), g.ints([axis]), g.ints([step])])
            axis += 1
        else:
            if axis in dynamic:
                raise unsupported(op, f"indexes into the dynamic axis {axis}")
            name = g.node("Gather", [name, g.constant(np.asarray(int(k), np.int64))], axis=axis)
            dynamic = {a - (a > axis): n for a, n in dynamic.items()}
    return one(name, dynamic)


# ----- reductions -----
def _reduce(g, kind, x, axes, keepdim):
    axes = [int(a) % max(len(x.shape), 1) for a in axes]
    if g.opset >= 18 or kind == "ReduceSum":
        node = g.node(kind, [x.name, g.ints(axes)], keepdims=int(keepdim))
    else:
        node = g.node(kind, [x.name], axes=axes, keepdims=int(keepdim))
    dynamic = {a: n for a, n in x.dynamic.items() if a not in axes}
    if not keepdim:
        dynamic = {a - sum(r < a for r in axes): n for a, n in dynamic.items()}
    return one(node, dynamic)


@converts("Mean")
def mean(g, op, inputs, outputs):
    return _reduce(g, "ReduceMean", inputs[0], op.axes, op.keepdim)


@converts("Sum")
def sum_(g, op, inputs, outputs):
    return _reduce(g, "ReduceSum", inputs[0], op.axes, op.keepdim)


# ----- convolution and pooling -----
@converts("_Convolution")
def convolution(g, op, inputs, outputs):
    x, weight, *bias = inputs
    padding = list(op.padding)
    node = g.node("Conv", [x.name, weight.name, *(b.name for b in bias)], kernel_shape=list(weight.shape[2:]),
                  strides=list(op.stride), dilations=list(op.dilation), pads=padding + padding, group=int(op.groups))
    return one(node, {a: n for a, n in x.dynamic.items() if a < 2})


@converts("_ConvolutionTranspose")
def convolution_transpose(g, op, inputs, outputs):
    x, weight, *bias = inputs
    stride, padding, dilation = list(op.stride), list(op.padding), list(op.dilation)
    kernel = list(weight.shape[2:])
    produced = [s * (n - 1) + d * (k - 1) + 1 - 2 * p
                for s, n, d, k, p in zip(stride, x.shape[2:], dilation, kernel, padding)]
    output_padding = [int(o) - p for o, p in zip(outputs[0].shape[2:], produced)]
    node = g.node("ConvTranspose", [x.name, weight.name, *(b.name for b in bias)], kernel_shape=kernel,
                  strides=stride, dilations=dilation, pads=padding + padding, group=int(op.groups),
                  output_padding=output_padding)
    return one(node, {a: n for a, n in x.dynamic.items() if a < 2})


def _pool_attributes(op, x, out_shape):
    slides = [w.slide for w in op.windows]
    kernel = [int(s.kernel) for s in slides]
    stride = [int(s.stride) for s in slides]
    padding = [int(s.padding) for s in slides]
    dilation = [int(s.dilation) for s in slides]
    spatial_in = x.shape[-len(slides):]
    floor = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in zip(spatial_in, padding, dilation, kernel,
                                                                               stride)]
    ceil_mode = int(any(o > f for o, f in zip(out_shape[-len(slides):], floor)))
    return dict(kernel_shape=kernel, strides=stride, pads=padding + padding, ceil_mode=ceil_mode), dilation


@converts("_MaxPool")
def max_pool(g, op, inputs, outputs):
    (x,) = inputs
    if op.return_indices:
        raise unsupported(op, "returns indices, which is not exported")
    attributes, dilation = _pool_attributes(op, x, outputs[0].shape)
    return one(g.node("MaxPool", [x.name], dilations=dilation, **attributes), {a: n for a, n in x.dynamic.items()
                                                                                 if a < 2})


@converts("_AvgPool")
def avg_pool(g, op, inputs, outputs):
    (x,) = inputs
    attributes, _ = _pool_attributes(op, x, outputs[0].shape)
    full = math.prod(attributes["kernel_shape"])
    divisor = np.asarray(op.divisor)
    if np.all(divisor == full):
        include_pad = 1
    elif any(attributes["pads"]) or attributes["ceil_mode"]:
        include_pad = 0  # the divisor counts only the input's own elements under each window
    else:
        raise unsupported(op, "has a divisor_override, which is not exported")
    return one(g.node("AveragePool", [x.name], count_include_pad=include_pad, **attributes),
               {a: n for a, n in x.dynamic.items() if a < 2})


# ----- normalization -----
def _affine(g, op, params, x, shape):
    """The scale and bias inputs of a normalization node: the layer's, or ones and zeros where it has none."""
    params = list(params)
    scale = params.pop(0).name if op.has_weight else g.constant(np.ones(shape, x.dtype))
    bias = params.pop(0).name if op.has_bias else g.constant(np.zeros(shape, x.dtype))
    return scale, bias


@converts("NativeBatchNorm")
def batch_norm(g, op, inputs, outputs):
    x = inputs[0]
    if not op.given_stats:
        raise unsupported(op, "normalizes with batch statistics (training mode): export the model in eval mode")
    mean, var = inputs[-2:]
    scale, bias = _affine(g, op, inputs[1:-2], x, mean.shape)
    return one(g.node("BatchNormalization", [x.name, scale, bias, mean.name, var.name], epsilon=float(op.eps)),
               dict(x.dynamic))


@converts("NativeLayerNorm")
def layer_norm(g, op, inputs, outputs):
    x = inputs[0]
    scale, bias = _affine(g, op, inputs[1:], x, op.feature_shape)
    axis = min(op.axes) - len(x.shape)
    return one(g.node("LayerNormalization", [x.name, scale, bias], axis=axis, epsilon=float(op.eps)),
               dict(x.dynamic))
