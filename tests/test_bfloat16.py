"""bfloat16 end to end (ml_dtypes' numpy dtype): creation, printing, promotion, ops, gradients, layers, files.

PyTorch's CPU kernels compute bfloat16 in float32 and round once: where this project does the same
(elementwise ops, sums, means, softmax, norms, losses, linear) the results are equal bit for bit;
the rest agree to within one bfloat16 ulp.
"""
import subprocess
import sys

import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.dtypes import is_floating

torch_ref = pytest.importorskip("torch")
F_ref = torch_ref.nn.functional

RNG = np.random.default_rng(0)
X = RNG.standard_normal((16, 9)).astype(np.float32)
Y = RNG.standard_normal((16, 9)).astype(np.float32)
ULP = 2.0 ** -7  # bfloat16's relative spacing (8 significant bits)


def _pair(values, **kwargs):
    """The same bfloat16 tensor here and in PyTorch."""
    return (torch.tensor(values).to(torch.bfloat16).requires_grad_(**kwargs),
            torch_ref.tensor(values).to(torch_ref.bfloat16).requires_grad_(**kwargs))


def _values(t):
    return t.float().numpy(force=True) if hasattr(t, "numpy") else np.asarray(t)


def _assert_bits_equal(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(_values(ours), theirs.detach().float().numpy())


def _assert_within_ulp(ours, theirs, ulps=1):
    assert str(ours.dtype) == str(theirs.dtype)
    expected = theirs.detach().float().numpy()
    np.testing.assert_allclose(_values(ours), expected, rtol=ulps * ULP, atol=ulps * ULP * np.abs(expected).max())


# ----- the dtype -----
def test_dtype_attributes_match_pytorch():
    for name in ("is_floating_point", "is_signed", "itemsize"):
        assert getattr(torch.bfloat16, name) == getattr(torch_ref.bfloat16, name)
    assert repr(torch.bfloat16) == "torch.bfloat16"
    assert torch.bfloat16.numpy.name == "bfloat16"


def test_is_floating_covers_bfloat16_whose_numpy_kind_is_void():
    assert torch.bfloat16.numpy.kind == "V"
    assert [is_floating(d.numpy) for d in (torch.float16, torch.bfloat16, torch.float32, torch.float64)] == [True] * 4
    assert not any(is_floating(d.numpy) for d in (torch.int64, torch.uint8, torch.bool))


# ----- creation and conversion -----
def test_creation_and_conversions():
    assert torch.tensor([1.0, 2.0], dtype=torch.bfloat16).dtype == torch.bfloat16
    assert torch.zeros(3, dtype=torch.bfloat16).dtype == torch.bfloat16
    assert torch.ones(2).bfloat16().dtype == torch.bfloat16
    assert torch.ones(2).to(torch.bfloat16).dtype == torch.bfloat16
    assert torch.ones(2, dtype=torch.bfloat16).float().dtype == torch.float32
    assert torch.ones(2).bfloat16().type() == torch_ref.ones(2).bfloat16().type() == "torch.BFloat16Tensor"


def test_values_leave_bfloat16_as_pytorch_gives_them():
    ours, theirs = _pair([1.7, -2.5, 3.0])
    assert ours.tolist() == theirs.tolist() and ours[0].item() == theirs[0].item()
    assert ours.long().tolist() == theirs.long().tolist() and ours.bool().tolist() == theirs.bool().tolist()
    assert str(torch.cat([ours, torch.ones(1)]).dtype) == str(torch_ref.cat([theirs, torch_ref.ones(1)]).dtype)
    assert str(ours.half().dtype) == "torch.float16" and (ours == 3).tolist() == (theirs == 3).tolist()


def test_conversion_rounds_to_nearest_even_as_pytorch():
    values = [1.00390625, 1.01171875, 3.14159, -2.71828, 1e-40, 3.4e38, 65504.0]
    ours, theirs = torch.tensor(values).bfloat16(), torch_ref.tensor(values).bfloat16()
    _assert_bits_equal(ours, theirs)


def test_module_bfloat16_converts_floating_parameters_and_buffers():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).bfloat16()
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
    assert model[1].running_mean.dtype == torch.bfloat16
    assert model[1].num_batches_tracked.dtype == torch.int64


# ----- printing -----
@pytest.mark.parametrize("values", [[1.5, 2.25, -3.0], [1e-5, 3.0, 1e4], [1.0, 2.0, 3.0], [0.1, float("nan"),
                                    float("inf")], [[0.3333, 12.5], [-7.1, 0.0]], list(np.linspace(-3, 3, 1200)),
                                    3.14159])
def test_repr_matches_pytorch(values):
    assert repr(torch.tensor(values, dtype=torch.bfloat16)) == repr(torch_ref.tensor(values, dtype=torch_ref.bfloat16))


def test_repr_with_grad_fn_matches_pytorch():
    ours, theirs = _pair([1.5, 2.0], requires_grad=True)
    assert repr(ours * 2) == repr(theirs * 2)


# ----- promotion -----
@pytest.mark.parametrize("other", ["float16", "float32", "float64", "int64", "int8", "uint8", "bool", "bfloat16"])
def test_promotion_with_tensors_matches_pytorch(other):
    ours = torch.ones(2, dtype=torch.bfloat16) + torch.ones(2, dtype=getattr(torch, other))
    theirs = torch_ref.ones(2, dtype=torch_ref.bfloat16) + torch_ref.ones(2, dtype=getattr(torch_ref, other))
    assert str(ours.dtype) == str(theirs.dtype)


@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_promotion_with_scalars_and_zero_dim_tensors_matches_pytorch(scalar):
    assert (torch.ones(2, dtype=torch.bfloat16) * scalar).dtype == torch.bfloat16
    ours = torch.ones(2, dtype=torch.bfloat16) + torch.tensor(1.0, dtype=torch.float64)
    theirs = torch_ref.ones(2, dtype=torch_ref.bfloat16) + torch_ref.tensor(1.0, dtype=torch_ref.float64)
    assert str(ours.dtype) == str(theirs.dtype)
    ours = torch.ones(2, dtype=torch.int64) + torch.tensor(1.0, dtype=torch.bfloat16)
    theirs = torch_ref.ones(2, dtype=torch_ref.int64) + torch_ref.tensor(1.0, dtype=torch_ref.bfloat16)
    assert str(ours.dtype) == str(theirs.dtype)


# ----- values: computed in float32, rounded once -----
BIT_EXACT = [
    ("add", lambda t, f, x, y: x + y), ("sub", lambda t, f, x, y: x - y), ("mul", lambda t, f, x, y: x * y),
    ("div", lambda t, f, x, y: x / y), ("add_scalar", lambda t, f, x, y: x + 0.1), ("pow", lambda t, f, x, y: x ** 2),
    ("pow_float", lambda t, f, x, y: x.abs() ** 1.5), ("exp", lambda t, f, x, y: x.exp()),
    ("log", lambda t, f, x, y: x.abs().log()), ("sqrt", lambda t, f, x, y: x.abs().sqrt()),
    ("tanh", lambda t, f, x, y: x.tanh()),
    ("sigmoid", lambda t, f, x, y: x.sigmoid()), ("sin", lambda t, f, x, y: x.sin()),
    ("erf", lambda t, f, x, y: t.erf(x)), ("relu", lambda t, f, x, y: x.relu()),
    ("reciprocal", lambda t, f, x, y: x.reciprocal()), ("clamp", lambda t, f, x, y: x.clamp(-0.5, 0.5)),
    ("where", lambda t, f, x, y: t.where(x > 0, x, y)), ("maximum", lambda t, f, x, y: t.maximum(x, y)),
    ("sum", lambda t, f, x, y: x.sum()), ("sum_dim0", lambda t, f, x, y: x.sum(0)),
    ("sum_dim1", lambda t, f, x, y: x.sum(1)), ("mean", lambda t, f, x, y: x.mean()),
    ("mean_dim", lambda t, f, x, y: x.mean(1)), ("prod", lambda t, f, x, y: x.prod(1)),
    ("cumsum", lambda t, f, x, y: x.cumsum(1)), ("cumprod", lambda t, f, x, y: x.cumprod(1)),
    ("var", lambda t, f, x, y: x.var(1)), ("std", lambda t, f, x, y: x.std()),
    ("amax", lambda t, f, x, y: x.amax(0)), ("norm", lambda t, f, x, y: x.norm()),
    ("softmax", lambda t, f, x, y: x.softmax(1)), ("sort", lambda t, f, x, y: x.sort(1).values),
    ("linear", lambda t, f, x, y: f.linear(x, y[:5], y[5, :5])), ("mse_loss", lambda t, f, x, y: f.mse_loss(x, y)),
    ("linspace", lambda t, f, x, y: t.linspace(0, 1, 33, dtype=t.bfloat16)),
    ("arange", lambda t, f, x, y: t.arange(0, 3, 0.1, dtype=t.bfloat16)),
]
WITHIN_ONE_ULP = [
    ("mul_scalar", lambda t, f, x, y: x * 3.3),  # the scalar is rounded to bfloat16 first here
    ("lerp", lambda t, f, x, y: t.lerp(x, y, 0.3)), ("logsumexp", lambda t, f, x, y: x.logsumexp(1)),
    ("log_softmax", lambda t, f, x, y: x.log_softmax(1)), ("rsqrt", lambda t, f, x, y: x.abs().rsqrt()),
    # PyTorch rounds the log-softmax to bfloat16 before the mean; the fused op here rounds once
    ("cross_entropy", lambda t, f, x, y: f.cross_entropy(x, t.arange(16) % 9)),
]


def _run(fn):
    (x, tx), (y, ty) = _pair(X), _pair(Y)
    return fn(torch, F, x, y), fn(torch_ref, F_ref, tx, ty)


@pytest.mark.parametrize("name, fn", BIT_EXACT, ids=[name for name, _ in BIT_EXACT])
def test_forward_equals_pytorch_bit_for_bit(name, fn):
    _assert_bits_equal(*_run(fn))


@pytest.mark.parametrize("name, fn", WITHIN_ONE_ULP, ids=[name for name, _ in WITHIN_ONE_ULP])
def test_forward_within_one_ulp_of_pytorch(name, fn):
    _assert_within_ulp(*_run(fn))


def test_long_sum_accumulates_in_float32():
    ours, theirs = _pair(np.ones(4096, np.float32))  # a bfloat16 accumulator would stop at 256
    _assert_bits_equal(ours.sum(), theirs.sum())
    assert float(ours.sum()) == 4096.0


def test_out_argument_casts_and_names_bfloat16_in_errors_as_pytorch():
    out = torch.empty(2, dtype=torch.bfloat16)
    assert torch.add(torch.ones(2), torch.ones(2), out=out) is out and out.dtype == torch.bfloat16
    with pytest.raises(RuntimeError) as ours:
        torch.add(torch.ones(2, dtype=torch.bfloat16), 1, out=torch.empty(2, dtype=torch.int64))
    with pytest.raises(RuntimeError) as theirs:
        torch_ref.add(torch_ref.ones(2, dtype=torch_ref.bfloat16), 1, out=torch_ref.empty(2, dtype=torch_ref.int64))
    assert str(ours.value) == str(theirs.value) == "result type BFloat16 can't be cast to the desired output type Long"


# ----- autograd -----
def test_requires_grad_and_gradients_stay_bfloat16():
    x, tx = _pair(X, requires_grad=True)
    assert x.requires_grad and x.is_floating_point()
    (x * x).sum().backward()
    (tx * tx).sum().backward()
    assert x.grad.dtype == torch.bfloat16
    _assert_bits_equal(x.grad, tx.grad)


GRADS = [
    ("mul_sum", lambda t, f, x, y: (x * y).sum()), ("exp_mean", lambda t, f, x, y: x.exp().mean()),
    ("tanh", lambda t, f, x, y: x.tanh().sum()), ("sigmoid", lambda t, f, x, y: x.sigmoid().sum()),
    ("softmax", lambda t, f, x, y: (x.softmax(1) * y).sum()), ("linear", lambda t, f, x, y: f.linear(x, y[:5]).sum()),
    ("mse_loss", lambda t, f, x, y: f.mse_loss(x, y)),
    ("cross_entropy", lambda t, f, x, y: f.cross_entropy(x, t.arange(16) % 9)),
]


@pytest.mark.parametrize("name, fn", GRADS, ids=[name for name, _ in GRADS])
def test_gradients_within_one_ulp_of_pytorch(name, fn):
    (x, tx), (y, ty) = _pair(X, requires_grad=True), _pair(Y)
    ours, theirs = fn(torch, F, x, y), fn(torch_ref, F_ref, tx, ty)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__
    ours.backward()
    theirs.backward()
    assert x.grad.dtype == torch.bfloat16
    _assert_within_ulp(x.grad, tx.grad, ulps=2)


def test_linear_layer_forward_and_backward():
    torch.manual_seed(0)
    layer = nn.Linear(9, 4).bfloat16()
    reference = torch_ref.nn.Linear(9, 4).bfloat16()
    with torch_ref.no_grad():
        reference.weight.copy_(torch_ref.tensor(layer.weight.float().numpy(force=True)))
        reference.bias.copy_(torch_ref.tensor(layer.bias.float().numpy(force=True)))
    x, tx = _pair(X)
    ours, theirs = layer(x), reference(tx)
    _assert_bits_equal(ours, theirs)
    ours.square().sum().backward()
    theirs.square().sum().backward()
    assert layer.weight.grad.dtype == torch.bfloat16
    _assert_within_ulp(layer.weight.grad, reference.weight.grad)
    _assert_within_ulp(layer.bias.grad, reference.bias.grad)


# ----- random -----
def test_random_fills_bfloat16_as_pytorch_does():
    ours = torch.zeros(2000, dtype=torch.bfloat16).random_()
    assert ours.dtype == torch.bfloat16
    assert 0 <= float(ours.min()) and float(ours.max()) <= 2 ** 8  # bfloat16 holds every integer up to 2^8
    assert torch.randn(3, dtype=torch.bfloat16).dtype == torch.bfloat16


# ----- files -----
def _state():
    weight = torch.tensor(X[:3, :4]).bfloat16()
    return {"weight": weight, "transposed": weight.t(), "scalar": torch.tensor(2.5, dtype=torch.bfloat16),
            "parameter": nn.Parameter(torch.ones(2, dtype=torch.bfloat16))}


def _assert_same_state(loaded, state):
    assert sorted(loaded) == sorted(state)
    for key, value in state.items():
        assert loaded[key].dtype == torch.bfloat16
        np.testing.assert_array_equal(loaded[key].float().numpy(force=True), value.float().numpy(force=True))


@pytest.mark.parametrize("format", ["autograd_core", "torch"])
def test_save_load_round_trip(tmp_path, format):
    path = tmp_path / "state.pt"
    torch.save(_state(), path, format=format)
    _assert_same_state(torch.load(path), _state())


def test_safetensors_round_trip_and_bf16_entries(tmp_path):
    from safetensors.torch import load_file
    state = {k: v for k, v in _state().items() if k != "parameter"}
    path = tmp_path / "state.safetensors"
    torch.save({k: v.contiguous() for k, v in state.items()}, path)
    _assert_same_state(torch.load(path), state)
    theirs = load_file(str(path))
    assert theirs["weight"].dtype == torch_ref.bfloat16
    np.testing.assert_array_equal(theirs["weight"].float().numpy(), state["weight"].float().numpy(force=True))


def test_torch_save_files_load_here_and_ours_load_in_torch(tmp_path):
    path = tmp_path / "theirs.pt"
    reference = torch_ref.tensor(X[:2]).bfloat16()
    torch_ref.save({"w": reference}, path)
    loaded = torch.load(path)["w"]
    assert loaded.dtype == torch.bfloat16
    np.testing.assert_array_equal(loaded.float().numpy(force=True), reference.float().numpy())
    ours = tmp_path / "ours.pt"
    torch.save(_state(), ours, format="torch")
    theirs = torch_ref.load(ours)
    assert theirs["weight"].dtype == torch_ref.bfloat16
    np.testing.assert_array_equal(theirs["transposed"].float().numpy(), _state()["transposed"].float().numpy(force=True))


def test_safetensors_written_by_pytorch_load_here(tmp_path):
    from safetensors.torch import save_file
    path = tmp_path / "theirs.safetensors"
    reference = torch_ref.tensor(X[:2]).bfloat16()
    save_file({"w": reference}, str(path))
    loaded = torch.load(path)["w"]
    assert loaded.dtype == torch.bfloat16
    np.testing.assert_array_equal(loaded.float().numpy(force=True), reference.float().numpy())


def test_ml_dtypes_loads_on_first_use_of_bfloat16(tmp_path):
    """Importing autograd_core leaves ml_dtypes (most of a second) unloaded; arrays it makes later, and files
    holding bfloat16 read in a fresh process, still map to torch.bfloat16."""
    path = tmp_path / "bf16.pt"
    script = f"""
import sys
import numpy as np
import autograd_core as torch
assert "ml_dtypes" not in sys.modules, "import autograd_core loaded ml_dtypes"
assert torch.zeros(2).type() == "torch.FloatTensor" and "ml_dtypes" not in sys.modules
if sys.argv[1] == "write":
    import ml_dtypes
    x = torch.from_numpy(np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16))
    assert x.dtype == torch.bfloat16 and torch.tensor(x.numpy()).dtype == torch.bfloat16
    torch.save({{"w": x}}, {str(path)!r})
else:
    w = torch.load({str(path)!r})["w"]
    assert w.dtype == torch.bfloat16 and w.tolist() == [1.5, -2.0], w
"""
    for step in ("write", "read"):
        done = subprocess.run([sys.executable, "-c", script, step], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
