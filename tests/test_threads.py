"""Several Python threads at once: compiled kernels, grad mode, inference mode and anomaly mode.

PyTorch's grad mode and inference mode are per thread; here anomaly mode is too.
"""
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
import optim

ROOT = Path(__file__).resolve().parents[1]

# Numba's workqueue threading layer aborts the whole process (SIGABRT) when two threads are inside parallel
# loops at once, so the calls run in a child process: an abort fails the test instead of killing pytest.
_KERNELS_FROM_FOUR_THREADS = """
import threading
import numpy as np
import autograd_core as torch
import nn.functional as F
from autograd_core.kernels import twin

images = torch.randn(2, 16, 256, 256)  # 2**21 elements: max pooling takes the parallel kernels
small = torch.randn(1, 4, 256, 256, requires_grad=True)  # im2col columns of 2.3M elements: parallel too
weight = torch.randn(4, 4, 3, 3)
assert images.numel() >= twin.PARALLEL_MIN_WORK and small.numel() * 9 >= twin.PARALLEL_MIN_WORK


def results():
    pooled = F.max_pool2d(images, 2)
    conv = F.conv2d(small, weight, padding=1)
    (grad,) = torch.autograd.grad(conv.sum(), small)  # col2im
    return [t.numpy(force=True).copy() for t in (pooled, conv, grad)]


expected = results()
mismatches, failures = [], []


def worker():
    try:
        for _ in range(50):
            for got, want in zip(results(), expected):
                if not np.array_equal(got, want):
                    mismatches.append(1)
    except BaseException as exc:
        failures.append(repr(exc))


threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"mismatches={len(mismatches)} failures={failures}")
"""


def test_kernels_run_from_several_threads_without_aborting():
    done = subprocess.run([sys.executable, "-c", _KERNELS_FROM_FOUR_THREADS], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"child exited with {done.returncode}:\n{done.stderr[-3000:]}"
    assert done.stdout.strip() == "mismatches=0 failures=[]", done.stdout + done.stderr[-3000:]


@pytest.fixture
def frequent_switches():
    """Threads switch every 100 us instead of every 5 ms, so that they interleave inside each step."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(previous)


def _run_together(*targets):
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


STEPS = 100_000


def test_a_no_grad_loop_never_stops_another_thread_from_training(frequent_switches):
    """One thread evaluates under no_grad while another trains: 0 lost steps over 10^5 of them."""
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    ones = torch.ones(3, dtype=torch.float64)
    counts = {"lost training steps": 0, "recorded evaluations": 0, "evaluations": 0}
    training_done = threading.Event()

    def train():
        try:
            for _ in range(STEPS):
                y = w * x
                if y.grad_fn is None:
                    counts["lost training steps"] += 1
                    continue
                y.backward(ones)
        finally:
            training_done.set()

    def evaluate():
        while not training_done.is_set():
            with torch.no_grad():
                if (w * x).requires_grad:
                    counts["recorded evaluations"] += 1
            counts["evaluations"] += 1

    _run_together(train, evaluate)
    print(counts)
    assert counts["lost training steps"] == 0 and counts["recorded evaluations"] == 0, counts
    assert counts["evaluations"] > 0
    np.testing.assert_array_equal(w.grad.numpy(force=True), STEPS * np.array([1.0, 2.0, 3.0]))  # no lost gradient
    assert torch.is_grad_enabled()


def _model_and_data(seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    return model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), torch.randn(32, 8), torch.randint(0, 3, (32,))


def _train(model, opt, x, y, steps=30):
    """``steps`` SGD steps; the final parameters."""
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return [p.numpy(force=True).copy() for p in model.parameters()]


def test_two_threads_train_separate_models_without_losing_gradients(frequent_switches):
    """Two training loops at once end exactly where each ends alone."""
    alone = [_train(*_model_and_data(seed)) for seed in (1, 2)]
    setups = [_model_and_data(seed) for seed in (1, 2)]  # the generator is process-wide: drawn before the threads
    together = [None, None]

    def trainer(i):
        return lambda: together.__setitem__(i, _train(*setups[i]))
    _run_together(trainer(0), trainer(1))
    for ours, expected in zip(together, alone):
        for got, want in zip(ours, expected):
            np.testing.assert_array_equal(got, want)


def test_inference_mode_is_per_thread():
    w = torch.ones(2, requires_grad=True)
    inside, outside_recorded = threading.Event(), []

    def other_thread():
        inside.wait()
        outside_recorded.append((w * 2).requires_grad)

    thread = threading.Thread(target=other_thread)
    thread.start()
    with torch.inference_mode():
        inside.set()
        thread.join()
        assert not (w * 2).requires_grad
    assert outside_recorded == [True]


class _Gate(torch.autograd.Function):
    """Identity whose backward signals ``entered``, waits for ``resume`` (another thread runs meanwhile) and
    returns nan gradients."""

    @staticmethod
    def forward(ctx, x, entered, resume):
        ctx.entered, ctx.resume = entered, resume
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        ctx.entered.set()
        assert ctx.resume.wait(timeout=60)
        return grad * float("nan"), None, None


class _Nan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad * float("nan")


def test_anomaly_mode_is_per_thread():
    """A thread in detect_anomaly raises on its nan gradient; a thread outside it, running backward while the
    first one's backward is in progress, gets its nan gradient without an error."""
    entered, other_done, errors, other_grads = threading.Event(), threading.Event(), [], []

    def anomaly_thread():
        x = torch.ones(2, requires_grad=True)
        with torch.autograd.detect_anomaly():
            try:
                _Gate.apply(x, entered, other_done).sum().backward()
            except RuntimeError as exc:
                errors.append(str(exc))

    def plain_thread():
        try:
            assert entered.wait(timeout=60)
            x = torch.ones(2, requires_grad=True)
            _Nan.apply(x).sum().backward()
            other_grads.append(x.grad.numpy(force=True))
        finally:
            other_done.set()

    _run_together(anomaly_thread, plain_thread)
    assert len(other_grads) == 1 and np.isnan(other_grads[0]).all()
    assert len(errors) == 1 and "returned nan values" in errors[0], errors
