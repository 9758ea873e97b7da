"""The ONNX graph being built while a forward pass is traced: values, nodes, initializers, dynamic axes."""
import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..arrays import to_numpy


class UnsupportedOperatorError(RuntimeError):
    """The traced forward pass used an op (or a module, or an argument of one) that has no ONNX export."""


class Value:
    """One traced value: its ONNX name, its static shape and dtype, and which axes are dynamic (axis -> name)."""

    __slots__ = ("name", "shape", "dtype", "dynamic")

    def __init__(self, name, shape, dtype, dynamic):
        self.name, self.shape, self.dtype, self.dynamic = name, tuple(shape), np.dtype(dtype), dict(dynamic)


class GraphBuilder:
    """Collects nodes and initializers; names every value once."""

    def __init__(self, opset):
        self.opset = opset
        self.nodes, self.initializers = [], []
        self._names = set()

    def fresh(self, hint):
        """A value name not used yet, from ``hint``."""
        name, i = hint, 0
        while name in self._names:
            i += 1
            name = f"{hint}_{i}"
        self._names.add(name)
        return name

    def node(self, op_type, inputs, n_outputs=1, hint=None, **attributes):
        """Add an ``op_type`` node on the value names ``inputs``; the names of its outputs."""
        outputs = [self.fresh(f"/{hint or op_type}/output_{i}") for i in range(n_outputs)]
        name = self.fresh(f"/{hint or op_type}/{op_type}")
        self.nodes.append(helper.make_node(op_type, list(inputs), outputs, name=name, **attributes))
        return outputs[0] if n_outputs == 1 else outputs

    def constant(self, array, hint="const"):
        """An initializer holding ``array`` (a numpy array, a tensor's array or a Python list of ints)."""
        array = np.asarray(to_numpy(array) if not isinstance(array, (list, tuple, np.ndarray, np.generic))
                           else array)
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array) if array.ndim else array, name))
        return name

    def ints(self, values, hint="const"):
        """An int64 initializer of ``values`` (the form shapes, axes and indices take as inputs)."""
        return self.constant(np.asarray(values, dtype=np.int64), hint)


def value_info(value):
    """The ValueInfoProto of a graph input or output: dtype and shape, dynamic axes by their names."""
    dims = [value.dynamic.get(axis, size) for axis, size in enumerate(value.shape)]
    return helper.make_tensor_value_info(value.name, helper.np_dtype_to_tensor_dtype(value.dtype), dims)


def model_proto(builder, inputs, outputs, graph_name="main_graph"):
    graph = helper.make_graph(builder.nodes, graph_name, [value_info(v) for v in inputs],
                              [value_info(v) for v in outputs], builder.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", builder.opset)],
                              producer_name="autograd_core")
    model.ir_version = min(model.ir_version, onnx.IR_VERSION)
    onnx.checker.check_model(model)
    return model
