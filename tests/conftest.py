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


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    np.random.seed(0)
    yield
