import os

import numpy as np
import pytest
from hypothesis import settings

# CI replays the same generated examples every run (a landing must not depend on luck);
# local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

import autograd_core as torch

# AUTOGRAD_CORE_TEST_BACKEND=strict runs the suite on arrays that refuse to mix with numpy's, as CuPy's do:
# it proves that every op goes through the array seam (autograd_core/arrays.py).
if os.environ.get("AUTOGRAD_CORE_TEST_BACKEND") == "strict":
    from strict_backend import install
    install()

# AUTOGRAD_CORE_TEST_DEVICE=cuda makes CUDA the default device, so that the suites run on the GPU (tests/test_cuda.py
# runs the parity and gradcheck ones so when CuPy sees a GPU); =simulated does it on the CPU's simulated device.
TEST_DEVICE = os.environ.get("AUTOGRAD_CORE_TEST_DEVICE")
if TEST_DEVICE == "simulated":
    import simulated_cuda
    simulated_cuda.install()
if TEST_DEVICE in ("cuda", "simulated") and torch.cuda.is_available():
    torch.set_default_device("cuda")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    np.random.seed(0)
    yield
