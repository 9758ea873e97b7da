"""The graph nodes of the shape, index and fill ops carry PyTorch's names (``type(t.grad_fn).__name__``)."""
import numpy as np
import pytest

import autograd_core as torch

torch_ref = pytest.importorskip("torch")


def _index(L, *values):
    return L.tensor(values, dtype=L.int64)


def _set(key, value):
    def write(L, x):
        y = x * 1
        y[key(L) if callable(key) else key] = value(L) if callable(value) else value
        return y
    return write


def _inplace(method, *args):
    def apply(L, x):
        y = x * 1
        getattr(y, method)(*[a(L) if callable(a) else a for a in args])
        return y
    return apply


# name -> op(lib, x) for x of shape (2, 3, 4) requiring grad
CASES = {
    "view": lambda L, x: x.view(6, 4),
    "view_same_shape": lambda L, x: x.view(2, 3, 4),
    "view_as": lambda L, x: x.view_as(L.empty(24)),
    "view_non_contiguous": lambda L, x: x.transpose(0, 1).view(3, 2, 2, 2),
    "reshape": lambda L, x: x.reshape(-1, 4),
    "reshape_same_shape": lambda L, x: x.reshape(2, 3, 4),
    "reshape_copy": lambda L, x: x.transpose(0, 1).reshape(12, 2),
    "reshape_alias": lambda L, x: x.transpose(0, 1).reshape(3, 2, 2, 2),
    "reshape_as": lambda L, x: x.reshape_as(L.empty(4, 6)),
    "flatten": lambda L, x: x.flatten(),
    "flatten_some": lambda L, x: x.flatten(1),
    "flatten_non_contiguous": lambda L, x: x.transpose(0, 2).flatten(),
    "unflatten": lambda L, x: x.unflatten(2, (2, 2)),
    "squeeze": lambda L, x: x[:1].squeeze(),
    "squeeze_dim": lambda L, x: x.squeeze(0),
    "squeeze_dims": lambda L, x: x[:1].squeeze((0, 1)),
    "unsqueeze": lambda L, x: x.unsqueeze(1),
    "permute": lambda L, x: x.permute(2, 0, 1),
    "transpose": lambda L, x: x.transpose(0, 2),
    "swapaxes": lambda L, x: x.swapaxes(0, 1),
    "swapdims": lambda L, x: L.swapdims(x, 1, 2),
    "t": lambda L, x: x[0].t(),
    "t_vector": lambda L, x: x[0, 0].t(),
    "T": lambda L, x: x[0].T,
    "mT": lambda L, x: x.mT,
    "movedim": lambda L, x: L.movedim(x, 0, 2),
    "moveaxis": lambda L, x: x.moveaxis((0, 1), (1, 0)),
    "expand": lambda L, x: x[:, :1].expand(2, 3, 4),
    "expand_same_shape": lambda L, x: x.expand(2, 3, 4),
    "expand_as": lambda L, x: x[0, 0].expand_as(x),
    "broadcast_to": lambda L, x: x[0].broadcast_to(5, 3, 4),
    "clone": lambda L, x: x.clone(),
    "contiguous": lambda L, x: x.transpose(0, 1).contiguous(),
    "to": lambda L, x: x.to(L.float32),
    "float": lambda L, x: x.float(),
    "narrow": lambda L, x: x.narrow(1, 0, 2),
    "narrow_whole": lambda L, x: x.narrow(0, 0, 2),
    "narrow_copy": lambda L, x: x.narrow_copy(2, 1, 2),
    "repeat": lambda L, x: x.repeat(1, 2, 1),
    "tile": lambda L, x: L.tile(x, (2,)),
    "cat": lambda L, x: L.cat([x, x], 1),
    "concat": lambda L, x: L.concat([x, x]),
    "concatenate": lambda L, x: L.concatenate([x, x], -1),
    "stack": lambda L, x: L.stack([x, x]),
    "hstack": lambda L, x: L.hstack([x, x]),
    "vstack": lambda L, x: L.vstack([x[0, 0], x[0, 1]]),
    "dstack": lambda L, x: L.dstack([x[0], x[1]]),
    "split": lambda L, x: x.split(1)[0],
    "split_sizes": lambda L, x: x.split([1, 2], 1)[1],
    "chunk": lambda L, x: x.chunk(2, 2)[1],
    "unbind": lambda L, x: x.unbind(1)[2],
    "flip": lambda L, x: x.flip(0, 2),
    "fliplr": lambda L, x: x[0].fliplr(),
    "flipud": lambda L, x: L.flipud(x),
    "roll": lambda L, x: x.roll(1),
    "roll_dims": lambda L, x: x.roll((1, -1), (0, 2)),
    "tril": lambda L, x: x.tril(),
    "triu": lambda L, x: L.triu(x, 1),
    "select": lambda L, x: x[1],
    "select_inner": lambda L, x: x[:, 0],
    "select_last_step": lambda L, x: x[1:2, 0],
    "slice": lambda L, x: x[0:1],
    "slice_whole": lambda L, x: x[:],
    "slice_inner": lambda L, x: x[:, 1:],
    "slice_last_step": lambda L, x: x[0, 1:],
    "slices_doing_nothing": lambda L, x: x[:, :],
    "ellipsis": lambda L, x: x[...],
    "unsqueeze_key": lambda L, x: x[None],
    "unsqueeze_last_step": lambda L, x: x[0, None],
    "select_0d_tensor": lambda L, x: x[L.tensor(1)],
    "index_list": lambda L, x: x[[0, 1]],
    "index_tensor": lambda L, x: x[_index(L, 1, 0)],
    "index_mixed": lambda L, x: x[0, [0, 2]],
    "index_mask": lambda L, x: x[x > 0],
    "index_bool": lambda L, x: x[True],
    "gather": lambda L, x: L.gather(x, 2, L.zeros(2, 3, 1, dtype=L.int64)),
    "index_select": lambda L, x: x.index_select(1, _index(L, 2, 0)),
    "take": lambda L, x: x.take(_index(L, 0, 5)),
    "masked_fill": lambda L, x: x.masked_fill(x > 0, 1.0),
    "masked_select": lambda L, x: x.masked_select(x > 0),
    "where": lambda L, x: L.where(x > 0, x, 0.0),
    "scatter": lambda L, x: x.scatter(0, L.zeros(1, 3, 4, dtype=L.int64), x),
    "scatter_value": lambda L, x: x.scatter(0, L.zeros(1, 3, 4, dtype=L.int64), 2.0),
    "scatter_add": lambda L, x: L.scatter_add(x, 0, L.zeros(1, 3, 4, dtype=L.int64), x),
    "index_add": lambda L, x: x.index_add(0, _index(L, 1), x[:1]),
    "index_put": lambda L, x: x.index_put((_index(L, 1),), L.tensor(1.0, dtype=L.float64)),
    "setitem_select": _set(0, 1.0),
    "setitem_slice_tensor": _set((slice(None), 1), lambda L: L.ones(4, dtype=L.float64, requires_grad=True)),
    "setitem_unsqueeze": _set(None, 2.0),
    "setitem_index": _set(lambda L: _index(L, 1), 1.0),
    "setitem_mask": _set(lambda L: L.tensor([True, False]), 1.0),
    "setitem_ellipsis": _set(Ellipsis, 1.0),
    "setitem_whole_slice": _set(slice(None), 1.0),
    "setitem_ellipsis_tensor": _set(Ellipsis, lambda L: L.ones(4, dtype=L.float64)),
    "masked_fill_": _inplace("masked_fill_", lambda L: L.ones(4, dtype=L.bool), 0.0),
    "scatter_": _inplace("scatter_", 0, lambda L: L.zeros(1, 1, 1, dtype=L.int64), 1.0),
    "scatter_add_": _inplace("scatter_add_", 0, lambda L: L.zeros(1, 1, 1, dtype=L.int64),
                             lambda L: L.ones(1, 1, 1, dtype=L.float64)),
    "index_add_": _inplace("index_add_", 2, lambda L: _index(L, 0), lambda L: L.ones(2, 3, 1, dtype=L.float64)),
    "index_put_": _inplace("index_put_", lambda L: (_index(L, 0),), lambda L: L.tensor(1.0, dtype=L.float64)),
    "fill_": _inplace("fill_", 2.0),
    "fill_tensor": _inplace("fill_", lambda L: L.tensor(2.0, dtype=L.float64, requires_grad=True)),
    "zero_": _inplace("zero_"),
    "copy_": _inplace("copy_", lambda L: L.ones(4, dtype=L.float64, requires_grad=True)),
    "uniform_": _inplace("uniform_", -1.0, 1.0),
    "normal_": _inplace("normal_", 0.0, 2.0),
    "bernoulli_": _inplace("bernoulli_"),
    "bernoulli_p": _inplace("bernoulli_", 0.3),
    "bernoulli_tensor": _inplace("bernoulli_", lambda L: L.full((4,), 0.5, dtype=L.float64)),
    "random_": _inplace("random_"),
    "random_to": _inplace("random_", 10),
    "random_from_to": _inplace("random_", 2, 10),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_node_name_matches_pytorch(name):
    data = np.random.randn(2, 3, 4)
    names = []
    for lib in (torch, torch_ref):
        out = CASES[name](lib, lib.tensor(data, requires_grad=True))
        names.append(None if out.grad_fn is None else type(out.grad_fn).__name__)
    assert names[0] == names[1], name


def test_name_method_agrees_with_the_class():
    x = torch.randn(2, 3, requires_grad=True)
    for out in (x.t().reshape(6), x[0], x.squeeze(0), x.split(1)[0]):
        assert out.grad_fn.name() == type(out.grad_fn).__name__


def test_ops_that_return_their_input_record_nothing_as_in_pytorch():
    x = torch.randn(2, 3, requires_grad=True)
    assert x.flatten(0, 0) is x and x.to(torch.float32) is x and x.contiguous() is x
