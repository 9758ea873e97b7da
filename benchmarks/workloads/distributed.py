"""Data-parallel training on 2 ranks: autograd_core's DistributedDataParallel (MPI) beside PyTorch's (gloo, CPU).

The parent (``python -m benchmarks``) stays single-process: each measurement is a child job of this module,
``mpiexec -n R python -c "...child_main()" TASK ENGINE`` for autograd_core, R processes started
with torch.distributed's environment variables (``MASTER_ADDR``, ``RANK``...) for PyTorch. Rank 0 prints its
times as one JSON line. Every process gets ``cores // 2`` threads, with 1 rank as with 2: 2 ranks never
oversubscribe the machine, and the speedup of 2 ranks over 1 is that of data parallelism alone.

Tasks: ``allreduce`` (the DDP path, raw mpi4py ``Allreduce`` and torch's gloo ``all_reduce`` on the same
buffers), ``step`` (one training step of the course CNN, with the share of all-reduce time hidden behind
backward), ``epoch`` (one epoch of the course MLP on Fashion-MNIST-shaped data, 1 or 2 ranks).
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

import numpy as np

from benchmarks.peers import OURS
from benchmarks.workloads.base import ROOT, Goal, Row, Table, failed_row

RANKS = 2
RAW = "mpi4py"  # the raw Allreduce row of the all-reduce tables
VIEWS = f"{OURS}, gradient_as_bucket_view"
TIMEOUT_S = 600


# ---------------------------------------------------------------- the parent: start the jobs, build the tables

def _threads():
    """Threads per process, the same for 1 and 2 ranks: the speedup of 2 ranks is data parallelism's alone."""
    return str(max(1, (os.cpu_count() or 1) // RANKS))


def _environment():
    threads = _threads()
    return dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads,
                NUMBA_NUM_THREADS=threads, PYTHONPATH=str(ROOT))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _result(stdout):
    """The JSON line rank 0 printed last."""
    return json.loads(stdout.strip().splitlines()[-1])


def _failed(what, code, stderr):
    return RuntimeError(f"{what} exited with {code}: {stderr.strip()[-500:]}")


def _child(task, engine, ranks, quick):
    """The command line of one rank of ``task`` (``-c``: ``-m`` would import this module twice)."""
    return [sys.executable, "-c", f"from {__name__} import child_main; child_main()", task, engine,
            "--ranks", str(ranks)] + ["--quick"] * quick


def run_ours(task, ranks, quick):
    """Rank 0's result of ``task`` for autograd_core: under mpiexec for several ranks, a plain process for one."""
    child = _child(task, OURS, ranks, quick)
    if ranks > 1:
        from autograd_core.distributed.run import find_mpiexec
        child = [find_mpiexec(), "-n", str(ranks)] + child
    done = subprocess.run(child, cwd=ROOT, env=_environment(), capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    if done.returncode:
        raise _failed(f"{task} ({OURS}, {ranks} ranks)", done.returncode, done.stderr)
    return _result(done.stdout)


def run_torch(task, ranks, quick):
    """Rank 0's result of ``task`` for PyTorch: ``ranks`` processes joined by torch.distributed's variables."""
    env = dict(_environment(), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()), WORLD_SIZE=str(ranks))
    child = _child(task, "torch", ranks, quick)
    jobs = [subprocess.Popen(child, cwd=ROOT, env=dict(env, RANK=str(r), LOCAL_RANK=str(r)), text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for r in range(ranks)]
    try:
        outputs = [job.communicate(timeout=TIMEOUT_S) for job in jobs]
    finally:
        for job in jobs:
            if job.poll() is None:
                job.kill()
    for job, (_, stderr) in zip(jobs, outputs):
        if job.returncode:
            raise _failed(f"{task} (torch, {ranks} ranks)", job.returncode, stderr)
    return _result(outputs[0][0])


RUNNERS = {OURS: run_ours, "torch": run_torch}


def _row(engine, seconds, scale=1e3, extra=""):
    return Row(engine, statistics.median(seconds) * scale, min(seconds) * scale, max(seconds) * scale, extra)


def _results(ctx, task, ranks, engines=(OURS, "torch")):
    """engine -> rank 0's result of ``task``, or engine -> Row saying why there is none."""
    results = {}
    for engine in engines:
        if engine in ctx.missing:
            results[engine] = Row(engine, status=ctx.missing[engine])
            continue
        try:
            results[engine] = RUNNERS[engine](task, ranks, ctx.quick)
        except Exception as error:  # one engine's failure must not stop the run
            results[engine] = failed_row(engine, error)
    return results


def _gbps(size_bytes):
    return lambda seconds: f"{size_bytes / seconds / 1e9:.2f}"


def allreduce_tables(ctx):
    results = _results(ctx, "allreduce", RANKS)
    ours = results[OURS]
    sizes = ours["sizes"] if isinstance(ours, dict) else []
    tables = []
    for index, size in enumerate(sizes):
        rate = _gbps(size)
        rows = [_row(OURS, ours["ddp"][index], extra=rate(statistics.median(ours["ddp"][index]))),
                _row(VIEWS, ours["views"][index], extra=rate(statistics.median(ours["views"][index]))),
                _row(RAW, ours["raw"][index], extra=rate(statistics.median(ours["raw"][index])))]
        theirs = results["torch"]
        rows.append(_row("torch", theirs["times"][index], extra=rate(statistics.median(theirs["times"][index])))
                    if isinstance(theirs, dict) else theirs)
        tables.append(Table("distributed", f"all-reduce of {size / 2 ** 20:g} MiB of float32 gradients across "
                            f"{RANKS} ranks: DDP's bucket path vs raw mpi4py Allreduce and torch.distributed "
                            "(gloo)", "ms", rows, Goal(1.11, RAW), extra_label="GB/s (buffer / time)",
                            label=f"all-reduce {size / 2 ** 20:g} MiB",
                            note=f"goal: bandwidth >= 0.9x raw {RAW} (time <= 1.11x); the DDP path copies each "
                            "gradient divided by the world size into the bucket, all-reduces it without blocking, "
                            "waits and copies the averages back into .grad; with gradient_as_bucket_view the grads "
                            "are the bucket's views: one in-place division, no copies. torch: a plain "
                            "all_reduce (sum) of the buffer"))
    if not sizes:
        tables.append(Table("distributed", "all-reduce across ranks", "ms", status=ours.status))
    return tables


def step_table(ctx):
    results = _results(ctx, "step", RANKS)
    rows, note = [], ""
    for engine, result in results.items():
        if not isinstance(result, dict):
            rows.append(result)
            continue
        extra = ""
        if "hidden" in result:
            extra = f"{result['hidden']:.0%}"
            note = (f"hidden: share of the all-reduce time (a blocking Allreduce of the same buckets: "
                    f"{result['blocking_ms']:.2f} ms) not left after both ranks finished backward (left: "
                    f"{result['wait_ms']:.2f} ms); buckets of {result['buckets']} parameters; from the first "
                    f"bucket's launch to the wait: {result['window']:.0%} of backward ({result['backward_ms']:.1f} "
                    "ms), the time the all-reduce could hide in. MPI (MPICH) moves data only inside MPI calls: "
                    "without a progress thread, which would take a core from the ranks' compute, little hides")
        rows.append(_row(engine, result["times"], extra=extra))
    return Table("distributed", f"training step of the course CNN with DistributedDataParallel on {RANKS} ranks "
                 "(batch 100 per rank, SGD momentum)", "ms", rows, Goal(1.2), extra_label="all-reduce hidden",
                 label="DDP step (CNN)", note=note)


def epoch_tables(ctx):
    single, double = _results(ctx, "epoch", 1), _results(ctx, "epoch", RANKS)
    size = next((r["images"] for r in single.values() if isinstance(r, dict)), 0)
    tables = []
    for ranks, results in ((1, single), (RANKS, double)):
        rows = []
        for engine, result in results.items():
            if not isinstance(result, dict):
                rows.append(result)
                continue
            extra = ""
            one = single[engine]
            if ranks > 1 and isinstance(one, dict):
                speedup = statistics.median(one["times"]) / statistics.median(result["times"])
                extra = f"{speedup:.2f}x, {speedup / ranks:.0%}"
            rows.append(_row(engine, result["times"], scale=1, extra=extra))
        tables.append(Table("distributed", f"epoch of the course MLP on {size} Fashion-MNIST-shaped images, "
                            f"{ranks} rank{'s' * (ranks > 1)} ({_threads()} thread(s) each, batch 100 per "
                            "rank, Adam)", "s", rows, extra_label="speedup, efficiency" if ranks > 1 else "",
                            label=f"epoch, {ranks} rank{'s' * (ranks > 1)}",
                            note=f"speedup over 1 rank, efficiency = speedup / ranks; {os.cpu_count()} cores "
                            f"bound the speedup of {ranks} ranks" if ranks > 1 else "one process, no process group"))
    return tables


def distributed(ctx):
    """The distributed workload's tables: all-reduce bandwidth, the CNN step, the epoch on 1 and 2 ranks."""
    return allreduce_tables(ctx) + [step_table(ctx)] + epoch_tables(ctx)


# ---------------------------------------------------------------- the children: one rank of one measurement

class Engine:
    """One library's modules, its process group joined (``ranks`` > 1) and its threads set."""

    def __init__(self, name, ranks):
        self.name, self.ranks = name, ranks
        if name == "torch":
            import torch
            from torch import distributed, optim
            from torch.utils import data
            torch.set_num_threads(int(_threads()))
            self.lib, nn = torch, torch.nn
        else:
            import autograd_core
            import nn
            import optim
            from autograd_core import distributed
            from autograd_core.utils import data
            self.lib = autograd_core
        self.nn, self.optim, self.dist, self.data = nn, optim, distributed, data
        self.DDP = nn.parallel.DistributedDataParallel
        if ranks > 1:
            self.dist.init_process_group("gloo" if name == "torch" else "mpi")
        self.rank = self.dist.get_rank() if ranks > 1 else 0

    def barrier(self):
        if self.ranks > 1:
            self.dist.barrier()

    def cnn(self):
        if self.name == OURS:
            from examples.models import CNN
            return CNN()
        nn = self.nn  # the same layers, in the same order, as examples.models.CNN
        return nn.Sequential(nn.Conv2d(1, 10, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6760, 300), nn.ReLU(),
                             nn.Linear(300, 10))

    def finish(self, **result):
        if self.rank == 0:
            print(json.dumps(result), flush=True)
        if self.ranks > 1:
            self.dist.destroy_process_group()


def _timed(call, repeats, engine):
    """Seconds of ``repeats`` calls, each started together on every rank (a barrier before each)."""
    times = []
    for _ in range(repeats):
        engine.barrier()
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def _sizes(quick):
    return [2 ** 20] if quick else [2 ** 20, 8 * 2 ** 20, 25 * 2 ** 20]


def allreduce_child(engine, quick):
    """Times of each path per buffer size; the paths take turns, so that load from elsewhere hits all alike."""
    repeats, warmup = (3, 1) if quick else (30, 3)
    sizes = _sizes(quick)
    paths = {}
    for size in sizes:
        if engine.name == "torch":
            paths[size] = {"times": _torch_allreduce(engine, size)}
        else:
            paths[size] = {"raw": _raw_allreduce(size), "ddp": _ddp_reduction(engine, size, False),
                           "views": _ddp_reduction(engine, size, True)}
    times = {name: [] for name in paths[sizes[0]]}
    for size in sizes:
        laps = {name: [] for name in paths[size]}
        for _ in range(warmup + repeats):
            for name, call in paths[size].items():
                laps[name] += _timed(call, 1, engine)
        for name, seconds in laps.items():
            times[name].append(seconds[warmup:])
    engine.finish(sizes=sizes, **times)


def _torch_allreduce(engine, size):
    buffer = engine.lib.ones(size // 4)
    return lambda: engine.dist.all_reduce(buffer)


def _raw_allreduce(size):
    from mpi4py import MPI
    comm, buffer = MPI.COMM_WORLD, np.ones(size // 4, np.float32)
    return lambda: comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)


def _ddp_reduction(engine, size, as_view):
    """One DDP gradient reduction of ``size`` bytes in one bucket, as backward drives it: every parameter's
    post-accumulate-grad hook in the order backward reaches them (no backward computation around it)."""
    lib, nn = engine.lib, engine.nn
    module = nn.ParameterList([nn.Parameter(lib.zeros(size // 4))])
    model = engine.DDP(module, bucket_cap_mb=size / 2 ** 20, gradient_as_bucket_view=as_view)
    for p in module.parameters():
        p.grad = lib.ones_like(p)

    def reduce():
        model._prepare_reduction(None)
        for p in reversed(model._params):
            model._grad_ready(p)
    return reduce


def step_child(engine, quick):
    lib, nn = engine.lib, engine.nn
    lib.manual_seed(0)
    model = engine.DDP(engine.cnn())
    opt = engine.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(engine.rank)
    x = lib.from_numpy(rng.random((100, 1, 28, 28), dtype=np.float32))
    y = lib.from_numpy(rng.integers(0, 10, 100))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    warmup, repeats = (1, 3) if quick else (3, 20)
    for _ in range(warmup):
        step()
    times = _timed(step, repeats, engine)
    if engine.name == "torch":
        return engine.finish(times=times)
    from autograd_core.arrays import to_numpy
    engine.finish(times=times, **_overlap(engine, model, loss_fn, x, y, opt, repeats, to_numpy))


def _overlap(engine, model, loss_fn, x, y, opt, repeats, to_host):
    """How much of the all-reduce backward hides. Exposed: from the moment the later rank starts waiting for
    its buckets (both ranks' backward done: the clocks are the machine's monotonic clock, shared by its
    processes) to the end of the wait; hidden = 1 - exposed / a blocking Allreduce of the same buckets.
    Also the window from the first bucket's launch to the wait, as a share of backward."""
    from mpi4py import MPI

    import nn.parallel.distributed as ddp
    comm = MPI.COMM_WORLD
    events = {"launch": [], "wait": []}
    launch = ddp._allreduce_async

    class Timed:
        def __init__(self, request):
            self.request = request

        def Wait(self):
            events["wait"].append(time.perf_counter())
            self.request.Wait()
            events["end"] = time.perf_counter()

    def timed_launch(buffer):
        events["launch"].append(time.perf_counter())
        return Timed(launch(buffer))
    ddp._allreduce_async = timed_launch
    exposed, windows, backwards = [], [], []
    try:
        for _ in range(repeats):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            events["launch"].clear(), events["wait"].clear()
            engine.barrier()
            start = time.perf_counter()
            loss.backward()
            backwards.append(time.perf_counter() - start)
            waiting = max(comm.allgather(events["wait"][0]))
            exposed.append(max(0.0, events["end"] - waiting))
            windows.append(events["wait"][0] - events["launch"][0])
    finally:
        ddp._allreduce_async = launch
    buffers = [to_host(b.buffer) for b in model._bucket_list]
    blocking = statistics.median(_timed(lambda: [comm.Allreduce(MPI.IN_PLACE, b, op=MPI.SUM) for b in buffers],
                                        repeats, engine))
    wait, backward = statistics.median(exposed), statistics.median(backwards)
    return dict(hidden=min(1.0, max(0.0, 1 - wait / blocking)), wait_ms=wait * 1e3, blocking_ms=blocking * 1e3,
                window=statistics.median(windows) / backward, backward_ms=backward * 1e3,
                buckets=[len(b.params) for b in model._bucket_list])


def epoch_child(engine, quick):
    lib, nn, data = engine.lib, engine.nn, engine.data
    images = 2000 if quick else 60000
    rng = np.random.default_rng(0)
    dataset = data.TensorDataset(lib.from_numpy(rng.random((images, 784), dtype=np.float32)),
                                 lib.from_numpy(rng.integers(0, 10, images)))
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 10))
    sampler = None
    if engine.ranks > 1:
        model = engine.DDP(model)
        sampler = data.DistributedSampler(dataset, num_replicas=engine.ranks, rank=engine.rank, seed=0)
    loader = data.DataLoader(dataset, batch_size=100, shuffle=sampler is None, sampler=sampler)
    opt = engine.optim.Adam(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for epoch in range(1 if quick else 3):  # the first epoch is the warm-up of a full run
        if sampler is not None:
            sampler.set_epoch(epoch)
        engine.barrier()
        start = time.perf_counter()
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
        engine.barrier()
        times.append(time.perf_counter() - start)
    engine.finish(times=times[1:] or times, images=images)


CHILDREN = {"allreduce": allreduce_child, "step": step_child, "epoch": epoch_child}


def child_main(argv=None):
    parser = argparse.ArgumentParser(prog=__name__, description="one rank of one measurement")
    parser.add_argument("task", choices=list(CHILDREN))
    parser.add_argument("engine", choices=list(RUNNERS))
    parser.add_argument("--ranks", type=int, default=RANKS)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    CHILDREN[args.task](Engine(args.engine, args.ranks), args.quick)

