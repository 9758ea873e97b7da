"""kernels.blas.gemm_threads: one BLAS thread for mid-size GEMMs, the count restored after, results unchanged."""
import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.kernels import blas


def current_threads():
    """OpenBLAS's thread count now (setting it to 1 reports the previous one, which is then put back)."""
    previous = blas._SET_THREADS(1)
    blas._SET_THREADS(previous)
    return previous


@pytest.mark.parametrize("work", [1, blas.THREADED_FROM - 1])
def test_small_gemms_keep_the_library_setting(work):
    assert blas.gemm_threads(work) is blas._AS_IS  # OpenBLAS runs them on one thread itself


def test_mid_size_gemms_run_on_one_thread_and_the_count_is_restored():
    if blas._SET_THREADS is None:  # numpy without OpenBLAS's per-call setting: nothing is changed
        assert blas.gemm_threads(blas.THREADED_FROM) is blas._AS_IS
        return
    before = current_threads()
    with blas.gemm_threads(blas.THREADED_FROM):
        assert current_threads() == 1
    assert current_threads() == before
    with pytest.raises(RuntimeError, match="inside"), blas.gemm_threads(blas.SERIAL_BELOW - 1):
        raise RuntimeError("inside")
    assert current_threads() == before


def test_large_gemms_keep_the_library_setting():
    assert blas.gemm_threads(blas.SERIAL_BELOW) is blas._AS_IS


def test_products_are_the_same_on_one_thread():
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((256, 256)).astype(np.float32) for _ in range(2))
    with blas.gemm_threads(blas.THREADED_FROM):
        inside = a @ b
    np.testing.assert_allclose(inside, a @ b, rtol=1e-4, atol=1e-4)


def test_linear_and_recurrence_in_the_threaded_range_match_pytorch():
    """A Linear and an LSTM whose GEMMs fall in the one-thread range: outputs and gradients as PyTorch's."""
    torch_ref = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((40, 16, 48)).astype(np.float32)
    ref_lstm, lstm = torch_ref.nn.LSTM(48, 64), nn.LSTM(48, 64)
    ref_head, head = torch_ref.nn.Linear(64, 256), nn.Linear(64, 256)
    for ref, ours in ((ref_lstm, lstm), (ref_head, head)):
        for p, q in zip(ref.parameters(), ours.parameters()):
            with torch.no_grad():
                q.copy_(torch.from_numpy(p.detach().numpy().copy()))
    ref_out = ref_head(ref_lstm(torch_ref.from_numpy(x))[0])
    out = head(lstm(torch.from_numpy(x))[0])
    assert 40 * 16 * 64 * 256 >= blas.THREADED_FROM
    np.testing.assert_allclose(out.detach().numpy(), ref_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    ref_out.square().mean().backward()
    F.mse_loss(out, torch.zeros_like(out)).backward()
    for p, q in zip(list(ref_lstm.parameters()) + list(ref_head.parameters()),
                    list(lstm.parameters()) + list(head.parameters())):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-5)
