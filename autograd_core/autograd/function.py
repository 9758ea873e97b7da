"""PyTorch's custom-Function protocol: static ``forward(ctx, ...)``/``backward(ctx, ...)`` and ``F.apply``."""
import numpy as np

from ..function import Function as _Node, edge_of
from ..grad_mode import GradMode
from ..tensor import Tensor, _new


class Function(_Node):
    """Subclass with ``@staticmethod forward(ctx, *args)`` and ``@staticmethod backward(ctx, *grads)``.

    ``forward`` runs without recording and returns tensors; ``backward`` returns
    one gradient (or None) per argument of ``forward``. The ctx is the graph
    node itself: ``ctx.save_for_backward``, ``ctx.saved_tensors``,
    ``ctx.needs_input_grad``, ``ctx.mark_non_differentiable``,
    ``ctx.set_materialize_grads``. A subclass that defines ``forward(self, *arrays)``
    as a plain method is an internal-style op instead (called as ``F()(x)``).
    """

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = object.__new__(cls)
        ctx._saved, ctx._saved_versions, ctx._released = (), (), False
        ctx._hooks = None
        ctx._non_differentiable = ()
        ctx._materialize = True
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        previous = GradMode.enabled
        GradMode.enabled = False
        try:
            outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            GradMode.enabled = previous
        if not (previous and any(ctx.needs_input_grad)):
            return outputs
        ctx.next_functions = tuple(edge_of(a) if isinstance(a, Tensor) else (None, 0) for a in args)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        ctx.n_outputs = len(outs)
        ctx._output_meta = [(o.array.shape, o.array.dtype) if isinstance(o, Tensor) else None for o in outs]
        wrapped = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor) and o.array.dtype.kind == "f" and \
                    not any(o is nd for nd in ctx._non_differentiable):
                o = _new(o.array, ctx, i)
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)

    def _backward(self, grads):
        if self._materialize:
            grads = [_new(np.zeros(*meta)) if g is None and meta is not None else g
                     for g, meta in zip(grads, self._output_meta)]
        result = type(self).backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        expected = len(self.next_functions)
        if len(result) != expected:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {expected}, got {len(result)})")
        return result

    def name(self):
        return type(self).__name__ + "Backward"

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self._materialize = bool(value)

    def mark_dirty(self, *tensors):
        """Accepted for compatibility; in-place outputs are handled like new ones."""


FunctionCtx = Function
