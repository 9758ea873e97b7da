"""DistributedDataParallel: the same model on every rank, gradients averaged over ranks during backward.

At construction rank 0's parameters and buffers are broadcast to every rank
(after a check that every rank holds the same architecture). Gradients are
packed into buckets of about ``bucket_cap_mb`` in reverse order of the
parameters (the order backward produces them, as PyTorch's heuristic has it);
when the last gradient of a bucket has been accumulated (a post-accumulate-grad
hook on each parameter) the bucket's all-reduce starts, non-blocking, so that
communication overlaps the rest of backward; buckets start in index order on
every rank. When the last bucket has started, backward waits for all of them
and writes the averages back into each ``.grad`` (plain arrays, in place).
``no_sync()`` accumulates locally; the next synchronised backward averages the
accumulated gradients.
"""
import contextlib

import numpy as np

import autograd_core as torch
from autograd_core import distributed as dist
from autograd_core.arrays import from_numpy, to_numpy

from ..modules.module import Module

__all__ = ["DistributedDataParallel"]


class _Bucket:
    """Parameters whose gradients travel in one all-reduce, and the flat buffer they travel in."""

    def __init__(self, params):
        self.params = params
        sizes = [p.numel() for p in params]
        self.offsets = np.cumsum([0] + sizes)
        self.buffer = np.empty(int(self.offsets[-1]), dtype=to_numpy(params[0].array).dtype)
        self.ready = 0
        self.work = None

    def pack(self):
        for p, start, stop in zip(self.params, self.offsets[:-1], self.offsets[1:]):
            self.buffer[start:stop] = to_numpy(p.grad.array).reshape(-1)

    def unpack(self, world_size):
        self.buffer /= world_size
        for p, start, stop in zip(self.params, self.offsets[:-1], self.offsets[1:]):
            p.grad.array[...] = from_numpy(self.buffer[start:stop].reshape(p.grad.array.shape))


def _buckets(params, cap_bytes):
    """``params`` (in reverse order) grouped into buckets of at most ``cap_bytes`` and one dtype each."""
    buckets, current, size = [], [], 0
    for p in reversed(params):
        nbytes = p.numel() * p.element_size()
        if current and (size + nbytes > cap_bytes or p.dtype != current[0].dtype):
            buckets.append(_Bucket(current))
            current, size = [], 0
        current.append(p)
        size += nbytes
    if current:
        buckets.append(_Bucket(current))
    return buckets


class DistributedDataParallel(Module):
    """``module`` replicated on every rank of the process group; ``.grad`` averaged across ranks in backward."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=25, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not dist.is_initialized():
            raise RuntimeError("DistributedDataParallel: Default process group has not been initialized, please "
                               "make sure to call init_process_group.")
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self._world_size = dist.get_world_size()
        self._check_same_model()
        with torch.no_grad():
            for t in [*module.parameters(), *module.buffers()]:
                dist.broadcast(t, src=0)
        self._params = params
        self._bucket_list = _buckets(params, int(bucket_cap_mb * 1024 * 1024))
        self._bucket_of = {id(p): b for b in self._bucket_list for p in b.params}
        self._syncing = True
        self._pending = False  # a backward has started reducing but not finished
        self._handles = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in params]

    def _check_same_model(self):
        """Every rank must hold the same parameter and buffer names, shapes and dtypes (a cheap comparison)."""
        layout = [(name, tuple(t.shape), str(t.dtype)) for name, t in
                  (*self.module.named_parameters(), *self.module.named_buffers())]
        layouts = [None] * self._world_size
        dist.all_gather_object(layouts, layout)
        for rank, other in enumerate(layouts):
            if other != layouts[0]:
                first = next((a, b) for a, b in zip(layouts[0] + [None], other + [None]) if a != b)
                raise RuntimeError(f"DistributedDataParallel: the model differs across ranks: rank 0 has "
                                   f"{first[0]}, rank {rank} has {first[1]}")

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally; the first backward after it averages them."""
        previous, self._syncing = self._syncing, False
        try:
            yield
        finally:
            self._syncing = previous

    def forward(self, *inputs, **kwargs):
        if self._pending:
            raise RuntimeError("Expected to have finished reduction in the prior iteration before starting a new "
                               "one. This error indicates that your module has parameters that were not used in "
                               "producing loss. You can enable unused parameter detection by passing the keyword "
                               "argument `find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`")
        if self._syncing and self.broadcast_buffers and self._world_size > 1:
            with torch.no_grad():
                for b in self.module.buffers():
                    dist.broadcast(b, src=0)
        output = self.module(*inputs, **kwargs)
        if self._syncing:
            self._prepare_reduction(output)
        return output

    def _prepare_reduction(self, output):
        """Reset the buckets for this backward; with find_unused_parameters, count unreached ones as ready."""
        for bucket in self._bucket_list:
            bucket.ready, bucket.work = 0, None
        self._next = 0
        self._unused = set()
        if self.find_unused_parameters:
            reached = _parameters_reached(output)
            self._unused = {id(p) for p in self._params if id(p) not in reached}
            for p in self._params:
                if id(p) in self._unused:
                    if p.grad is None:
                        p.grad = torch.zeros_like(p)
                    self._mark_ready(p)

    def _grad_ready(self, param):
        if not self._syncing or id(param) in self._unused:
            return
        self._mark_ready(param)

    def _mark_ready(self, param):
        self._pending = True
        bucket = self._bucket_of[id(param)]
        bucket.ready += 1
        while self._next < len(self._bucket_list) and \
                self._bucket_list[self._next].ready == len(self._bucket_list[self._next].params):
            started = self._bucket_list[self._next]
            started.pack()
            started.work = _allreduce_async(started.buffer)
            self._next += 1
        if self._next == len(self._bucket_list):
            for b in self._bucket_list:
                b.work.Wait()
                b.unpack(self._world_size)
            self._pending = False
            self._next = 0
            for b in self._bucket_list:
                b.ready = 0



def _allreduce_async(buffer):
    """Start the sum of ``buffer`` over ranks in place (MPI's non-blocking all-reduce on a flat host array)."""
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    return comm.Iallreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)


def _parameters_reached(output):
    """The ids of the leaf tensors the graph of ``output`` reaches."""
    roots = [t for t in (output if isinstance(output, (tuple, list)) else (output,)) if isinstance(t, torch.Tensor)]
    seen, stack, leaves = set(), [t.grad_fn for t in roots if t.grad_fn is not None], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if variable is not None:
            leaves.add(id(variable))
        stack.extend(n for n, _ in node.next_functions if n is not None)
    return leaves
