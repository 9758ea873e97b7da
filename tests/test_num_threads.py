"""``torch.set_num_threads`` / ``get_num_threads``: PyTorch's checks, and the count reaching Numba, OpenBLAS and
the convolution's batch split."""
import numba
import numpy as np
import pytest

import autograd_core as torch
import nn.functional as F
from autograd_core import threads
from autograd_core.kernels import batch_threads, blas


@pytest.fixture
def restored():
    """Put the counts back as they were, whatever the test set."""
    numba_count, requested = numba.get_num_threads(), threads._requested
    blas_count = blas.set_blas_threads(numba_count)  # reads OpenBLAS's count (the setter returns the previous)
    if blas_count is not None:
        blas.set_blas_threads(blas_count)
    yield
    numba.set_num_threads(numba_count)
    if blas_count is not None:
        blas.set_blas_threads(blas_count)
    threads._requested = requested


def test_the_count_starts_at_numbas_and_reads_back_what_was_set(restored):
    threads._requested = None
    assert torch.get_num_threads() == numba.get_num_threads()
    torch.set_num_threads(1)
    assert torch.get_num_threads() == 1
    assert numba.get_num_threads() == 1
    assert batch_threads.thread_count(64, 1000) == 1  # a one-thread setting splits no batch


def test_more_threads_than_cores_are_accepted_as_in_pytorch(restored):
    torch.set_num_threads(numba.config.NUMBA_NUM_THREADS + 3)
    assert torch.get_num_threads() == numba.config.NUMBA_NUM_THREADS + 3
    assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS  # Numba's kernels use every core


@pytest.mark.parametrize("value, message", [
    (0, "expects a positive integer"), (-2, "expects a positive integer"), (2.5, "expects an int, but got float"),
    ("2", "expects an int, but got str"), (True, "expects an int, but got bool")])
def test_bad_counts_get_pytorchs_errors(restored, value, message):
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError, match=f"set_num_threads {message}"):
        torch.set_num_threads(value)
    assert torch.get_num_threads() == before


def test_a_convolution_gives_the_same_numbers_on_one_thread(restored):
    rng = np.random.default_rng(3)  # 64 images of 110k multiply-adds: split by batch when threads allow
    x, w = torch.tensor(rng.standard_normal((64, 3, 16, 16))), torch.tensor(rng.standard_normal((16, 3, 3, 3)))
    results = []
    for count in (numba.config.NUMBA_NUM_THREADS, 1):
        torch.set_num_threads(count)
        assert (batch_threads.thread_count(64, 16 * 3 * 9 * 256) > 1) == (count > 1)
        results.append(F.conv2d(x, w, padding=1).numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12, atol=1e-12)
