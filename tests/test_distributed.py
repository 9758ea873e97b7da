"""autograd_core.distributed and DistributedDataParallel, run with 2 MPI processes (tests/distributed/worker.py)."""
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import autograd_core as torch
import autograd_core.distributed as dist
import nn
from autograd_core.distributed import run

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "tests" / "distributed" / "worker.py"


def _mpiexec(case, out, timeout=240):
    return subprocess.run([run.find_mpiexec(), "-n", "2", sys.executable, str(WORKER), case, str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def reports(tmp_path):
    def run_case(case):
        done = _mpiexec(case, tmp_path)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        found = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
        assert [r["rank"] for r in found] == [0, 1]
        return found
    return run_case


def test_every_collective_against_numpy(reports):
    for report in reports("collectives"):
        assert report["failures"] == []
        assert report["mismatch"] == ("all_reduce: the ranks passed tensors of different shapes or dtypes (rank 0: "
                                      "shape [2] float32, rank 1: shape [3] float32)")


@pytest.mark.parametrize("case", ["equivalence", "equivalence-no-sync", "equivalence-bucket-view",
                                  "equivalence-no-sync-bucket-view"])
def test_two_ranks_of_50_train_as_one_process_of_100(reports, case):
    for report in reports(case):
        assert report["difference"] < 1e-6
        assert report["keys"] == ["module.0.weight", "module.0.bias"]
        assert report["views"] == [case.endswith("bucket-view")] * 4  # grads are the buckets' views, or own arrays


def _cnn(nn):
    return nn.Sequential(nn.Conv2d(1, 10, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6760, 300), nn.ReLU(),
                         nn.Linear(300, 10))


@pytest.mark.parametrize("build, cap_mb", [(_cnn, 25), (lambda nn: nn.Sequential(*[nn.Linear(700, 700)
                                                                                  for _ in range(6)]), 2)])
def test_buckets_group_gradients_as_pytorchs_ddp(build, cap_mb):
    torch_ref = pytest.importorskip("torch")
    from torch import distributed as ref_dist

    from nn.parallel.distributed import FIRST_BUCKET_BYTES, _buckets
    ref_params = list(build(torch_ref.nn).parameters())[::-1]  # DDP's order: the parameters reversed
    want, _ = ref_dist._compute_bucket_assignment_by_size(ref_params, [FIRST_BUCKET_BYTES, cap_mb * 2 ** 20],
                                                          [False] * len(ref_params))
    params = list(build(nn).parameters())
    position = {id(p): len(params) - 1 - i for i, p in enumerate(params)}
    assert [[position[id(p)] for p in b.params] for b in _buckets(params, cap_mb * 2 ** 20)] == want
    assert FIRST_BUCKET_BYTES == ref_dist._DEFAULT_FIRST_BUCKET_BYTES


def test_ddp_refuses_what_pytorch_refuses_and_finds_unused_parameters(reports):
    for report in reports("ddp-errors"):
        messages = report["messages"]
        assert messages["no parameters"].startswith("DistributedDataParallel is not needed when a module doesn't")
        assert "the model differs across ranks: rank 0 has ('weight', (2, 3)" in messages["differs"]
        assert "Expected to have finished reduction in the prior iteration" in messages["unused"]
        assert messages["found grad"] == [[3.0, 3.0], [3.0, 3.0]]  # (1 + 2) / 2 per step, two steps accumulated


def test_distributed_sampler_gives_pytorchs_indices_without_shuffling(reports):
    torch_ref = pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as Reference
    for report in reports("sampler"):
        reference = Reference(list(range(23)), num_replicas=2, rank=report["rank"], shuffle=False, seed=3)
        assert report["orders"]["False"] == list(reference)
        shuffled = Reference(list(range(23)), num_replicas=2, rank=report["rank"], shuffle=True, seed=3)
        shuffled.set_epoch(2)
        assert report["orders"]["True"] == list(shuffled)  # PyTorch's randperm, seeded by seed + epoch
    del torch_ref


def test_a_rank_that_raises_ends_the_job_naming_it(tmp_path):
    start = time.monotonic()
    done = _mpiexec("failure", tmp_path, timeout=60)
    assert done.returncode != 0 and time.monotonic() - start < 60
    assert "[rank 1] uncaught ValueError: aborting all 2 ranks" in done.stderr
    assert "rank 1 fails on purpose" in done.stderr


def test_collectives_before_init_and_ddp_without_a_group_are_refused():
    assert dist.is_available() and not dist.is_initialized()
    with pytest.raises(RuntimeError, match="all_reduce: Default process group has not been initialized"):
        dist.all_reduce(torch.ones(2))
    with pytest.raises(RuntimeError, match="DistributedDataParallel: Default process group has not been"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="backend 'nccl' is not available here"):
        dist.init_process_group("nccl")


def test_the_launcher_runs_a_module_under_mpiexec(tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("import os, sys\n"
                      "import autograd_core.distributed as dist\n"
                      "dist.init_process_group()\n"
                      "line = f\"rank {dist.get_rank()} of {dist.get_world_size()} {os.environ['LOCAL_RANK']}\"\n"
                      "open(os.path.join(sys.argv[1], f'rank{dist.get_rank()}.txt'), 'w').write(line)\n")
    done = subprocess.run([sys.executable, "-m", "autograd_core.distributed.run", "--nproc-per-node", "2",
                           str(script), str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [(tmp_path / f"rank{r}.txt").read_text() for r in (0, 1)] == ["rank 0 of 2 0", "rank 1 of 2 1"]
    assert run.command(run.parse_args(["--nproc-per-node", "2", "-m", "examples.train", "--epochs", "1"]))[1:] == \
        ["-n", "2", sys.executable, "-m", "examples.train", "--epochs", "1"]


def test_the_main_job_trains_data_parallel_and_rank_0_writes_the_outputs(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograd_core.distributed.run", "--nproc-per-node", "2", "-m",
                           "examples.train", "--distributed", "--epochs", "1", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("data-parallel on 2 ranks") == 1 and done.stdout.count("final train accuracy") == 1
    assert {p.name for p in tmp_path.iterdir()} == {"graph.svg", "history.png", "model.safetensors"}
    assert set(torch.load(tmp_path / "model.safetensors")) == {"0.weight", "0.bias", "2.weight", "2.bias"}
