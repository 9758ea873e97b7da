"""``torch.autograd.forward_ad``: forward-mode AD with dual tensors.

Inside ``with dual_level():``, ``make_dual(x, t)`` gives a view of ``x`` that
carries the tangent ``t``; every built-in op run on dual tensors gives its
outputs the tangents ``J @ t``, and ``unpack_dual(y)`` returns ``(primal, tangent)``.

No op writes a jvp of its own: each recorded op's Jacobian-vector product comes
from its backward by the double-vjp trick. The backward ``u -> J^T u`` is
linear in ``u``, so ``J t`` is the gradient with respect to ``u`` of
``<J^T u, t>``. An op on dual inputs therefore costs its forward, its backward
recorded with ``create_graph``, and the backward of that: about three to five
times the op alone; ops on tensors without tangents cost one attribute read more.

Custom Functions (``Function.apply``) give their tangents by their own
``jvp(ctx, *tangents)`` staticmethod, as in PyTorch. In-place ops do not pass
tangents on. Tangents belong to the arrays of the tensors (so a saved output read
back in backward keeps its tangent, and forward-over-reverse such as
``jacfwd(jacrev(f))`` works); unlike PyTorch, ``detach()`` therefore keeps the
tangent. Only one level can be open at a time, as in PyTorch; tangents are freed
when it closes.
"""
import collections
import contextlib
import copy

from ..dtypes import is_differentiable, is_floating
from ..arrays import array_module
from ..engine import grad
from ..function import Hooks
from ..grad_mode import enable_grad
from ..tensor import Tensor, _new

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual"]

UnpackedDualTensor = collections.namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = "What ``unpack_dual`` returns: the ``primal`` value and its ``tangent`` (or None)."

_tangents = None  # while a level is open: {id(array): (array, tangent)}


def enter_dual_level():
    """Open the forward-AD level (there is one at a time) and return its number, 0."""
    global _tangents
    if _tangents is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _tangents = {}
    Hooks.dual_call, Hooks.dual_apply = _dual_call, _dual_apply
    return 0


def exit_dual_level(*, level=None):
    """Close the level: every dual tensor made in it loses its tangent."""
    global _tangents
    if _tangents is None or level not in (None, 0):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. "
                           "This is not supported.")
    _tangents = None
    Hooks.dual_call = Hooks.dual_apply = None


class dual_level:
    """``with dual_level():`` opens the forward-AD level for the block (``enter_dual_level``/``exit_dual_level``)."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` (same shape, floating point) as its forward gradient."""
    if _tangents is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    for name, t in (("primal", tensor), ("tangent", tangent)):
        if not isinstance(t, Tensor):
            raise TypeError(f"make_dual: expected the {name} to be a Tensor, got {type(t).__name__}")
        if not is_differentiable(t.array.dtype):
            raise ValueError(f"Expected {name} to be floating point or complex, but got: {t.dtype}")
    if tangent.shape != tensor.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    dual = _plain_view(tensor)
    _tangents[id(dual.array)] = (dual.array, tangent)
    return dual


def unpack_dual(tensor, *, level=None):
    """``UnpackedDualTensor(primal, tangent)``: a view of ``tensor`` without tangent, and its tangent (or None)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual: expected a Tensor, got {type(tensor).__name__}")
    tangent = _tangent_of(tensor.array)
    if _tangents is None or tangent is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_plain_view(tensor), tangent)


def _plain_view(tensor):
    """``tensor.view(shape)`` with its own array, made without passing a tangent on."""
    with _suspended():
        return tensor.view(tensor.shape)


@contextlib.contextmanager
def _suspended():
    """Ops run plainly inside (a tangent's own computation): no tangents, no saved-tensor hooks."""
    saved_hooks = Hooks.saved
    Hooks.dual_call = Hooks.dual_apply = None
    Hooks.saved = []
    try:
        yield
    finally:
        Hooks.dual_call, Hooks.dual_apply, Hooks.saved = _dual_call, _dual_apply, saved_hooks


def _tangent_of(array):
    entry = _tangents.get(id(array)) if _tangents is not None else None
    return None if entry is None else entry[1]


def _dual_call(fn, inputs, ys):
    """``Function.__call__`` while a level is open: the outputs of ``fn`` (run as ``ys``) and their tangents."""
    tangents = [_tangent_of(x.array) for x in inputs]
    if all(t is None for t in tangents):
        return fn._outputs(inputs, ys)
    jvp_node = copy.copy(fn)  # the op's parameters and what its forward saved, before fn is recorded
    result = fn._outputs(inputs, ys)
    with _suspended():
        output_tangents = _jvp(jvp_node, inputs, tangents, ys)
    outputs = result if type(result) is tuple else (result,)
    for out, tangent in zip(outputs, output_tangents):
        if tangent is not None:
            _tangents[id(out.array)] = (out.array, tangent)
    return result


def _dual_apply(ctx, args, outputs):
    """``Function.apply`` while a level is open: ``ctx``'s ``jvp`` gives the outputs' tangents."""
    tangents = [_tangent_of(a.array) if isinstance(a, Tensor) else None for a in args]
    if all(t is None for t in tangents):
        return
    with _suspended():
        output_tangents = type(ctx).jvp(ctx, *tangents)
    output_tangents = output_tangents if isinstance(output_tangents, tuple) else (output_tangents,)
    for out, tangent in zip(outputs, output_tangents):
        if isinstance(out, Tensor) and tangent is not None:
            _tangents[id(out.array)] = (out.array, tangent)


def _jvp(node, inputs, tangents, ys):
    """``J @ tangents`` for each output of the op ``node`` (None for outputs that are not floating point).

    ``node`` is recorded on fresh leaves; ``g = sum_i <vjp_i(u), t_i>`` is built
    with ``create_graph`` and differentiated with respect to ``u``.
    """
    with enable_grad():
        leaves = [_new(x.array) for x in inputs]
        moving = [(leaf.requires_grad_(), t) for leaf, t in zip(leaves, tangents)
                  if t is not None and is_floating(leaf.array.dtype)]
        outputs = node._record(leaves, ys)
        outputs = outputs if type(outputs) is tuple else (outputs,)
        differentiable = [o for o in outputs if o.requires_grad]
        if not (moving and differentiable):  # tangents only on integer inputs, or no floating-point output
            return [_zeros_like(o) if o.requires_grad else None for o in outputs]
        cotangents = [_zeros_like(o).requires_grad_() for o in differentiable]
        vjps = grad(differentiable, [leaf for leaf, _ in moving], grad_outputs=cotangents, create_graph=True,
                    allow_unused=True)
        terms = [(g * t).sum() for g, (_, t) in zip(vjps, moving) if g is not None]
        total = sum(terms[1:], terms[0]) if terms else None
        jvps = grad(total, cotangents, allow_unused=True) if total is not None and total.requires_grad else ()
    found = {id(o): j for o, j in zip(differentiable, jvps) if j is not None}
    return [(found[id(o)] if id(o) in found else _zeros_like(o)) if o.requires_grad else None for o in outputs]


def _zeros_like(tensor):
    return _new(array_module(tensor.array).zeros_like(tensor.array))
