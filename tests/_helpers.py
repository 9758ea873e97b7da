"""What several PyTorch-parity test files share: PyTorch as a fixture, running a call on both libraries, PyTorch's
errors, random inputs, and the small differentiable functions torch.func and torch.autograd.functional
differentiate."""
import numpy as np
import pytest

import autograd_core as torch


def reference():
    """PyTorch, the parity reference (the calling test is skipped where it is not installed)."""
    return pytest.importorskip("torch")


@pytest.fixture
def torch_ref():
    return reference()


def both(fn):
    """``fn(module)`` for ours and for PyTorch."""
    return fn(torch), fn(reference())


def assert_raises_like_pytorch(call):
    """``call(module)`` raises with PyTorch, and with ours an error of that type and message."""
    with pytest.raises(Exception) as theirs:
        call(reference())
    with pytest.raises(type(theirs.value)) as ours:
        call(torch)
    assert str(ours.value) == str(theirs.value)


def layer(a, b):
    return (b @ a.sin()).exp()


def scalar(a):
    return (a.exp() * a).sum() * a[0]


def assert_central_differences_of_layer(jac, x, w):
    """``jac`` (a numpy array) is the jacobian of ``layer(a, w)`` in ``a`` at ``x`` by central differences."""
    h = 1e-6
    for k, e in enumerate(np.eye(len(x)) * h):
        column = (layer(torch.tensor(x + e), torch.tensor(w)) - layer(torch.tensor(x - e), torch.tensor(w))) / (2 * h)
        np.testing.assert_allclose(jac[:, k], column.numpy(force=True), rtol=1e-7, atol=1e-8)


def randn(*shape, seed=0):
    """float32 standard normal values of ``shape``, the same for one ``seed``."""
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def values(tensor):
    return tensor.numpy(force=True)
