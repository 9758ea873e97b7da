"""``torch.func``'s differentiation transforms: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian.

Each takes a function and returns one. The differentiated arguments (chosen by
``argnums``) may be Tensors or tuples, lists and dicts of them, and results
follow their structure. Reverse-mode transforms nest (``grad(grad(f))``): an
inner transform whose inputs are followed by an outer one keeps its graph.
``jacfwd`` runs on ``autograd.forward_ad``, one input element at a time, so it
nests inside and around reverse-mode transforms (``hessian`` is
``jacfwd(jacrev(f))``) but not inside another ``jacfwd`` or ``jvp``.
"""
import functools

from ..autograd import forward_ad
from ..autograd.functional import _grads, jacobian
from ..creation import zeros_like
from ..grad_mode import enable_grad
from ..tensor import Tensor
from .pytree import flatten
from .vmap import check_randomness

__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp"]


# ----- arguments -----
def _chosen(args, argnums):
    """``args[argnums]`` (a tuple of them for a tuple of argnums), checked as PyTorch checks them."""
    numbers = argnums if isinstance(argnums, tuple) else (argnums,)
    if not numbers or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    for n in numbers:
        if not -len(args) <= n < len(args):
            raise RuntimeError(f"Got argnum={n}, but only {len(args)} positional inputs")
    positions = tuple(n % len(args) for n in numbers)
    chosen = tuple(args[p] for p in positions)
    return positions, chosen if isinstance(argnums, tuple) else chosen[0]


def _replaced(args, positions, values, argnums):
    values = values if isinstance(argnums, tuple) else (values,)
    args = list(args)
    for p, v in zip(positions, values):
        args[p] = v
    return tuple(args)


def _tensor_leaves(tree):
    leaves, rebuild = flatten(tree)
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(leaf)}")
    return leaves, rebuild


def _followed(leaves):
    """Leaves the transform differentiates: views when an outer graph follows them, else fresh leaves."""
    return [x.view_as(x) if x.requires_grad else x.detach().requires_grad_() for x in leaves]


def _output_and_aux(result, has_aux, api):
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{api}(f)(*args): output of function f should be a tuple: (output, aux) if has_aux "
                           "is True")
    return result


def _detached(tree):
    leaves, rebuild = flatten(tree)
    return rebuild([x.detach() if isinstance(x, Tensor) else x for x in leaves])


# ----- reverse mode -----
def grad_and_value(func, argnums=0, has_aux=False):
    """``f -> (d f / d args[argnums], f(args))`` for a ``func`` returning a scalar Tensor (and ``aux``)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with enable_grad():
            positions, chosen = _chosen(args, argnums)
            leaves, rebuild = _tensor_leaves(chosen)
            nested = any(x.requires_grad for x in leaves)
            followed = _followed(leaves)
            result = func(*_replaced(args, positions, rebuild(followed), argnums), **kwargs)
            output, aux = _output_and_aux(result, has_aux, "grad_and_value")
            _check_scalar(output)
            grads = _grads((output,), tuple(followed), create_graph=nested)
        grads = rebuild([zeros_like(x) if g is None else g for g, x in zip(grads, followed)])
        value = output if nested else output.detach()
        if has_aux:
            return grads, (value, aux if nested else _detached(aux))
        return grads, value

    return wrapper


def _check_scalar(output):
    if not isinstance(output, Tensor):
        raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(output)}")
    if output.dim() != 0:
        raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                           f"{output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")


def grad(func, argnums=0, has_aux=False):
    """``f -> d f / d args[argnums]`` (with ``aux`` too under ``has_aux``) for a scalar-valued ``func``."""
    both = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)`` (and ``aux``): ``vjp_fn(cotangents)`` is the tuple ``cotangents^T J``."""
    with enable_grad():
        leaves, rebuild = _tensor_leaves(primals)
        nested = any(x.requires_grad for x in leaves)
        followed = _followed(leaves)
        output, aux = _output_and_aux(func(*rebuild(followed)), has_aux, "vjp")
        outputs, _ = _tensor_leaves(output)

    def vjp_fn(cotangents, *, retain_graph=True, create_graph=None):
        given, _ = _tensor_leaves(cotangents)
        _check_cotangents(given, outputs)
        keep = nested or any(c.requires_grad for c in given) if create_graph is None else create_graph
        with enable_grad():
            grads = _grads(tuple(outputs), tuple(followed), tuple(given), create_graph=keep, retain_graph=True)
        return rebuild([zeros_like(x) if g is None else g for g, x in zip(grads, followed)])

    value = output if nested else _detached(output)
    if has_aux:
        return value, vjp_fn, aux if nested else _detached(aux)
    return value, vjp_fn


def _check_cotangents(cotangents, outputs):
    if len(cotangents) != len(outputs):
        raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                           f"to the function: {len(cotangents)} cotangents for {len(outputs)} outputs")
    for i, (c, o) in enumerate(zip(cotangents, outputs)):
        if c.shape != o.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {c.shape} and output[{i}] has a "
                               f"shape of {o.shape}.")


# ----- Jacobians -----
def _flat_function(func, args, kwargs, positions, argnums, rebuild, has_aux, api, found):
    """``func`` as a function of the chosen leaves returning its output leaves; ``found`` gets structure and aux."""

    def flat(*leaves):
        result = func(*_replaced(args, positions, rebuild(list(leaves)), argnums), **kwargs)
        output, found["aux"] = _output_and_aux(result, has_aux, api)
        outputs, found["rebuild"] = _tensor_leaves(output)
        return tuple(outputs)

    return flat


def _jacobian_transform(func, argnums, has_aux, api, compute):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        positions, chosen = _chosen(args, argnums)
        leaves, rebuild = _tensor_leaves(chosen)
        found = {}
        rows = compute(_flat_function(func, args, kwargs, positions, argnums, rebuild, has_aux, api, found),
                       tuple(leaves))
        result = found["rebuild"]([rebuild(list(row)) for row in rows])
        return (result, found["aux"]) if has_aux else result

    return wrapper


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """``f -> J``, by one backward pass per output element; ``J[out][in]`` has shape ``out.shape + in.shape``."""
    def compute(flat, leaves):
        nested = any(x.requires_grad for x in leaves)
        return jacobian(flat, leaves, create_graph=nested)

    return _jacobian_transform(func, argnums, has_aux, "jacrev", compute)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """``f -> J``, by one forward-mode (dual) evaluation per input element (``randomness`` as ``vmap``'s)."""
    check_randomness(randomness)

    def compute(flat, leaves):
        return jacobian(flat, leaves, vectorize=True, strategy="forward-mode")

    return _jacobian_transform(func, argnums, has_aux, "jacfwd", compute)


def hessian(func, argnums=0):
    """``f -> H``, as ``jacfwd(jacrev(func, argnums), argnums)``."""
    return jacfwd(jacrev(func, argnums), argnums)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J @ tangents)`` (and ``aux``) by forward-mode AD."""
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, tuple):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected {name} to be a tuple. E.g. it should be valid "
                               "to call f(*primals).")
    leaves, rebuild = _tensor_leaves(primals)
    tangent_leaves, _ = _tensor_leaves(tangents)
    if len(leaves) != len(tangent_leaves):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure.")
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(x, t) for x, t in zip(leaves, tangent_leaves)]
        output, aux = _output_and_aux(func(*rebuild(duals)), has_aux, "jvp")
        outputs, rebuild_output = _tensor_leaves(output)
        unpacked = [forward_ad.unpack_dual(o) for o in outputs]
    primal_out = rebuild_output([u.primal for u in unpacked])
    tangent_out = rebuild_output([zeros_like(o) if u.tangent is None else u.tangent
                                  for o, u in zip(outputs, unpacked)])
    return (primal_out, tangent_out, aux) if has_aux else (primal_out, tangent_out)
