"""torch.accelerator, torch.backends and the default device, answered as PyTorch's CPU build answers."""
import pytest

import autograd_core as torch
import autograd_core.backends.cudnn as cudnn
import nn

torch_ref = pytest.importorskip("torch")

_NO_ACCELERATOR = "Cannot access accelerator device when none is available."


def test_tutorial_device_selection_picks_the_cpu():
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    model = nn.Linear(3, 2).to(device)
    assert device == "cpu"
    assert model(torch.ones(1, 3, device=device)).shape == (1, 2)


def test_accelerator_queries_match_torch():
    ours, ref = torch.accelerator, torch_ref.accelerator
    assert ours.is_available() is ref.is_available() is False
    assert ours.current_accelerator() is ref.current_accelerator() is None
    assert ours.current_accelerator(check_available=True) is ref.current_accelerator(check_available=True)
    assert ours.device_count() == ref.device_count() == 0


@pytest.mark.parametrize("name, args", [
    ("current_device_index", ()), ("set_device_index", (0,)), ("synchronize", ()), ("empty_cache", ()),
    ("memory_allocated", ()), ("max_memory_allocated", ()), ("memory_reserved", ()), ("max_memory_reserved", ()),
    ("memory_stats", ()), ("reset_peak_memory_stats", ()), ("reset_accumulated_memory_stats", ()),
    ("get_memory_info", ()), ("synchronize", (0,)), ("memory_allocated", (0,)),
])
def test_device_functions_raise_torchs_error(name, args):
    with pytest.raises(RuntimeError) as ref_error:
        getattr(torch_ref.accelerator, name)(*args)
    with pytest.raises(RuntimeError) as our_error:
        getattr(torch.accelerator, name)(*args)
    assert str(our_error.value) == str(ref_error.value) == _NO_ACCELERATOR


def test_device_index_context_and_set_device_index_none():
    with torch.accelerator.device_index(None):
        pass
    with pytest.raises(RuntimeError, match=_NO_ACCELERATOR):
        with torch.accelerator.device_index(0):
            pass
    with pytest.raises(ValueError) as ref_error:
        torch_ref.accelerator.set_device_index(None)
    with pytest.raises(ValueError) as our_error:
        torch.accelerator.set_device_index(None)
    assert str(our_error.value) == str(ref_error.value)


def test_public_names_exist_in_torch():
    for name in torch.accelerator.__all__:
        assert hasattr(torch_ref.accelerator, name), name


def test_backend_availability_matches_torchs_cpu_build():
    ours, ref = torch.backends, torch_ref.backends
    assert ours.mps.is_available() is ref.mps.is_available() is False
    assert ours.mps.is_built() is ref.mps.is_built() is False
    assert ours.cuda.is_built() is ref.cuda.is_built() is False
    assert ours.cudnn.is_available() is ref.cudnn.is_available() is False
    assert ours.cudnn.version() is ref.cudnn.version() is None
    # honest for this build: no oneDNN, no OpenMP compiled in, numpy's BLAS is OpenBLAS unless it says MKL
    assert ours.mkldnn.is_available() is False
    assert ours.openmp.is_available() is False
    assert isinstance(ours.mkl.is_available(), bool)


@pytest.fixture
def restore_flags():
    saved = [(cudnn, name, getattr(cudnn, name)) for name in ("enabled", "benchmark", "deterministic", "allow_tf32")]
    saved += [(torch.backends.cuda.matmul, "allow_tf32", torch.backends.cuda.matmul.allow_tf32),
              (torch.backends.mkldnn, "enabled", torch.backends.mkldnn.enabled)]
    yield
    for owner, name, value in saved:
        setattr(owner, name, value)


def test_flag_defaults_match_torch():
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(torch.backends.cudnn, name) is getattr(torch_ref.backends.cudnn, name), name
    assert torch.backends.cuda.matmul.allow_tf32 is torch_ref.backends.cuda.matmul.allow_tf32 is False
    assert torch.backends.mkldnn.enabled is True


def test_flags_are_settable_and_refuse_non_bools(restore_flags):
    cudnn.benchmark = True  # the `import torch.backends.cudnn as cudnn` idiom
    torch.backends.cudnn.deterministic = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.mkldnn.enabled = False
    assert torch.backends.cudnn.benchmark is True and cudnn.deterministic is True
    assert torch.backends.cuda.matmul.allow_tf32 is True and torch.backends.mkldnn.enabled is False
    for owner, ref_owner, name in [(cudnn, torch_ref.backends.cudnn, "benchmark"),
                                   (cudnn, torch_ref.backends.cudnn, "deterministic"),
                                   (cudnn, torch_ref.backends.cudnn, "enabled"),
                                   (torch.backends.cuda.matmul, torch_ref.backends.cuda.matmul, "allow_tf32"),
                                   (torch.backends.mkldnn, torch_ref.backends.mkldnn, "enabled")]:
        with pytest.raises(RuntimeError) as ref_error:
            setattr(ref_owner, name, 1)
        with pytest.raises(RuntimeError) as our_error:
            setattr(owner, name, 1)
        assert str(our_error.value) == str(ref_error.value)
    assert torch.backends.cudnn.benchmark is True  # a refused value changes nothing


def test_unknown_matmul_attributes_raise_as_torch():
    for action in (lambda m: m.allow_tf33, lambda m: setattr(m, "allow_tf33", True)):
        with pytest.raises(AttributeError) as ref_error:
            action(torch_ref.backends.cuda.matmul)
        with pytest.raises(AttributeError) as our_error:
            action(torch.backends.cuda.matmul)
        assert str(our_error.value) == str(ref_error.value) == "Unknown attribute allow_tf33"


def test_default_device_is_the_cpu():
    assert repr(torch.get_default_device()) == repr(torch_ref.get_default_device()) == "device(type='cpu')"
    try:
        torch.set_default_device("cpu:0")
        assert repr(torch.get_default_device()) == "device(type='cpu', index=0)"
        torch.set_default_device(torch.device("cpu"))
        assert torch.get_default_device() == torch.device("cpu")
        assert torch.zeros(2).device == torch.device("cpu")
    finally:
        torch.set_default_device(None)
    assert torch.get_default_device() == torch.device("cpu")


def test_cuda_default_device_raises_like_creating_on_cuda():
    with pytest.raises(RuntimeError) as creation_error:
        torch.zeros(1, device="cuda")
    with pytest.raises(RuntimeError) as default_error:
        torch.set_default_device("cuda")
    assert str(default_error.value) == str(creation_error.value)
    assert "not available" in str(default_error.value)
    with pytest.raises(RuntimeError, match=_NO_ACCELERATOR):
        torch.set_default_device(0)
    assert torch.get_default_device() == torch.device("cpu")
