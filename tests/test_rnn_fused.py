"""The fused recurrence (one recorded op per layer and direction): PyTorch parity, node names, gradcheck,
double backward through the composite fallback, and the array-method cells against the Numba kernels."""
import numpy as np
import pytest

import autograd_core as torch
import nn
from autograd_core.arrays import from_numpy, kernels, to_numpy
from autograd_core.autograd import gradcheck, gradgradcheck
from nn.functional._rnn import ARRAY_CELLS, lstm_backward, lstm_forward

torch_ref = pytest.importorskip("torch")

CONFIGS = [
    ("LSTM", {}), ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("LSTM", {"bias": False}), ("GRU", {}), ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {"bias": False, "batch_first": True}), ("RNN", {"num_layers": 2, "batch_first": True}),
    ("RNN", {"nonlinearity": "relu", "bidirectional": True}), ("RNN", {"bias": False}),
]
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}


def twin_modules(name, dtype, **options):
    """The same layer in PyTorch and here, with PyTorch's initial weights copied over."""
    ref = getattr(torch_ref.nn, name)(4, 5, **options).to(getattr(torch_ref, np.dtype(dtype).name))
    ours = getattr(nn, name)(4, 5, **options).to(getattr(torch, np.dtype(dtype).name))
    for (ref_name, p), (our_name, q) in zip(ref.named_parameters(), ours.named_parameters()):
        assert ref_name == our_name
        with torch.no_grad():
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))
    return ref, ours


def states(name, options, batch, dtype, rng, size=5):
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    return [rng.standard_normal((layers, batch, size)).astype(dtype) for _ in range(2 if name == "LSTM" else 1)]


def as_state(name, tensors):
    return tuple(tensors) if name == "LSTM" else tensors[0]


def flat(hidden):
    return list(hidden) if isinstance(hidden, tuple) else [hidden]


def run_both(name, options, dtype, with_state):
    rng = np.random.default_rng(0)
    ref, ours = twin_modules(name, dtype, **options)
    x = rng.standard_normal((3, 6, 4) if options.get("batch_first") else (6, 3, 4)).astype(dtype)
    hx = states(name, options, 3, dtype, rng) if with_state else []
    results = []
    for lib, module in ((torch_ref, ref), (torch, ours)):
        inputs = [lib.from_numpy(a.copy()).requires_grad_() for a in [x] + hx]
        out, hidden = module(inputs[0], as_state(name, inputs[1:]) if hx else None)
        loss = (out ** 2).sum() + sum((h ** 3).sum() for h in flat(hidden))
        loss.backward()
        results.append((module, inputs, out, flat(hidden)))
    return results


def values(tensors):
    return [t.detach().numpy() if isinstance(t, torch_ref.Tensor) else t.numpy(force=True) for t in tensors]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,options", CONFIGS)
def test_outputs_states_and_every_gradient_match_pytorch(name, options, dtype):
    (ref, ref_in, ref_out, ref_hidden), (ours, our_in, our_out, our_hidden) = run_both(name, options, dtype, True)
    tol = TOLERANCE[dtype]
    for expected, got in zip(values([ref_out] + ref_hidden), values([our_out] + our_hidden)):
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
    expected = values([t.grad for t in ref_in] + [p.grad for p in ref.parameters()])
    got = values([t.grad for t in our_in] + [p.grad for p in ours.parameters()])
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_gradient_of_the_last_state_alone_matches_pytorch(name):
    rng = np.random.default_rng(1)
    ref, ours = twin_modules(name, np.float64)
    x = rng.standard_normal((5, 2, 4))
    grads = []
    for lib, module in ((torch_ref, ref), (torch, ours)):
        _, hidden = module(lib.from_numpy(x.copy()))
        flat(hidden)[-1].sum().backward()
        grads.append(values([p.grad for p in module.parameters()]))
    for e, g in zip(*grads):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_node_names_follow_pytorch(name, dtype):
    (_, _, ref_out, ref_hidden), (_, _, our_out, our_hidden) = run_both(name, {}, dtype, False)
    for expected, got in zip([ref_out] + ref_hidden, [our_out] + our_hidden):
        assert type(got.grad_fn).__name__ == type(expected.grad_fn).__name__


@pytest.mark.parametrize("name,options", [("LSTM", {"bidirectional": True}), ("GRU", {"bidirectional": True}),
                                          ("RNN", {"bidirectional": True}), ("LSTM", {"bias": False})])
def test_fused_op_gradcheck(name, options):
    module = getattr(nn, name)(2, 3, **options).double()
    rng = np.random.default_rng(2)
    x = torch.tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    hx = [torch.tensor(a, requires_grad=True) for a in states(name, options, 2, np.float64, rng, size=3)]

    def run(x, *args):
        out, hidden = module(x, as_state(name, args[:len(hx)]))
        return (out, *flat(hidden))

    assert gradcheck(run, (x, *hx, *module.parameters()))


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_double_backward_through_the_composite_fallback(name):
    module = getattr(nn, name)(2, 2).double()
    x = torch.tensor(np.random.default_rng(3).standard_normal((3, 2, 2)), requires_grad=True)
    assert gradgradcheck(lambda x, w: module(x)[0], (x, module.weight_hh_l0))


def test_second_derivative_matches_pytorch():
    ref, ours = twin_modules("LSTM", np.float64)
    x = np.random.default_rng(4).standard_normal((4, 2, 4))
    results = []
    for lib, module in ((torch_ref, ref), (torch, ours)):
        out, _ = module(lib.from_numpy(x.copy()))
        (g,) = lib.autograd.grad((out ** 2).sum(), module.weight_hh_l0, create_graph=True)
        (g ** 2).sum().backward()
        results.append(values([module.weight_ih_l0.grad, module.weight_hh_l0.grad]))
    for e, g in zip(*results):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-9)


def test_weight_changed_in_place_after_forward_is_refused():
    lstm = nn.LSTM(2, 3)
    out, _ = lstm(torch.randn(4, 1, 2))
    with torch.no_grad():
        lstm.weight_hh_l0.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def host_arrays(rng, dtype, *shapes):
    return [from_numpy(rng.standard_normal(shape).astype(dtype)) for shape in shapes]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_array_cells_match_the_numba_kernels(dtype):
    """The cells on array methods (for backends without "recurrent" kernels) give the kernels' results."""
    steps, batch, size = 4, 3, 5
    sequence = (steps, batch, size)
    gates, h0, c0, w_hh, g_out = host_arrays(np.random.default_rng(5), dtype, (steps, batch, 4 * size),
                                             (batch, size), (batch, size), (4 * size, size), sequence)
    results = []
    for family in (kernels("recurrent", gates), ARRAY_CELLS):
        activated = gates.copy()
        hs, cells, tanh_cells = (from_numpy(np.zeros(sequence, dtype)) for _ in range(3))
        lstm_forward(family, activated, h0, c0, w_hh, hs, cells, tanh_cells)
        dh, dc, d_gates = h0.copy(), c0.copy(), from_numpy(np.zeros(gates.shape, dtype))
        lstm_backward(family, g_out, dh, dc, c0, w_hh, activated, cells, tanh_cells, d_gates)
        results.append([to_numpy(a) for a in (activated, hs, cells, tanh_cells, dh, dc, d_gates)])
    tol = TOLERANCE[dtype]
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_hidden_state_of_another_dtype_is_refused():
    with pytest.raises(RuntimeError, match="LSTM: Input and hidden tensors are not the same dtype"):
        nn.LSTM(3, 4)(torch.randn(5, 2, 3), (torch.randn(1, 2, 4, dtype=torch.float64),) * 2)
