"""What tests/test_distributed.py runs under ``mpiexec -n 2``: ``python tests/distributed/worker.py CASE [OUT]``.

Each case writes one JSON report per rank (``{"rank": r, ...}``) to ``OUT/rank<r>.json`` that the test reads.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

import autograd_core as torch  # noqa: E402
import autograd_core.distributed as dist  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402
from autograd_core.utils.data import DistributedSampler  # noqa: E402


def report(**values):
    out = Path(sys.argv[2])
    (out / f"rank{dist.get_rank()}.json").write_text(json.dumps({"rank": dist.get_rank(), **values}))


def values_of(rank, dtype, shape=(3,)):
    return (np.arange(np.prod(shape)).reshape(shape) + 1 + rank).astype(dtype)


def collectives():
    rank, size = dist.get_rank(), dist.get_world_size()
    failures = []

    def check(name, got, want):
        if not np.array_equal(np.asarray(got), np.asarray(want)):
            failures.append(f"{name}: got {np.asarray(got).tolist()}, want {np.asarray(want).tolist()}")
    every = [values_of(r, np.float64) for r in range(size)]
    reference = {dist.ReduceOp.SUM: np.sum, dist.ReduceOp.PRODUCT: np.prod, dist.ReduceOp.MIN: np.min,
                 dist.ReduceOp.MAX: np.max, dist.ReduceOp.AVG: np.mean}
    for dtype in (np.float32, np.float64, np.int64):
        for op, func in reference.items():
            if op is dist.ReduceOp.AVG and dtype is np.int64:
                continue
            for async_op in (False, True):
                t = torch.from_numpy(values_of(rank, dtype))
                work = dist.all_reduce(t, op=op, async_op=async_op)
                if async_op:
                    work.wait()
                    check("is_completed", work.is_completed(), True)
                want = func(np.stack([values_of(r, dtype) for r in range(size)]), axis=0).astype(dtype)
                check(f"all_reduce {op.name} {np.dtype(dtype)} async={async_op}", t.numpy(), want)
                if t.dtype != torch.from_numpy(want).dtype:
                    failures.append(f"all_reduce changed the dtype to {t.dtype}")
            t = torch.from_numpy(values_of(rank, dtype))
            dist.reduce(t, dst=1, op=op)
            want = func(np.stack([values_of(r, dtype) for r in range(size)]), axis=0).astype(dtype)
            check(f"reduce {op.name} {np.dtype(dtype)}", t.numpy(), want if rank == 1 else values_of(rank, dtype))
    t = torch.from_numpy(values_of(rank, np.float32))
    dist.broadcast(t, src=1)
    check("broadcast", t.numpy(), values_of(1, np.float32))
    t = torch.from_numpy(values_of(rank, np.float32)).t()  # a non-contiguous tensor is written back
    t = torch.from_numpy(values_of(rank, np.float32, (2, 3))).t()
    dist.broadcast(t, src=0)
    check("broadcast of a transposed tensor", t.numpy(), values_of(0, np.float32, (2, 3)).T)
    gathered = [torch.zeros(3, dtype=torch.int64) for _ in range(size)]
    dist.all_gather(gathered, torch.from_numpy(values_of(rank, np.int64)))
    check("all_gather", np.stack([g.numpy() for g in gathered]), np.stack([values_of(r, np.int64) for r in range(size)]))
    gathered = [torch.zeros(3, dtype=torch.float64) for _ in range(size)] if rank == 0 else None
    dist.gather(torch.from_numpy(every[rank]), gathered, dst=0)
    if rank == 0:
        check("gather", np.stack([g.numpy() for g in gathered]), np.stack(every))
    out = torch.zeros(3, dtype=torch.float64)
    dist.scatter(out, [torch.from_numpy(v * 10) for v in every] if rank == 1 else None, src=1)
    check("scatter", out.numpy(), every[rank] * 10)
    out = torch.zeros(3, dtype=torch.float64)
    dist.reduce_scatter(out, [torch.from_numpy(v + rank) for v in every])
    check("reduce_scatter", out.numpy(), size * every[rank] + sum(range(size)))
    objects = [None] * size
    dist.all_gather_object(objects, {"rank": rank})
    check("all_gather_object", [o["rank"] for o in objects], list(range(size)))
    listed = [rank, "x"] if rank == 0 else [None, None]
    dist.broadcast_object_list(listed, src=0)
    check("broadcast_object_list", listed == [0, "x"], True)
    dist.barrier()
    dist.barrier(async_op=True).wait()
    try:
        dist.all_reduce(torch.zeros(2 + rank))
        failures.append("mismatched shapes did not raise")
    except RuntimeError as exc:
        mismatch = str(exc)
    report(failures=failures, mismatch=mismatch)


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 10))


def _batches(steps, batch):
    rng = np.random.default_rng(0)
    return [(torch.from_numpy(rng.standard_normal((batch, 784)).astype(np.float32)),
             torch.from_numpy(rng.integers(0, 10, batch))) for _ in range(steps)]


def equivalence(accumulate, as_view=False):
    """20 steps of 2 ranks x 50 (micro-batches of 25 under no_sync when ``accumulate``) vs one process x 100;
    ``as_view``: with gradient_as_bucket_view, whose grads must end as views into the buckets."""
    rank, size = dist.get_rank(), dist.get_world_size()
    data = _batches(20, 100)
    single = _mlp()
    opt = optim.SGD(single.parameters(), lr=0.1, momentum=0.9)
    for x, y in data:
        opt.zero_grad()
        if accumulate:  # the same micro-batches, accumulated in one process
            for half in (slice(0, 50), slice(50, 100)):
                F.cross_entropy(single(x[half]), y[half]).backward()
        else:
            F.cross_entropy(single(x), y).backward()
        opt.step()
    model = nn.parallel.DistributedDataParallel(_mlp(), gradient_as_bucket_view=as_view)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    per_rank = 100 // size
    for x, y in data:
        opt.zero_grad()
        if accumulate:
            micro = per_rank // 2
            first = slice(rank * micro, (rank + 1) * micro)
            second = slice(50 + rank * micro, 50 + (rank + 1) * micro)
            with model.no_sync():
                F.cross_entropy(model(x[first]), y[first]).backward()
            F.cross_entropy(model(x[second]), y[second]).backward()
        else:
            part = slice(rank * per_rank, (rank + 1) * per_rank)
            F.cross_entropy(model(x[part]), y[part]).backward()
        opt.step()
    difference = max(float(np.abs(a.detach().numpy() - b.detach().numpy()).max())
                     for a, b in zip(single.parameters(), model.module.parameters()))
    views = [any(np.shares_memory(p.grad.numpy(), b.buffer) for b in model._bucket_list)
             for p in model.module.parameters()]
    report(difference=difference, keys=list(model.state_dict())[:2], buckets=len(model._bucket_list), views=views)


def ddp_errors():
    messages = {}
    for name, build in (("no parameters", lambda: nn.ReLU()),
                        ("differs", lambda: nn.Linear(3, 2 + dist.get_rank()))):
        try:
            nn.parallel.DistributedDataParallel(build())
            messages[name] = None
        except RuntimeError as exc:
            messages[name] = str(exc)
    model = nn.parallel.DistributedDataParallel(nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.Linear(2, 2)}))
    model.module.forward = lambda x: model.module["a"](x)
    model(torch.ones(1, 2)).sum().backward()
    try:
        model(torch.ones(1, 2))
        messages["unused"] = None
    except RuntimeError as exc:
        messages["unused"] = str(exc)
    found = nn.parallel.DistributedDataParallel(nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.Linear(2, 2)}),
                                                find_unused_parameters=True)
    found.module.forward = lambda x: found.module["a"](x * (dist.get_rank() + 1))
    for _ in range(2):
        found(torch.ones(1, 2)).sum().backward()
    messages["found grad"] = found.module["a"].weight.grad.numpy().tolist()
    report(messages=messages)


def sampler():
    dataset = list(range(23))
    orders = {}
    for shuffle in (False, True):
        s = DistributedSampler(dataset, num_replicas=dist.get_world_size(), rank=dist.get_rank(), shuffle=shuffle,
                               seed=3)
        s.set_epoch(2)
        orders[str(shuffle)] = list(s)
    report(orders=orders)


def failure():
    dist.barrier()
    if dist.get_rank() == 1:
        raise ValueError("rank 1 fails on purpose")
    dist.barrier()  # rank 0 would wait here forever without the abort


CASES = {"collectives": collectives, "equivalence": lambda: equivalence(False),
         "equivalence-no-sync": lambda: equivalence(True), "equivalence-bucket-view": lambda: equivalence(False, True),
         "equivalence-no-sync-bucket-view": lambda: equivalence(True, True), "ddp-errors": ddp_errors, "sampler": sampler,
         "failure": failure}

if __name__ == "__main__":
    dist.init_process_group("mpi")
    CASES[sys.argv[1]]()
    dist.destroy_process_group()
