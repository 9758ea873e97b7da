"""``autograd_core.onnx.export``: a model's forward pass as an ONNX graph, PyTorch's signature.

The forward pass runs once on the example input without recording; every op
it runs is traced (``GradMode.tracer``) and converted to ONNX nodes
(``_ops``), nn.LSTM and nn.GRU become ONNX's own LSTM/GRU nodes
(``_recurrent``), parameters, buffers and tensors made inside the forward
become initializers. The model is built with the ``onnx`` package and checked
with ``onnx.checker`` before it is written (atomically). An op without an
export raises :class:`UnsupportedOperatorError` naming it. Python control flow
is traced as taken for the example, as PyTorch's tracer does; ``dynamic_axes``
leave named axes free (batch size, sequence length) where the ops allow it.
"""
import contextlib

from ..grad_mode import GradMode, no_grad
from ..serialization._files import write_atomically
from ..tensor import Tensor
from ._graph import GraphBuilder, UnsupportedOperatorError, Value, model_proto
from ._ops import CONVERTERS, unsupported
from ._recurrent import export_recurrent, state_values

__all__ = ["export", "UnsupportedOperatorError", "MIN_OPSET", "MAX_OPSET"]

MIN_OPSET, MAX_OPSET = 17, 21  # 17: LayerNormalization; 21: what the onnx and onnxruntime wheels both run
_RECURRENT = ("LSTM", "GRU")


class _Tracer:
    """Maps each traced tensor to its ONNX Value while the forward pass runs."""

    def __init__(self, builder, names):
        self.builder = builder
        self._names = names  # id(tensor) -> parameter or buffer name, for the initializers
        self._values = {}  # id(tensor) -> (tensor, its version when traced, Value): the tensor is kept alive
        self.suspended = 0  # inside a module exported whole (LSTM): its own ops are not traced

    def bind(self, tensor, value):
        self._values[id(tensor)] = (tensor, tensor._version_counter[0], value)

    def value(self, tensor):
        """The Value of ``tensor``: traced, or else a constant (a parameter, a buffer, a tensor made in forward)."""
        entry = self._values.get(id(tensor))
        if entry is not None and entry[0] is tensor:
            if entry[1] != tensor._version_counter[0]:
                raise UnsupportedOperatorError(f"onnx.export: a tensor of shape {list(tensor.shape)} was changed in "
                                               "place in a way the export does not follow (through a view or .data)")
            return entry[2]
        name = self.builder.constant(tensor.array, self._names.get(id(tensor), "onnx::Constant"))
        value = Value(name, tensor.shape, tensor.array.dtype, {})
        self.bind(tensor, value)
        return value

    def record(self, op, inputs, outputs):
        if self.suspended:
            return
        convert = CONVERTERS.get(type(op).__name__)
        if convert is None:
            raise unsupported(op, "has no ONNX export")
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        converted = convert(self.builder, op, [self.value(x) for x in inputs], outputs)
        for tensor, (name, dynamic) in zip(outputs, converted):
            self.bind(tensor, Value(name, tensor.shape, tensor.array.dtype, dynamic))

    def alias(self, tensor, result):
        """``tensor`` was overwritten in place with ``result`` (``relu_``): it is ``result``'s value now."""
        if not self.suspended:
            self.bind(tensor, self.value(result))


@contextlib.contextmanager
def _tracing(tracer):
    previous = GradMode.tracer
    GradMode.tracer = tracer
    try:
        with no_grad():
            yield
    finally:
        GradMode.tracer = previous


def _recurrent_hooks(model, tracer):
    """Hooks that export each nn.LSTM / nn.GRU whole instead of tracing the ops it runs."""
    def before(module, args):
        if not tracer.suspended:
            x = args[0]
            if not isinstance(x, Tensor):
                raise UnsupportedOperatorError(f"onnx.export: {type(module).__name__} of a "
                                               f"{type(x).__name__} (packed sequences are not exported)")
            module._onnx_inputs = (tracer.value(x), state_values(tracer, type(module).__name__, args))
        tracer.suspended += 1

    def after(module, args, output):
        tracer.suspended -= 1
        if tracer.suspended:
            return
        kind = type(module).__name__
        x, states = module.__dict__.pop("_onnx_inputs")
        values = export_recurrent(tracer.builder, module, kind, x, states)
        out, hidden = output
        tensors = (out, *hidden) if kind == "LSTM" else (out, hidden)
        for tensor, (name, dynamic) in zip(tensors, values):
            tracer.bind(tensor, Value(name, tensor.shape, tensor.array.dtype, dynamic))
    handles = []
    for module in model.modules():
        if type(module).__name__ in _RECURRENT:
            handles += [module.register_forward_pre_hook(before), module.register_forward_hook(after)]
    return handles


def _dynamic_axes_of(name, dynamic_axes):
    axes = (dynamic_axes or {}).get(name, {})
    if isinstance(axes, dict):
        return {int(a): str(n) for a, n in axes.items()}
    return {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}


def _flat_tensors(output, what):
    items = output if isinstance(output, (tuple, list)) else (output,)
    if not all(isinstance(t, Tensor) for t in items):
        raise UnsupportedOperatorError(f"onnx.export: the model's {what} must be tensors or a tuple of them, got "
                                       f"{[type(t).__name__ for t in items]}")
    return list(items)


def export(model, args=(), f=None, kwargs=None, *, export_params=True, verbose=None, training=None,
           input_names=None, output_names=None, opset_version=None, dynamic_axes=None,
           keep_initializers_as_inputs=False, do_constant_folding=True, dynamo=False, **_ignored):
    """Trace ``model(*args)`` once and write it to ``f`` (a path or a binary file) as an ONNX model.

    ``args``: a tensor or a tuple of them (the example input). ``input_names``
    / ``output_names`` name the graph's inputs and outputs (defaults
    ``input_0``..., ``output_0``...), ``dynamic_axes`` maps a name to the axes
    left free (``{"input": {0: "batch"}}`` or ``{"input": [0]}``). The model is
    traced in eval mode (its modes are restored afterwards); ``opset_version``
    defaults to 17. ``dynamo``, ``do_constant_folding``, ``verbose`` are
    accepted and do not change the result. Returns the ``onnx.ModelProto``.
    """
    opset = MIN_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"onnx.export: opset_version {opset} is not supported; expected {MIN_OPSET} to {MAX_OPSET}")
    if not export_params or keep_initializers_as_inputs:
        raise ValueError("onnx.export: the parameters are always stored in the model as initializers "
                         "(export_params=True, keep_initializers_as_inputs=False)")
    inputs = _flat_tensors(args, "inputs")
    input_names = list(input_names or [f"input_{i}" for i in range(len(inputs))])
    if len(input_names) != len(inputs):
        raise ValueError(f"onnx.export: {len(input_names)} input_names for {len(inputs)} inputs")
    builder = GraphBuilder(opset)
    names = {id(t): n for n, t in (*model.named_parameters(), *model.named_buffers())}
    tracer = _Tracer(builder, names)
    graph_inputs = []
    for tensor, name in zip(inputs, input_names):
        builder.fresh(name)
        value = Value(name, tensor.shape, tensor.array.dtype, _dynamic_axes_of(name, dynamic_axes))
        tracer.bind(tensor, value)
        graph_inputs.append(value)
    modes = [(m, m.training) for m in model.modules()]
    handles = _recurrent_hooks(model, tracer)
    try:
        if training is None or not training:
            model.eval()
        with _tracing(tracer):
            outputs = _flat_tensors(model(*inputs, **(kwargs or {})), "outputs")
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes:
            module.training = mode
    output_names = list(output_names or [f"output_{i}" for i in range(len(outputs))])
    if len(output_names) != len(outputs):
        raise ValueError(f"onnx.export: {len(output_names)} output_names for {len(outputs)} outputs")
    graph_outputs = []
    for tensor, name in zip(outputs, output_names):
        value = tracer.value(tensor)
        builder.fresh(name)
        builder.node("Identity", [value.name], hint=name)
        builder.nodes[-1].output[0] = name
        declared = _dynamic_axes_of(name, dynamic_axes)
        graph_outputs.append(Value(name, tensor.shape, tensor.array.dtype, {**value.dynamic, **declared}))
    model_file = model_proto(builder, graph_inputs, graph_outputs)
    if f is not None:
        write_atomically(f, lambda stream: stream.write(model_file.SerializeToString()))
    return model_file
