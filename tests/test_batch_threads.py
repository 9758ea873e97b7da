"""The batch split over threads that convolutions use (kernels/batch_threads.py)."""
import os
import signal
import threading
import time

import pytest

from autograd_core.kernels import batch_threads


@pytest.fixture
def split_everything(monkeypatch):
    monkeypatch.setattr(batch_threads, "SPLIT_FROM", 0)
    monkeypatch.setattr(batch_threads, "_thread_limit", lambda: 3)


def test_slices_cover_the_batch_in_order():
    parts = batch_threads.slices(7, 3)
    assert [list(range(7))[p] for p in parts] == [[0, 1], [2, 3], [4, 5, 6]]


def test_results_come_back_in_slice_order_from_several_threads(split_everything):
    all_running = threading.Barrier(3, timeout=10)  # broken (an error) unless the three slices run at once

    def task(images, parallel):
        assert parallel is False  # split slices must keep to serial kernels
        all_running.wait()
        return images, threading.get_ident()

    results = batch_threads.across_batch(task, 10, 1)
    assert [images for images, _ in results] == batch_threads.slices(10, 3)
    assert len({thread for _, thread in results}) == 3


def test_small_work_and_large_images_run_alone_with_parallel_kernels(monkeypatch):
    monkeypatch.setattr(batch_threads, "_thread_limit", lambda: 4)
    whole = [(slice(0, 64), True)]
    assert batch_threads.across_batch(lambda *a: a, 64, 10) == whole  # under SPLIT_FROM
    assert batch_threads.across_batch(lambda *a: a, 64, batch_threads.THREADED_FROM) == whole  # BLAS splits it


def test_a_failing_slice_raises_in_the_caller_after_every_slice_ended(split_everything):
    ended = []

    def task(images, parallel):
        if images.start == 0:
            raise ValueError("first slice failed")
        ended.append(images.start)

    with pytest.raises(ValueError, match="first slice failed"):
        batch_threads.across_batch(task, 9, 1)
    assert sorted(ended) == [3, 6]


def test_a_task_that_splits_again_runs_its_inner_batch_alone(split_everything):
    def inner(images, parallel):
        return images, parallel

    def outer(images, parallel):
        return batch_threads.across_batch(inner, 6, 1)

    for result in batch_threads.across_batch(outer, 6, 1):
        assert result == [(slice(0, 6), True)]


def test_a_second_caller_runs_its_whole_batch_itself_while_the_workers_are_taken(split_everything):
    inside, release = threading.Event(), threading.Event()

    def slow(images, parallel):
        inside.set()
        assert release.wait(10)
        return images

    first = threading.Thread(target=batch_threads.across_batch, args=(slow, 9, 1))
    first.start()
    try:
        assert inside.wait(10)
        assert batch_threads.across_batch(lambda *a: a, 6, 1) == [(slice(0, 6), True)]
    finally:
        release.set()
        first.join(10)
    assert not first.is_alive()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_splits_on_workers_of_its_own(split_everything):
    """The parent's workers do not exist in a forked child: it must start its own, not wait on theirs forever."""
    batch_threads.across_batch(lambda *a: a, 9, 1)  # the parent's workers are running
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if the split completes
        try:
            results = batch_threads.across_batch(lambda images, parallel: images, 9, 1)
            os._exit(0 if results == batch_threads.slices(9, 3) else 1)
        finally:
            os._exit(2)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked child's split did not finish")
