"""Elementwise math: each op's forward on arrays beside its derivative on tensors."""
import numpy as np

from ..function import Function
from ._registry import tensor_method, inplace_method

__all__ = ["exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "sqrt"]


def _float_input(x, op):
    """Integer inputs of float-valued functions become the default float dtype, as in PyTorch."""
    if x.data.dtype.kind == "f":
        return x
    from .. import dtypes
    return x.to(dtypes.get_default_dtype())


class Exp(Function):
    saves_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        return gy * self.saved_output()


class Log(Function):
    saves = (0,)

    def forward(self, x):
        return np.log(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy / x


class Sin(Function):
    saves = (0,)

    def forward(self, x):
        return np.sin(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * x.cos()


class Cos(Function):
    saves = (0,)

    def forward(self, x):
        return np.cos(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return -gy * x.sin()


class Tanh(Function):
    saves_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, gy):
        y = self.saved_output()
        return gy * (1 - y * y)


class Sigmoid(Function):
    saves_output = True

    def forward(self, x):
        # tanh form: stable for large |x| and one transcendental call
        return np.tanh(x * 0.5) * 0.5 + 0.5

    def backward(self, gy):
        y = self.saved_output()
        return gy * y * (1 - y)


class Relu(Function):
    saves_output = True

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, gy):
        return gy * (self.saved_output() > 0)


class Sqrt(Function):
    saves_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, gy):
        return gy / (2 * self.saved_output())


def _unary(cls, name):
    def op(input):
        return cls()(_float_input(input, name))
    op.__name__ = name
    op.__doc__ = f"Elementwise {name}."
    tensor_method(name)(op)
    inplace_method(name + "_", op)
    return op


exp = _unary(Exp, "exp")
log = _unary(Log, "log")
sin = _unary(Sin, "sin")
cos = _unary(Cos, "cos")
tanh = _unary(Tanh, "tanh")
sigmoid = _unary(Sigmoid, "sigmoid")
sqrt = _unary(Sqrt, "sqrt")


@tensor_method()
def relu(input):
    return Relu()(input)


inplace_method("relu_", relu)
