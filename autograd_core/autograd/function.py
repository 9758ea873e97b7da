"""PyTorch's custom-Function protocol, ``torch.autograd.Function``: the same class every built-in op uses.

Subclass with ``@staticmethod forward(ctx, *args)`` and ``@staticmethod
backward(ctx, *grads)``, call ``MyOp.apply(*args)``; see ``autograd_core.function``.
"""
from ..function import Function, once_differentiable

FunctionCtx = Function

__all__ = ["Function", "FunctionCtx", "once_differentiable"]
