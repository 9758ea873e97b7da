"""``torch.autograd.functional``: Jacobians, Hessians and their products with vectors, of a Python function.

``func`` takes Tensors (one, or a tuple) and returns Tensors (one, or a tuple);
results come back nested as PyTorch nests them. ``create_graph=True`` keeps
the results differentiable; ``strict=True`` raises where an output does not
depend on an input (instead of returning zeros). ``vectorize=True`` is accepted
and computes the same numbers by the same loop of backward passes.
``jvp`` and ``hvp`` use the double-backward trick, as PyTorch does;
``jacobian(strategy="forward-mode")`` (with ``vectorize=True``, as in PyTorch)
pushes one basis tangent per input element through ``autograd.forward_ad``.
"""
from ..creation import ones_like, zeros, zeros_like
from ..engine import grad
from ..grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from ..ops.shape import stack
from ..tensor import Tensor
from . import forward_ad

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

_INDEPENDENT = {  # _filled's messages for a missing gradient, by the backward pass that found it
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in "
            "strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                  "using the double backward trick to compute forward mode gradients. This is not allowed in "
                  "strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed "
                   "in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
                         "backward trick to replace forward mode AD.",
}

_NOT_DIFFERENTIABLE = {  # _check_differentiable's messages, by what was found constant
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be computed "
               "in a differentiable manner from the input when running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the user-provided "
                   "function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with respect "
                "to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
                "that your function is twice differentiable and that the jacobian depends on the inputs (this "
                "would be violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is independent of the input. "
               "This is not allowed in strict mode. You should ensure that your function is thrice differentiable "
               "and that the hessian depends on the inputs.",
}


# ----- helpers -----
def _as_tuple(value, arg_name, fn_name):
    """``(was_a_tuple, tuple of Tensors)``, or PyTorch's TypeError naming ``arg_name`` and ``fn_name``."""
    was_tuple = isinstance(value, tuple)
    values = value if was_tuple else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            where = f"value at index {i}" if was_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"the {where} has type {type(v)}.")
    return was_tuple, values


def _untupled(values, was_tuple):
    """Undo ``_as_tuple``: ``was_tuple`` is one flag, or ``(outputs_were, inputs_were)`` for nested results."""
    if isinstance(was_tuple, tuple):
        outputs_were, inputs_were = was_tuple
        if not inputs_were:
            values = tuple(v[0] for v in values)
        return values if outputs_were else values[0]
    return values if was_tuple else values[0]


def _differentiable_inputs(inputs, create_graph, need_graph=True):
    """Inputs ``func`` is run on: views keeping the caller's graph under ``create_graph``, else fresh leaves."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(need_graph)
                 for x in inputs)


def _finished(values, create_graph):
    """Results as returned: detached unless ``create_graph`` (nested tuples followed)."""
    if isinstance(values, tuple):
        return tuple(_finished(v, create_graph) for v in values)
    return values if create_graph else values.detach()


def _check_v(v, others, others_were_tuple):
    if len(v) != len(others):
        if others_were_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(others)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, others)):
        if a.shape != b.shape:
            entry = f"Entry {i} in " if others_were_tuple else ""
            raise RuntimeError(f"{entry}v has invalid size: should be {b.shape} but got {a.shape}.")


def _vectors(v, others, others_were_tuple, fn_name, create_graph, which):
    """``v`` as a tuple matching ``others``; None allowed only for one single-element Tensor."""
    if v is None:
        if len(others) != 1 or others[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if {which} a single Tensor with a single element.")
        return (ones_like(others[0]),)
    _, v = _as_tuple(v, "v", fn_name)
    v = _differentiable_inputs(v, create_graph, need_graph=False)
    _check_v(v, others, others_were_tuple)
    return v


def _check_differentiable(values, kind, strict):
    if not strict:
        return
    for i, v in enumerate(values):
        if v is None:
            raise RuntimeError(_INDEPENDENT["back"].format(i=i))
        if not v.requires_grad:
            raise RuntimeError(_NOT_DIFFERENTIABLE[kind].format(i=i))


def _grads(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` over the outputs that require grad (None entries skipped); None per unused input."""
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    kept = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    roots = [o for o, _ in kept]
    seeds = [ones_like(o) if g is None else g for o, g in kept]
    return grad(roots, inputs, seeds, retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


def _filled(grads, refs, strict, create_graph, stage):
    """``grads`` with zeros for the Nones (or, under ``strict``, the error of ``stage``)."""
    filled = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is "
                               "not allowed in strict mode when create_graph=True.")
        filled.append(g)
    return tuple(filled)


def _single_scalar(outputs, was_tuple, fn_name):
    if was_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")


# ----- the public functions -----
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    with enable_grad():
        inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _differentiable_inputs(inputs, create_graph)
        outputs_were_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "vjp")
        _check_differentiable(outputs, "outputs", strict)
        v = _vectors(v, outputs, outputs_were_tuple, "vjp", create_graph, "the user-provided function returns")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        result = _filled(_grads(outputs, inputs, v, create_graph), inputs, strict, create_graph, "back")
    return (_untupled(_finished(outputs, create_graph), outputs_were_tuple),
            _untupled(_finished(result, create_graph), inputs_were_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-backward trick."""
    with enable_grad():
        inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _differentiable_inputs(inputs, create_graph)
        v = _vectors(v, inputs, inputs_were_tuple, "jvp", create_graph, "the input to the user-provided function is")
        outputs_were_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jvp")
        _check_differentiable(outputs, "outputs", strict)
        cotangents = tuple(zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _grads(outputs, inputs, cotangents, create_graph=True)
        _check_differentiable(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        result = _filled(_grads(grad_inputs, cotangents, v, create_graph), outputs, strict, create_graph,
                         "back_trick")
    return (_untupled(_finished(outputs, create_graph), outputs_were_tuple),
            _untupled(_finished(result, create_graph), outputs_were_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: entry ``[i][j]`` has shape ``outputs[i].shape + inputs[j].shape``."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and '
                                      '`strategy="forward-mode"` are not supported together (yet). Please either '
                                      'set `create_graph=False` or `strategy="reverse-mode"`.')
        return _forward_jacobian(func, inputs, strict, vectorize)
    if strict and vectorize:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                           "supported together. Please either set `strict=False` or `vectorize=False`.")
    with enable_grad():
        inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _differentiable_inputs(inputs, create_graph)
        outputs_were_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                                "jacobian")
        _check_differentiable(outputs, "outputs", strict)
        rows = tuple(_jacobian_rows(i, out, inputs, create_graph, strict) for i, out in enumerate(outputs))
    return _untupled(_finished(rows, create_graph), (outputs_were_tuple, inputs_were_tuple))


def _jacobian_rows(index, out, inputs, create_graph, strict):
    """``d out / d inputs[j]`` for each j, one backward pass per element of ``out``."""
    per_input = [[] for _ in inputs]
    flat = out.reshape(-1)
    for k in range(out.numel()):
        for j, (g, x) in enumerate(zip(_grads((flat[k],), inputs, None, create_graph, retain_graph=True), inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"Output {index} of the user-provided function is independent of input {j}. "
                                       "This is not allowed in strict mode.")
                g = zeros_like(x)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(f"The jacobian of the user-provided function is independent of input {index}. "
                                   "This is not allowed in strict mode when create_graph=True.")
            per_input[j].append(g)
    return tuple(_stacked(rows, out.shape + x.shape, x) for rows, x in zip(per_input, inputs))


def _stacked(pieces, shape, like):
    """``pieces`` stacked along a new first dimension and viewed as ``shape`` (zeros when there are none)."""
    if not pieces:
        return zeros_like(like).reshape(-1)[:0].reshape(shape)
    return stack(pieces).reshape(shape)


def _forward_jacobian(func, inputs, strict, vectorize):
    """``jacobian(strategy="forward-mode")``: one dual evaluation per input element (columns of J)."""
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                  "only implemented for `vectorize=True`.")
    if strict:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                           "supported together. Please either set `strict=False` or `vectorize=False`.")
    inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    columns, outputs, outputs_were_tuple = [[] for _ in inputs], None, False
    for j, x in enumerate(inputs):
        for k in range(x.numel()):
            outputs_were_tuple, outputs, tangents = _dual_evaluation(func, inputs, j, k)
            columns[j].append(tangents)
    if outputs is None:  # no input has an element: evaluate once for the outputs' shapes
        outputs_were_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
    rows = tuple(tuple(_columns_joined([c[i] for c in columns[j]], out, x) for j, x in enumerate(inputs))
                 for i, out in enumerate(outputs))
    return _untupled(rows, (outputs_were_tuple, inputs_were_tuple))


def _dual_evaluation(func, inputs, j, k):
    """``func`` on ``inputs`` with the tangent ``e_k`` on input ``j``: (was_tuple, outputs, output tangents)."""
    with forward_ad.dual_level():
        duals = []
        for i, x in enumerate(inputs):
            tangent = zeros(x.numel(), dtype=x.dtype)
            if i == j:
                tangent[k] = 1
            duals.append(forward_ad.make_dual(x.detach(), tangent.reshape(x.shape)))
        was_tuple, outputs = _as_tuple(func(*duals), "outputs of the user-provided function", "jacobian")
        unpacked = [forward_ad.unpack_dual(o) for o in outputs]
    tangents = [zeros_like(o) if u.tangent is None else u.tangent for o, u in zip(outputs, unpacked)]
    return was_tuple, tuple(u.primal.detach() for u in unpacked), tangents


def _columns_joined(columns, out, x):
    """The Jacobian block ``out.shape + x.shape`` from its columns (one tangent of ``out`` per element of x)."""
    if not columns:
        return zeros_like(out).reshape(-1)[:0].reshape(out.shape + x.shape)
    return stack([c.reshape(-1) for c in columns], dim=1).reshape(out.shape + x.shape)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of the scalar ``func`` at ``inputs``: entry ``[i][j]`` has shape ``inputs[i].shape + inputs[j].shape``."""
    inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*xs):
        was_tuple, outputs = _as_tuple(func(*xs), "outputs of the user-provided function", "hessian")
        _check_differentiable(outputs, "outputs", strict)
        _single_scalar(outputs, was_tuple, "hessian")
        return outputs[0].squeeze()

    def gradient(*xs):
        if outer_jacobian_strategy == "forward-mode":
            xs = tuple(x.requires_grad_(True) for x in xs)
        g = jacobian(scalar_func, xs, create_graph=True)
        _check_differentiable(g, "jacobian", strict)
        return g

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    return _untupled(result, (inputs_were_tuple, inputs_were_tuple))


def _scalar_and_gradient(func, inputs, v, fn_name, create_graph, strict):
    """Shared start of vhp/hvp: (inputs_were_tuple, inputs, v, output, gradient with its graph)."""
    inputs_were_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _differentiable_inputs(inputs, create_graph)
    v = _vectors(v, inputs, inputs_were_tuple, fn_name, create_graph, "the input to the user-provided function is")
    was_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)
    _check_differentiable(outputs, "outputs", strict)
    _single_scalar(outputs, was_tuple, fn_name)
    gradient = _grads(outputs, inputs, create_graph=True)
    _check_differentiable(gradient, "jacobian", strict)
    return inputs_were_tuple, inputs, v, outputs[0], gradient


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for the scalar ``func``."""
    with enable_grad():
        inputs_were_tuple, inputs, v, output, gradient = _scalar_and_gradient(func, inputs, v, "vhp",
                                                                               create_graph, strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        result = _filled(_grads(gradient, inputs, v, create_graph), inputs, strict, create_graph, "double_back")
    return _finished(output, create_graph), _untupled(_finished(result, create_graph), inputs_were_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for the scalar ``func``, by the double-backward trick."""
    with enable_grad():
        inputs_were_tuple, inputs, v, output, gradient = _scalar_and_gradient(func, inputs, v, "hvp",
                                                                               create_graph, strict)
        probes = tuple(zeros_like(x, requires_grad=True) for x in inputs)
        double_back = _grads(gradient, inputs, probes, create_graph=True)
        _check_differentiable(double_back, "hessian", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        result = _filled(_grads(double_back, probes, v, create_graph), inputs, strict, create_graph,
                         "double_back_trick")
    return _finished(output, create_graph), _untupled(_finished(result, create_graph), inputs_were_tuple)
