"""CUDA: the device plumbing on the simulated device (always run), and the same tests plus the GPU suite on CuPy.

Tests taking the ``cuda`` fixture run twice: on the simulated device
(tests/simulated_cuda.py, on the CPU) and on a real GPU through CuPy, skipped
with "no CUDA GPU (cupy not importable / no device)" where there is none.
``test_gpu_suite`` reruns the parity and gradcheck suites with CUDA as the
default device. On a machine with an NVIDIA GPU the whole check is one command
(README, "GPU"): ``pip install -e ".[cuda,test,parity]" && python -m pytest tests/test_cuda.py``.
"""
import copy
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import simulated_cuda

import autograd_core as torch
import nn
import nn.functional as F
import optim
import viz
from autograd_core import arrays
from autograd_core.cuda import _backend
from autograd_core.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parent.parent
HAS_GPU = _backend.load() is not None
NO_GPU = "no CUDA GPU (cupy not importable / no device)"
needs_gpu = pytest.mark.skipif(not HAS_GPU, reason=NO_GPU)
MIXED = r"Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"

# the suites rerun on the GPU; bit-exactness with PyTorch's CPU kernels (fma roundings) is a CPU property
GPU_SUITE = ("tests/test_nn_parity.py", "tests/test_nn_parity_layers.py", "tests/test_optim_parity.py",
             "tests/test_conv.py", "tests/test_pool.py", "tests/test_pooling_more.py", "tests/test_ops_arithmetic.py",
             "tests/test_ops_elementwise.py", "tests/test_ops_linalg.py", "tests/test_nn_losses.py")
GPU_SUITE_FILTER = "not bit_exact"


@pytest.fixture
def simulated():
    """The simulated CUDA device, registered for one test (in place of a real one, which comes back after)."""
    simulated_cuda.install()
    try:
        yield simulated_cuda.BACKEND
    finally:
        simulated_cuda.uninstall()


@pytest.fixture(params=["simulated", pytest.param("gpu", marks=needs_gpu)])
def cuda(request):
    """The CUDA backend a test runs on: the simulated device, then CuPy's on a GPU."""
    if request.param == "gpu":
        yield arrays.device_backend("cuda")
        return
    simulated_cuda.install()
    try:
        yield simulated_cuda.BACKEND
    finally:
        simulated_cuda.uninstall()


@pytest.fixture
def no_cuda(monkeypatch):
    """A process where CuPy is missing (or sees no GPU), whatever this machine has."""
    found = arrays.device_backend("cuda", load=False)
    if found is not None:
        arrays.unregister(found)
    monkeypatch.setattr(_backend, "load", lambda: None)
    yield
    if found is not None:
        arrays.register(found)


def host(t):
    return t.detach().cpu().numpy()


# ----- without CUDA -----
def test_importing_does_not_import_cupy():
    code = "import sys, autograd_core, nn, optim; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_without_cuda_everything_answers_honestly(no_cuda):
    assert torch.cuda.is_available() is False and torch.cuda.device_count() == 0
    assert torch.accelerator.is_available() is False and torch.accelerator.current_accelerator() is None
    torch.cuda.manual_seed(1)  # lazy seeding, as PyTorch: no error
    torch.cuda.manual_seed_all(1)
    torch.cuda.empty_cache()
    for call in (torch.cuda.get_device_name, torch.cuda.synchronize, torch.cuda.memory_allocated,
                 torch.cuda.current_device, lambda: torch.ones(2).to("cuda"), lambda: torch.zeros(2, device="cuda"),
                 lambda: nn.Linear(2, 2).cuda(), lambda: torch.ones(2).cuda()):
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            call()
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
        torch.ones(2).pin_memory()
    assert torch.ones(2).is_pinned() is False


# ----- devices and the torch.cuda API -----
def test_device_objects():
    assert str(torch.device("cuda:0")) == "cuda:0" and torch.device("cuda", 1).index == 1
    assert torch.device("cuda") != torch.device("cuda:0") and torch.device("cuda:0") == "cuda:0"
    assert repr(torch.device("cuda", 0)) == "device(type='cuda', index=0)"


def test_cuda_api_on_the_simulated_device(simulated):
    assert torch.cuda.is_available() and torch.cuda.device_count() == 1 and torch.cuda.current_device() == 0
    assert torch.cuda.get_device_name() == torch.cuda.get_device_name(0) == "Simulated CUDA device (numpy)"
    assert torch.accelerator.is_available() and torch.accelerator.current_accelerator() == torch.device("cuda")
    before = simulated.synchronized
    torch.cuda.synchronize()
    torch.accelerator.synchronize()
    assert simulated.synchronized == before + 2
    torch.cuda.manual_seed(5)
    assert simulated.seeds == {0: 5}
    torch.cuda.set_device(0)
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        torch.cuda.get_device_name("cuda:1")
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        torch.ones(2).to("cuda:1")


def test_memory_allocated_follows_live_tensors(simulated):
    start = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    x = torch.zeros(1000, device="cuda")
    assert torch.cuda.memory_allocated() == start + 4000
    del x
    assert torch.cuda.memory_allocated() == start
    assert torch.cuda.max_memory_allocated() >= start + 4000
    assert torch.accelerator.max_memory_allocated() == torch.cuda.max_memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    assert torch.cuda.max_memory_allocated() == start


# ----- tensors -----
def test_to_cuda_and_back(cuda):
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x.to("cuda")
    assert y.device == torch.device("cuda:0") and y.is_cuda and not x.is_cuda
    assert isinstance(y.array, cuda.array_type)
    assert y.to("cuda") is y and y.cuda() is y and y.to(torch.device("cuda", 0)) is y
    assert y.to("cuda", copy=True) is not y
    back = y.cpu()
    assert back.device == torch.device("cpu") and type(back.array) is type(x.array)
    np.testing.assert_array_equal(host(back), host(x))
    z = x.to("cuda", torch.float64)
    assert z.dtype is torch.float64 and z.is_cuda
    assert x.cuda(0).is_cuda and x.to(0).is_cuda and torch.ones(1).to(y).is_cuda
    assert repr(y.cpu()) == repr(x) and "device='cuda:0'" in repr(y)


def test_moving_is_differentiable(cuda):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.to("cuda")
    assert type(y.grad_fn).__name__ == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.device == torch.device("cpu")
    np.testing.assert_array_equal(host(x.grad), [2.0, 4.0, 6.0])


def test_copy_between_devices(cuda):
    target = torch.zeros(3, device="cuda")
    target.copy_(torch.tensor([1.0, 2.0, 3.0]))
    assert target.is_cuda and host(target).tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("make", [
    lambda **d: torch.zeros(2, 3, **d), lambda **d: torch.ones(2, **d), lambda **d: torch.full((2,), 7.0, **d),
    lambda **d: torch.empty(3, **d), lambda **d: torch.arange(5, **d), lambda **d: torch.linspace(0, 1, 4, **d),
    lambda **d: torch.eye(3, **d), lambda **d: torch.tensor([1, 2], **d), lambda **d: torch.as_tensor([1.5], **d),
    lambda **d: torch.logspace(0, 2, 3, **d),
], ids=["zeros", "ones", "full", "empty", "arange", "linspace", "eye", "tensor", "as_tensor", "logspace"])
def test_creation_ops_take_device(cuda, make):
    on_device, on_host = make(device="cuda"), make()
    assert on_device.is_cuda and not on_host.is_cuda and on_device.dtype == on_host.dtype
    assert host(on_device).shape == host(on_host).shape


@pytest.mark.parametrize("draw", [
    lambda **d: torch.randn(3, 2, **d), lambda **d: torch.rand(4, **d), lambda **d: torch.randint(0, 9, (5,), **d),
    lambda **d: torch.randperm(6, **d), lambda **d: torch.normal(0.0, 1.0, (3,), **d),
], ids=["randn", "rand", "randint", "randperm", "normal"])
def test_random_creation_ops_take_device_and_torchs_seed(cuda, draw):
    torch.manual_seed(3)
    on_device = draw(device="cuda")
    torch.manual_seed(3)
    np.testing.assert_array_equal(host(on_device), host(draw()))  # drawn on the host from torch's generator
    assert on_device.is_cuda


def test_like_and_new_ops_keep_the_device(cuda):
    x = torch.ones(2, 2, device="cuda")
    made = [torch.zeros_like(x), torch.ones_like(x), torch.full_like(x, 2.0), torch.empty_like(x),
            torch.randn_like(x), torch.rand_like(x), torch.randint_like(x, 5), x.new_zeros(3), x.new_ones(1),
            x.new_full((2,), 1.0), x.new_empty(2), x.new_tensor([1.0])]
    assert all(t.is_cuda for t in made)
    assert not torch.zeros_like(x, device="cpu").is_cuda


def test_numpy_of_a_device_tensor_needs_cpu_first(cuda):
    x = torch.arange(3.0, device="cuda")
    with pytest.raises(TypeError, match=r"can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu\(\)"):
        x.numpy()
    np.testing.assert_array_equal(x.numpy(force=True), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(x.cpu().numpy(), [0.0, 1.0, 2.0])


def test_default_device(cuda):
    torch.set_default_device("cuda")
    try:
        assert torch.zeros(2).is_cuda and torch.randn(2).is_cuda and torch.tensor([1.0]).is_cuda
    finally:
        torch.set_default_device(None)
    assert not torch.zeros(2).is_cuda


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: b * a, lambda a, b: a @ b, lambda a, b: torch.sub(a, b),
    lambda a, b: F.linear(a, b), lambda a, b: F.conv2d(a.reshape(1, 1, 2, 2), b.reshape(1, 1, 2, 2)),
    lambda a, b: F.cross_entropy(a, b.argmax(1)),
    lambda a, b: torch.maximum(a, b), lambda a, b: torch.atan2(b, a), lambda a, b: torch.hypot(a, b),
], ids=["add", "rmul", "matmul", "sub", "linear", "conv2d", "cross_entropy", "maximum", "atan2", "hypot"])
def test_mixing_devices_names_both(cuda, op):
    a, b = torch.randn(2, 2, device="cuda"), torch.randn(2, 2)
    with pytest.raises(RuntimeError, match=MIXED):
        op(a, b)


# ----- modules, optimizers, training -----
def test_module_to_moves_parameters_gradients_and_buffers_in_place(cuda):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    weight = model[0].weight
    model(torch.randn(5, 3)).sum().backward()
    assert model.cuda() is model and model[0].weight is weight
    assert all(p.is_cuda and p.grad.is_cuda for p in model.parameters())
    assert model[1].running_mean.is_cuda
    out = model(torch.randn(5, 3, device="cuda"))
    assert out.is_cuda
    model.to("cpu", torch.float64)
    assert all(not p.is_cuda and p.dtype is torch.float64 for p in model.parameters())
    assert model.to(torch.device("cuda")).cpu() is model and not model[1].running_var.is_cuda


OPTIMIZERS = [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), lambda p: optim.SGD(p, lr=0.1),
    lambda p: optim.Adam(p, lr=0.01, amsgrad=True), lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1),
    lambda p: optim.Adam(p, lr=0.01, maximize=True, weight_decay=0.1), lambda p: optim.NAdam(p, lr=0.01),
    lambda p: optim.Adamax(p, lr=0.01), lambda p: optim.Adagrad(p, lr=0.1), lambda p: optim.Adadelta(p, lr=1.0),
    lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True), lambda p: optim.RMSprop(p, lr=0.01),
    lambda p: optim.RAdam(p, lr=0.01), lambda p: optim.Rprop(p, lr=0.01), lambda p: optim.ASGD(p, lr=0.01, t0=2),
]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_optimizers_step_on_the_device_as_on_the_cpu(cuda, make):
    torch.manual_seed(0)
    cpu_model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    device_model = copy.deepcopy(cpu_model).cuda()
    x, t = torch.randn(6, 4), torch.tensor([0, 1, 2, 0, 1, 2])
    runs = []
    for model, inputs in ((cpu_model, (x, t)), (device_model, (x.cuda(), t.cuda()))):
        opt = make(model.parameters())
        for _ in range(6):
            opt.zero_grad()
            F.cross_entropy(model(inputs[0]), inputs[1]).backward()
            opt.step()
        runs.append([host(p) for p in model.parameters()])
        buffers = [s for state in opt.state.values() for s in state.values() if isinstance(s, torch.Tensor)
                   and s.numel() > 1]
        assert all(s.is_cuda == (model is device_model) for s in buffers)
    for ours, reference in zip(*runs):
        np.testing.assert_allclose(ours, reference, rtol=2e-5, atol=2e-6)


def test_elementwise_lerp_and_add_match_the_numpy_loops(cuda):
    import optim.elementwise_kernels as device_kernels
    import optim.kernels as numpy_kernels
    from optim.optimizer import lerp_weight
    rng = np.random.default_rng(0)
    start, end = rng.standard_normal(7).astype(np.float32), rng.standard_normal(7).astype(np.float32)
    on_device = lambda a: arrays.to_device(a, torch.device("cuda"))
    for w in (0.2, 0.8):
        weight = lerp_weight(w, np.dtype(np.float32))
        expected, ours = start.copy(), on_device(start)
        numpy_kernels.lerp_(expected, end, weight=weight)
        device_kernels.lerp_(ours, on_device(end), weight=weight)
        np.testing.assert_allclose(arrays.to_numpy(ours), expected, rtol=1e-6)
    ours = on_device(start)
    device_kernels.add_(ours, on_device(end), alpha=np.float32(-0.5))
    np.testing.assert_allclose(arrays.to_numpy(ours), start - 0.5 * end, rtol=1e-6)


def test_course_mlp_trains_on_the_device_as_on_the_cpu(cuda):
    torch.manual_seed(0)
    cpu_model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    device_model = copy.deepcopy(cpu_model).to("cuda")
    images, labels = torch.rand(64, 784), torch.randint(0, 10, (64,))
    losses = []
    for model, x, t in ((cpu_model, images, labels), (device_model, images.cuda(), labels.cuda())):
        opt = optim.SGD(model.parameters(), lr=0.1)
        for _ in range(3):
            loss = F.cross_entropy(model(x), t)
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)


# ----- conv, pool and recurrent kernels against the numpy backend's -----
def _same_on_both(function, *inputs):
    """``function`` of ``inputs`` (float64) and its input gradients, on the CPU and on the device, equal."""
    results = []
    for device in ("cpu", "cuda"):
        leaves = [torch.tensor(a, dtype=torch.float64, device=device, requires_grad=True) for a in inputs]
        out = function(*leaves)
        (out * torch.arange(out.numel(), dtype=torch.float64, device=device).reshape(out.shape)).sum().backward()
        assert out.device.type == device
        results.append([host(out)] + [host(t.grad) for t in leaves])
    for ours, reference in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("options", [{}, {"stride": 2, "padding": 1}, {"padding": 2, "dilation": 2},
                                     {"groups": 2, "stride": (1, 2), "padding": (0, 1)}])
def test_conv2d_kernels_match_the_numpy_backend(cuda, options):
    rng = np.random.default_rng(1)
    _same_on_both(lambda x, w, b: F.conv2d(x, w, b, **options), rng.standard_normal((2, 4, 7, 6)),
                  rng.standard_normal((6, 4 // options.get("groups", 1), 3, 3)), rng.standard_normal(6))


def test_conv_transpose_1d_and_3d_kernels_match_the_numpy_backend(cuda):
    rng = np.random.default_rng(2)
    _same_on_both(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
                  rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((3, 2, 3, 3)))
    _same_on_both(lambda x, w: F.conv1d(x, w, stride=2), rng.standard_normal((2, 3, 9)), rng.standard_normal((4, 3, 3)))
    _same_on_both(lambda x, w: F.conv3d(x, w, padding=1), rng.standard_normal((1, 2, 4, 4, 3)),
                  rng.standard_normal((3, 2, 2, 3, 2)))


@pytest.mark.parametrize("pool", [
    lambda x: F.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 3, stride=2, padding=1, dilation=1, ceil_mode=True),
    lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False), lambda x: F.avg_pool2d(x, 2),
    lambda x: F.adaptive_avg_pool2d(x, (3, 2)), lambda x: F.adaptive_max_pool2d(x, 3), lambda x: F.max_pool1d(x[0], 2),
    lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2),
], ids=["max", "max_padded", "avg_exclude_pad", "avg", "adaptive_avg", "adaptive_max", "max1d", "unpool"])
def test_pool_kernels_match_the_numpy_backend(cuda, pool):
    _same_on_both(pool, np.random.default_rng(3).standard_normal((2, 3, 7, 6)))


def test_max_pool_indices_match(cuda):
    x = torch.randn(2, 3, 6, 6)
    _, expected = F.max_pool2d(x, 3, stride=2, return_indices=True)
    _, ours = F.max_pool2d(x.cuda(), 3, stride=2, return_indices=True)
    assert ours.is_cuda and host(ours).tolist() == host(expected).tolist()


def test_lstm_runs_on_the_device_as_on_the_cpu(cuda):
    """The recurrence runs nn.functional's per-step GEMM loops on the device (CuPy has no "recurrent" family)."""
    torch.manual_seed(0)
    cpu_lstm = nn.LSTM(3, 4, num_layers=2)
    device_lstm = copy.deepcopy(cpu_lstm).cuda()
    x, state = torch.randn(5, 2, 3), (torch.randn(2, 2, 4), torch.randn(2, 2, 4))
    cpu_out, _ = cpu_lstm(x, state)
    device_out, _ = device_lstm(x.cuda(), tuple(s.cuda() for s in state))
    cpu_out.sum().backward()
    device_out.sum().backward()
    np.testing.assert_allclose(host(device_out), host(cpu_out), rtol=1e-5, atol=1e-6)
    for ours, reference in zip(device_lstm.parameters(), cpu_lstm.parameters()):
        np.testing.assert_allclose(host(ours.grad), host(reference.grad), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", [lambda: nn.LSTM(3, 4, batch_first=True), lambda: nn.GRU(3, 4, num_layers=2),
                                  lambda: nn.RNN(3, 4), lambda: nn.LSTMCell(3, 4), lambda: nn.GRUCell(3, 4)],
                         ids=["LSTM", "GRU", "RNN", "LSTMCell", "GRUCell"])
def test_recurrent_layers_start_from_zeros_on_the_input_device(cuda, make):
    torch.manual_seed(0)
    layer = make()
    x = torch.randn(2, 5, 3) if not type(layer).__name__.endswith("Cell") else torch.randn(2, 3)
    expected = layer(x)
    found = copy.deepcopy(layer).cuda()(x.cuda())
    for ours, reference in zip(*(o if isinstance(o, tuple) else (o,) for o in (found, expected))):
        for o, r in zip(*(v if isinstance(v, tuple) else (v,) for v in (ours, reference))):
            assert o.is_cuda
            np.testing.assert_allclose(host(o), host(r), rtol=1e-5, atol=1e-6)


def test_erf_and_special_functions_on_the_device(cuda):
    x = torch.linspace(-2, 2, 9)
    np.testing.assert_allclose(host(torch.erf(x.cuda())), host(torch.erf(x)), rtol=1e-6)
    np.testing.assert_allclose(host(F.gelu(x.cuda())), host(F.gelu(x)), rtol=1e-6)


def test_gradcheck_and_viz_with_device_tensors(cuda):
    x = torch.randn(3, 4, dtype=torch.float64, device="cuda", requires_grad=True)
    w = torch.randn(4, 2, dtype=torch.float64, device="cuda", requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: (a @ b).tanh(), (x, w))
    assert torch.autograd.gradgradcheck(lambda a: (a * a).sin().sum(), (x,))
    dot = viz.make_dot((x @ w).sum(), params={"x": x, "w": w})
    assert "MmBackward0" in dot.source and "x\\n(3, 4) float64" in dot.source


# ----- files and data -----
@pytest.mark.parametrize("name", ["model.pt", "model.safetensors", "torch.pt"])
def test_save_and_load_device_tensors(cuda, tmp_path, name):
    model = nn.Linear(3, 2).cuda()
    path = tmp_path / name
    torch.save(model.state_dict(), path, **({"format": "torch"} if name == "torch.pt" else {}))
    saved_device = "cuda:0" if name == "model.pt" else "cpu"  # our format keeps the device; the others hold host data
    assert {str(v.device) for v in torch.load(path).values()} == {saved_device}
    assert all(v.is_cuda for v in torch.load(path, map_location="cuda").values())
    on_cpu = torch.load(path, map_location={"cuda:0": "cpu"})
    assert not any(v.is_cuda for v in on_cpu.values())
    np.testing.assert_array_equal(on_cpu["weight"].numpy(), host(model.weight))
    assert not torch.load(path, map_location=lambda storage, location: storage)["bias"].is_cuda
    restored = nn.Linear(3, 2).cuda()
    restored.load_state_dict(torch.load(path, map_location="cpu"))
    assert restored.weight.is_cuda
    np.testing.assert_array_equal(host(restored.weight), host(model.weight))


def test_loading_cuda_tensors_without_cuda_needs_map_location(simulated, tmp_path):
    torch.save({"x": torch.ones(2, device="cuda")}, tmp_path / "x.pt")
    simulated_cuda.uninstall()
    try:
        with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
            torch.load(tmp_path / "x.pt")
        assert torch.load(tmp_path / "x.pt", map_location="cpu")["x"].tolist() == [1.0, 1.0]
    finally:
        simulated_cuda.install()


def test_data_loader_pins_batches(cuda):
    data = TensorDataset(torch.randn(6, 3), torch.arange(6))
    batches = list(DataLoader(data, batch_size=4, pin_memory=True))
    assert len(batches) == 2 and all(t.is_pinned() and not t.is_cuda for batch in batches for t in batch)
    assert not next(iter(DataLoader(data, batch_size=4)))[0].is_pinned()
    pinned = torch.arange(4.0).pin_memory()
    assert pinned.is_pinned() and pinned.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert pinned.cuda(non_blocking=True).is_cuda
    with pytest.raises(RuntimeError, match="only dense CPU tensors can be pinned"):
        pinned.cuda().pin_memory()


# ----- the GPU suite -----
def _run_suite(device, files):
    env = dict(os.environ, AUTOGRAD_CORE_TEST_DEVICE=device)
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-k", GPU_SUITE_FILTER, *files]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_suites_rerun_on_the_simulated_device():
    """The GPU suite's mechanism on the CPU: one parity suite with the simulated device as the default device."""
    result = _run_suite("simulated", ["tests/test_nn_parity_layers.py"])
    assert result.returncode == 0, result.stdout[-3000:]  # pytest's 0: tests were collected and all passed


@needs_gpu
def test_cupy_backend_holds_device_tensors():
    backend = arrays.device_backend("cuda")
    import cupy
    assert backend.name == "cupy" and torch.cuda.device_count() == cupy.cuda.runtime.getDeviceCount()
    x = torch.ones(3, device="cuda")
    assert type(x.array) is cupy.ndarray and x.device == torch.device("cuda", x.array.device.id)
    assert torch.cuda.memory_allocated() >= 12 and isinstance(torch.cuda.get_device_name(), str)


@needs_gpu
def test_gpu_suite():
    result = _run_suite("cuda", GPU_SUITE)
    assert result.returncode == 0, result.stdout[-5000:]
