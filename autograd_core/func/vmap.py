"""``torch.func.vmap``: map a function over a dimension of its inputs.

No op has a batching rule here: ``vmap`` runs ``func`` once per index of the
mapped dimension and stacks the results, which gives PyTorch's numbers (and
gradients, since every step is recorded) at the cost of a Python loop.
``chunk_size`` is accepted. ``randomness="same"`` replays the random state for
every sample; "different" draws fresh numbers per sample, and so does "error"
(PyTorch's default, which refuses random ops: the loop cannot see them).
"""
import functools

from ..ops.shape import stack
from ..random import get_rng_state, set_rng_state
from ..tensor import Tensor
from .pytree import flatten

__all__ = ["vmap"]


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over dimension ``in_dims`` of its inputs, results stacked along ``out_dims``."""
    check_randomness(randomness)
    name = getattr(func, "__name__", repr(func))

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
        leaves, rebuild = flatten(args)
        dims = _leaf_dims(in_dims, args, where)
        size = _mapped_size(leaves, dims, where)
        samples = [[x] * size if d is None else x.unbind(d) for x, d in zip(leaves, dims)]
        state = get_rng_state() if randomness == "same" else None
        results = []
        for b in range(size):
            if state is not None:
                set_rng_state(state)
            results.append(func(*rebuild([s[b] for s in samples]), **kwargs))
        return _stacked(results, out_dims, name)

    return wrapper


def check_randomness(randomness):
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")


def _leaf_dims(in_dims, args, where):
    """One in_dim per leaf of ``args``: an int or None broadcast over a subtree, or a tuple matching it."""
    if not isinstance(in_dims, (int, type(None), tuple)):
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                         f"structure of inputs, got: {type(in_dims)}.")
    return _matched(in_dims, args, where)


def _matched(dims, tree, where):
    if not isinstance(dims, tuple):
        return _broadcast(dims, tree, where)
    if not isinstance(tree, (tuple, list)) or len(dims) != len(tree):
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has "
                         f"structure {_structure(dims)} but inputs has structure {_structure(tree)}.")
    return [d for sub_dims, sub_tree in zip(dims, tree) for d in _matched(sub_dims, sub_tree, where)]


def _structure(tree):
    if isinstance(tree, (tuple, list)):
        return f"{type(tree).__name__}[{', '.join(_structure(t) for t in tree)}]"
    return "*"


def _broadcast(dim, tree, where):
    leaves, _ = flatten(tree)
    for leaf in leaves:
        if dim is None:
            continue
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise ValueError(f"{where}: Got in_dim={dim} for an input but in_dim must be either an integer "
                             "dimension or None.")
        if not isinstance(leaf, Tensor):
            raise ValueError(f"{where}: Got in_dim={dim} for an input but the input is of type {type(leaf)}. We "
                             "cannot vmap over non-Tensor arguments, please use None as the respective in_dim")
        if not -leaf.dim() <= dim < leaf.dim():
            raise ValueError(f"{where}: Got in_dim={dim} for some input, but that input is a Tensor of "
                             f"dimensionality {leaf.dim()} so expected in_dim to satisfy "
                             f"-{leaf.dim()} <= in_dim < {leaf.dim()}.")
    return [dim] * len(leaves)


def _mapped_size(leaves, dims, where):
    sizes = [x.shape[d] for x, d in zip(leaves, dims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) != 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return sizes[0]


def _stacked(results, out_dims, name):
    """The per-sample results stacked leaf by leaf along ``out_dims`` (an int, None, or a tuple per output)."""
    flat = [flatten(r) for r in results]
    leaves_per_sample = [leaves for leaves, _ in flat]
    rebuild = flat[0][1]
    count = len(leaves_per_sample[0])
    dims = out_dims if isinstance(out_dims, tuple) else (out_dims,) * count
    if len(dims) != count:
        raise ValueError(f"vmap({name}, ...): out_dims is not compatible with the structure of `outputs`: "
                         f"{len(dims)} out_dims for {count} outputs.")
    stacked = []
    for i, dim in enumerate(dims):
        column = [leaves[i] for leaves in leaves_per_sample]
        if dim is None:
            stacked.append(column[0])
            continue
        if not all(isinstance(c, Tensor) for c in column):
            bad = next(type(c) for c in column if not isinstance(c, Tensor))
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {bad}. Did you mean "
                             "to set out_dims= to None for output?")
        stacked.append(stack(column, dim=dim))
    return rebuild(stacked)
