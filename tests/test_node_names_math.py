"""Node names of the math ops: ``type(y.grad_fn).__name__`` is PyTorch's, overload by overload.

PyTorch names a node after the overload that made it (``x.sum()`` is ``SumBackward0``, ``x.sum(0)``
``SumBackward1``; ``1 - x`` is ``RsubBackward1``) and, for composite ops such as ``matmul``, after
the last step of its decomposition; scripts and tools that read ``grad_fn`` see the same names here.
"""
import numpy as np
import pytest

import autograd_core as torch

RNG = np.random.default_rng(3)

# (id, call(m, x, y)) with x, y of shape (3, 4) in (0.2, 0.9) that require grad
CASES = [
    ("add", lambda m, x, y: x + y), ("add_number", lambda m, x, y: x + 1), ("radd", lambda m, x, y: 1 + x),
    ("add_alpha", lambda m, x, y: m.add(x, y, alpha=2)), ("sub", lambda m, x, y: x - y),
    ("sub_number", lambda m, x, y: x - 1), ("rsub", lambda m, x, y: 1 - x), ("mul_number", lambda m, x, y: x * 2),
    ("rmul", lambda m, x, y: 2 * x), ("div", lambda m, x, y: x / y), ("div_number", lambda m, x, y: x / 2),
    ("rdiv", lambda m, x, y: 2 / x), ("div_floor", lambda m, x, y: m.div(x, y, rounding_mode="floor")),
    ("div_trunc", lambda m, x, y: m.div(x, y, rounding_mode="trunc")), ("pow_number", lambda m, x, y: x ** 2),
    ("pow_zero", lambda m, x, y: x ** 0), ("pow_tensor", lambda m, x, y: x ** y), ("rpow", lambda m, x, y: 2 ** x),
    ("pow_number_base", lambda m, x, y: m.pow(2, x)), ("neg", lambda m, x, y: -x),
    ("floor_divide", lambda m, x, y: m.floor_divide(x, y)), ("floordiv_number", lambda m, x, y: x // 2),
    ("remainder", lambda m, x, y: m.remainder(x, y)), ("mod_number", lambda m, x, y: x % 2),
    ("rmod", lambda m, x, y: 2 % x), ("fmod", lambda m, x, y: m.fmod(x, y)),
    ("fmod_number", lambda m, x, y: m.fmod(x, 2)), ("exp", lambda m, x, y: x.exp()),
    ("expm1", lambda m, x, y: x.expm1()), ("log", lambda m, x, y: x.log()), ("log1p", lambda m, x, y: x.log1p()),
    ("log2", lambda m, x, y: x.log2()), ("log10", lambda m, x, y: x.log10()), ("sqrt", lambda m, x, y: x.sqrt()),
    ("rsqrt", lambda m, x, y: x.rsqrt()), ("reciprocal", lambda m, x, y: x.reciprocal()),
    ("square", lambda m, x, y: m.square(x)), ("sin", lambda m, x, y: x.sin()), ("cos", lambda m, x, y: x.cos()),
    ("tan", lambda m, x, y: x.tan()), ("asin", lambda m, x, y: x.asin()), ("arccos", lambda m, x, y: m.arccos(x)),
    ("atan", lambda m, x, y: x.atan()), ("sinh", lambda m, x, y: x.sinh()), ("cosh", lambda m, x, y: x.cosh()),
    ("asinh", lambda m, x, y: x.asinh()), ("acosh", lambda m, x, y: (x + 1).acosh()),
    ("atanh", lambda m, x, y: x.atanh()), ("tanh", lambda m, x, y: x.tanh()),
    ("sigmoid", lambda m, x, y: x.sigmoid()), ("erf", lambda m, x, y: x.erf()), ("relu", lambda m, x, y: x.relu()),
    ("abs", lambda m, x, y: x.abs()), ("sign", lambda m, x, y: m.sign(x)), ("sgn", lambda m, x, y: m.sgn(x)),
    ("floor", lambda m, x, y: x.floor()), ("ceil", lambda m, x, y: x.ceil()), ("trunc", lambda m, x, y: x.trunc()),
    ("fix", lambda m, x, y: m.fix(x)), ("round", lambda m, x, y: m.round(x)),
    ("round_decimals", lambda m, x, y: m.round(x, decimals=1)), ("frac", lambda m, x, y: x.frac()),
    ("nan_to_num", lambda m, x, y: x.nan_to_num()), ("atan2", lambda m, x, y: m.atan2(x, y)),
    ("maximum", lambda m, x, y: m.maximum(x, y)), ("minimum", lambda m, x, y: m.minimum(x, y)),
    ("clamp", lambda m, x, y: x.clamp(0.3, 0.6)), ("clamp_min_only", lambda m, x, y: x.clamp(min=0.3)),
    ("clamp_max_only", lambda m, x, y: x.clamp(max=0.6)), ("clamp_tensor", lambda m, x, y: x.clamp(y)),
    ("clip", lambda m, x, y: m.clip(x, 0.3, 0.6)), ("clamp_min", lambda m, x, y: m.clamp_min(x, 0.3)),
    ("clamp_min_tensor", lambda m, x, y: m.clamp_min(x, y)), ("clamp_max", lambda m, x, y: m.clamp_max(x, 0.6)),
    ("clamp_max_tensor", lambda m, x, y: m.clamp_max(x, y)), ("sum", lambda m, x, y: x.sum()),
    ("sum_dim", lambda m, x, y: x.sum(0)), ("sum_no_dims", lambda m, x, y: x.sum(())),
    ("sum_dtype", lambda m, x, y: x.sum(dtype=m.float32)), ("mean", lambda m, x, y: x.mean()),
    ("mean_dim", lambda m, x, y: x.mean(1, keepdim=True)), ("prod", lambda m, x, y: x.prod()),
    ("prod_dim", lambda m, x, y: x.prod(0)), ("max", lambda m, x, y: x.max()),
    ("max_dim", lambda m, x, y: x.max(0)[0]), ("max_of_two", lambda m, x, y: m.max(x, y)),
    ("min", lambda m, x, y: x.min()), ("min_dim", lambda m, x, y: x.min(1).values),
    ("max_dim_of_0d", lambda m, x, y: x[0, 0].max(0)[0]), ("amax", lambda m, x, y: x.amax()),
    ("amax_dim", lambda m, x, y: x.amax(0)), ("amin", lambda m, x, y: x.amin(1)), ("var", lambda m, x, y: x.var()),
    ("var_dim", lambda m, x, y: x.var(0)), ("std", lambda m, x, y: x.std()), ("std_dim", lambda m, x, y: x.std(1)),
    ("logsumexp", lambda m, x, y: x.logsumexp(0)), ("norm", lambda m, x, y: x.norm()),
    ("norm_p1", lambda m, x, y: x.norm(p=1)), ("norm_dim", lambda m, x, y: x.norm(dim=0)),
    ("norm_inf", lambda m, x, y: x.norm(p=float("inf"))), ("cumsum", lambda m, x, y: x.cumsum(0)),
    ("cumsum_of_0d", lambda m, x, y: x[0, 0].cumsum(0)), ("cumprod", lambda m, x, y: x.cumprod(1)),
    ("median", lambda m, x, y: x.median()), ("median_dim", lambda m, x, y: x.median(0)[0]),
    ("sort", lambda m, x, y: x.sort()[0]), ("topk", lambda m, x, y: x.topk(2)[0]),
    ("outer", lambda m, x, y: m.outer(x[0], y[0])), ("addmm", lambda m, x, y: m.addmm(x[:, :3], x, y.T[:, :3])),
    ("addmm_beta0", lambda m, x, y: m.addmm(x[0, :3], x, y.T[:, :3], beta=0, alpha=2)),
]


def _leaves(m, *arrays):
    return [m.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("call", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_node_name_matches_torch(call):
    torch_ref = pytest.importorskip("torch")
    data = RNG.uniform(0.2, 0.9, (2, 3, 4))
    names = [type(call(m, *_leaves(m, *data)).grad_fn).__name__ for m in (torch, torch_ref)]
    assert names[0] == names[1]


# (id, shape of a, shape of b, entry point: None for a @ b)
PRODUCTS = [
    ("mm", (3, 4), (4, 5), None), ("dot", (4,), (4,), None), ("mv", (3, 4), (4,), None),
    ("vector_matrix", (4,), (4, 5), None), ("batched", (2, 3, 4), (2, 4, 5), None),
    ("batch_times_matrix", (2, 3, 4), (4, 5), None), ("matrix_times_batch", (3, 4), (2, 4, 5), None),
    ("batch_times_vector", (2, 3, 4), (4,), None), ("vector_times_batch", (4,), (2, 4, 5), None),
    ("batch_of_one_times_batch", (1, 3, 4), (2, 4, 5), None), ("broadcast_batches", (2, 1, 3, 4), (1, 2, 4, 5), None),
    ("matrix_times_4d", (3, 4), (2, 2, 4, 5), None), ("batch_times_batch_of_one", (2, 3, 4), (1, 4, 5), None),
    ("torch.mm", (3, 4), (4, 5), "mm"), ("torch.bmm", (2, 3, 4), (2, 4, 5), "bmm"), ("torch.mv", (3, 4), (4,), "mv"),
    ("torch.dot", (4,), (4,), "dot"),
]


@pytest.mark.parametrize("shape_a, shape_b, entry", [p[1:] for p in PRODUCTS], ids=[p[0] for p in PRODUCTS])
@pytest.mark.parametrize("grads", [(True, True), (True, False), (False, True)], ids=["both", "first", "second"])
def test_product_node_names_match_torch(shape_a, shape_b, entry, grads):
    torch_ref = pytest.importorskip("torch")
    a, b = RNG.standard_normal(shape_a), RNG.standard_normal(shape_b)
    names = []
    for m in (torch, torch_ref):
        ta, tb = m.tensor(a, requires_grad=grads[0]), m.tensor(b, requires_grad=grads[1])
        names.append(type(ta @ tb if entry is None else getattr(m, entry)(ta, tb)).grad_fn.__name__)
    assert names[0] == names[1]


@pytest.mark.parametrize("call", [lambda x: x.max(0)[0], lambda x: x.sort(0)[0], lambda x: x.topk(1, 0)[0],
                                  lambda x: x.median(0)[0], lambda x: x.relu()],
                         ids=["max_dim", "sort", "topk", "median_dim", "relu"])
def test_double_backward_node_names_match_torch(call):
    torch_ref = pytest.importorskip("torch")
    data = np.array([[1.0, -3.0], [4.0, 2.0]])
    names = []
    for m in (torch, torch_ref):
        x = m.tensor(data, requires_grad=True)
        y = call(x)
        (gx,) = m.autograd.grad(y, x, m.ones_like(y, requires_grad=True), create_graph=True)
        names.append(type(gx.grad_fn).__name__)
    assert names[0] == names[1]


@pytest.mark.parametrize("call", [lambda m, x: m.floor_divide(x, 2), lambda m, x: 2 % x],
                         ids=["floor_divide", "number_remainder_tensor"])
def test_ops_without_a_derivative_raise_torchs_error_in_backward(call):
    torch_ref = pytest.importorskip("torch")
    messages = []
    for m in (torch, torch_ref):
        y = call(m, m.tensor([1.5, 2.5], requires_grad=True))
        with pytest.raises(RuntimeError) as error:
            y.sum().backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]
