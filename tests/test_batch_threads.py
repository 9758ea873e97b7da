"""The batch split over threads that convolutions use (kernels/batch_threads.py)."""
import threading

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
