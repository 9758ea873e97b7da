"""What real PyTorch programs stopped on, side by side with PyTorch 2.13: each snippet is taken from the
programs' own idioms and must behave the same in both libraries."""
import warnings

import numpy as np
import pytest

import autograd_core
import nn as our_nn

torch_ref = pytest.importorskip("torch")
BOTH = pytest.mark.parametrize("lib", [autograd_core, torch_ref], ids=["ours", "torch"])


def _nn(lib):
    return our_nn if lib is autograd_core else torch_ref.nn


def _values(t):
    return t.detach().numpy().tolist()


# ----- 1. device selection -----

def test_device_selection_idioms_run_and_agree():
    def pick(lib):
        device = lib.accelerator.current_accelerator().type if lib.accelerator.is_available() else "cpu"
        lib.set_default_device(device)
        flags = (lib.backends.mps.is_available(), lib.backends.cudnn.deterministic, lib.cuda.is_available(),
                 lib.accelerator.device_count(), str(lib.get_default_device()))
        lib.backends.cudnn.benchmark = True
        lib.backends.cuda.matmul.allow_tf32 = False
        lib.set_default_device(None)
        return device, flags

    assert pick(autograd_core) == pick(torch_ref) == ("cpu", (False, False, False, 0, "cpu"))


# ----- 2. .data is a tensor sharing storage, invisible to autograd -----

@BOTH
def test_data_is_a_tensor_sharing_storage(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, lib.Tensor) and not d.requires_grad and d.is_leaf and d.grad_fn is None
    y = (w * w).sum()  # saves w
    w.data.add_(1.0)  # the saved value changes, unseen: no version error in either library
    y.backward()
    assert _values(w) == [2.0, 3.0] and _values(w.grad) == [4.0, 6.0] and w._version == 0
    w.data = lib.tensor([5.0, 6.0, 7.0])
    assert _values(w) == [5.0, 6.0, 7.0] and w.requires_grad


def test_layer_weight_data_idioms_agree():
    def run(lib):
        lib.manual_seed(0)
        layer = _nn(lib).Linear(3, 2)
        layer.weight.data.fill_(0.5)
        layer.bias.data.zero_()
        layer.weight.data.copy_(layer.weight.data * 2)
        x = lib.tensor([[1.0, 2.0, 3.0]])
        loss = layer(x).sum()
        loss.backward()
        for p in layer.parameters():
            p.data.add_(-0.1 * p.grad)
        return _values(layer.weight), _values(layer.bias)

    np.testing.assert_allclose(run(autograd_core)[0], run(torch_ref)[0], rtol=1e-7)
    np.testing.assert_allclose(run(autograd_core)[1], run(torch_ref)[1], rtol=1e-7)


# ----- 3. out= writes into the given tensor -----

def test_out_arguments_write_into_the_tensor():
    def run(lib):
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        b = lib.tensor([[0.5, -1.0], [2.0, 1.0]])
        y, r = lib.empty(2, 2), lib.zeros(2, 2)
        returned = lib.matmul(a, b, out=y)
        lib.add(a, b, out=r)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            small = lib.zeros(3)
            lib.mul(a, 2, out=small)  # resized, with PyTorch's deprecation warning
        return returned is y, _values(y), _values(r), _values(small), [str(w.message)[:40] for w in caught]

    assert run(autograd_core) == run(torch_ref)


# ----- 4. whole-model save and load, as the tutorial does -----

def test_whole_model_save_and_load(tmp_path):
    def run(lib):
        lib.manual_seed(0)
        model = _nn(lib).Sequential(_nn(lib).Linear(2, 3), _nn(lib).ReLU())
        path = tmp_path / f"{lib.__name__}.pth"
        lib.save(model, path)
        with pytest.raises(Exception, match="weights_only"):
            lib.load(path)  # the safe default refuses a pickled module
        loaded = lib.load(path, weights_only=False)
        x = lib.tensor([[1.0, -2.0]])
        return type(loaded).__name__, _values(loaded(x)) == _values(model(x))

    assert run(autograd_core) == run(torch_ref) == ("Sequential", True)


# ----- 5. dropout2d on a 2-D input warns and drops whole channels -----

def test_dropout2d_on_a_2d_input_warns_as_pytorch():
    def run(lib):
        x = lib.ones(4, 6)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = _nn(lib).functional.dropout2d(x, 0.5, training=True)
        kept = y.detach().numpy()
        return tuple(y.shape), sorted(set(kept.ravel().tolist()) | {0.0, 2.0}), \
            [str(w.message).split(".")[0] for w in caught]

    assert run(autograd_core) == run(torch_ref)


# ----- 6. gradients through residual blocks: tests/test_residual_gradients.py -----

# ----- 7. names and small API -----

def test_grad_fn_names_and_legacy_types_agree():
    def run(lib):
        x = lib.tensor([[1.0, 2.0]], requires_grad=True)
        layer = _nn(lib).Linear(2, 1)
        names = [type((x + 1).grad_fn).__name__, type(layer(x).grad_fn).__name__,
                 type(_nn(lib).functional.mse_loss(layer(x), lib.zeros(1, 1)).grad_fn).__name__,
                 type(layer(x).grad_fn.next_functions[0][0]).__name__, str((x * 2).grad_fn).split(" ")[0]]
        legacy = lib.FloatTensor([1, 2])
        return names, legacy.dtype is lib.float32, isinstance(legacy, lib.FloatTensor), \
            isinstance(lib.LongTensor([1]), lib.LongTensor), (x.is_cuda, x.is_mps, x.is_xpu)

    ours, theirs = run(autograd_core), run(torch_ref)
    assert ours == theirs
    assert ours[0] == ["AddBackward0", "AddmmBackward0", "MseLossBackward0", "AccumulateGrad", "<MulBackward0"]


def test_safe_globals_admit_a_class_for_weights_only_loading(tmp_path):
    def run(lib):
        path = tmp_path / f"{lib.__name__}.pt"
        lib.save({"point": complex(1, 2), "epoch": 3}, path)
        return lib.load(path)["epoch"], hasattr(lib.serialization, "add_safe_globals"), \
            callable(lib.serialization.safe_globals)

    assert run(autograd_core) == run(torch_ref)
