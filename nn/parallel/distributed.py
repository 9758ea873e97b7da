"""DistributedDataParallel: the same model on every rank, gradients averaged over ranks during backward.

At construction rank 0's parameters and buffers are broadcast to every rank
(after a check that every rank holds the same architecture). Gradients are
grouped into buckets in reverse order of the parameters (the order backward
produces them, as PyTorch's heuristic has it): the first closes at 1 MiB, the
others at ``bucket_cap_mb``. As each gradient is accumulated (a
post-accumulate-grad hook on each parameter) it is copied, divided by the world
size, into its bucket; when a bucket is full its all-reduce starts,
non-blocking, so that communication overlaps the rest of backward; buckets
start in index order on every rank. When the last bucket has started, backward
waits for all of them and copies the averages back into each ``.grad``; with
``gradient_as_bucket_view=True`` each ``.grad`` becomes a view into its bucket
instead (after the first backward), which saves that copy and the memory.
``no_sync()`` accumulates locally; the next synchronised backward averages the
accumulated gradients.
"""
import contextlib

import numpy as np

import autograd_core as torch
from autograd_core import distributed as dist
from autograd_core.arrays import array_module, from_numpy, to_numpy

from ..modules.module import Module

__all__ = ["DistributedDataParallel"]


FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's first bucket (dist._DEFAULT_FIRST_BUCKET_BYTES): it starts early


class _Bucket:
    """Parameters whose gradients travel in one all-reduce, and the flat buffer (one view per gradient)."""

    def __init__(self, params):
        self.params = params
        xp = array_module(params[0].array)
        self.buffer = xp.zeros(sum(p.numel() for p in params), dtype=params[0].array.dtype)
        stops = np.cumsum([p.numel() for p in params])
        self.views = [self.buffer[stop - p.numel():stop].reshape(p.shape) for p, stop in zip(params, stops)]
        self.ready = 0
        self.work = self.host = None  # the started all-reduce, and the host array MPI reduces

    def add(self, index, world_size, as_view):
        """Put parameter ``index``'s gradient, divided by ``world_size``, into the bucket; with ``as_view``
        the gradient becomes (or stays) its view into the bucket."""
        p, view = self.params[index], self.views[index]
        grad = p.grad.array
        if grad is view:
            view /= world_size
            return
        array_module(view).divide(grad, world_size, out=view)
        if as_view:
            p.grad = torch.as_tensor(view)

    def start(self):
        """The all-reduce (a sum of the divided gradients: their average), without blocking."""
        self.host = to_numpy(self.buffer)
        self.work = _allreduce_async(self.host)

    def finish(self, as_view):
        """Wait for the all-reduce; then the averages are in the bucket, and in each ``.grad``."""
        self.work.Wait()
        self.work = None
        if self.host is not self.buffer:  # a device buffer: MPI reduced its host copy
            self.buffer[...] = from_numpy(self.host, like=self.buffer)
        if not as_view:
            for p, view in zip(self.params, self.views):
                p.grad.array[...] = view


def _buckets(params, cap_bytes, first_cap_bytes=FIRST_BUCKET_BYTES):
    """``params`` (in reverse order) grouped into buckets of one dtype each: a bucket closes once it holds
    ``cap_bytes`` (``first_cap_bytes`` for the first), as PyTorch's do, or where the dtype changes."""
    buckets, current, size = [], [], 0
    for p in reversed(params):
        if current and p.dtype != current[0].dtype:
            buckets.append(_Bucket(current))
            current, size = [], 0
        current.append(p)
        size += p.numel() * p.element_size()
        if size >= (first_cap_bytes if not buckets else cap_bytes):
            buckets.append(_Bucket(current))
            current, size = [], 0
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
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self._world_size = dist.get_world_size()
        self._check_same_model()
        with torch.no_grad():
            for t in [*module.parameters(), *module.buffers()]:
                dist.broadcast(t, src=0)
        self._params = params
        self._bucket_list = _buckets(params, int(bucket_cap_mb * 1024 * 1024))
        self._bucket_of = {id(p): (b, i) for b in self._bucket_list for i, p in enumerate(b.params)}
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
        bucket, index = self._bucket_of[id(param)]
        bucket.add(index, self._world_size, self.gradient_as_bucket_view)
        bucket.ready += 1
        while self._next < len(self._bucket_list) and \
                self._bucket_list[self._next].ready == len(self._bucket_list[self._next].params):
            self._bucket_list[self._next].start()
            self._next += 1
        if self._next == len(self._bucket_list):
            for b in self._bucket_list:
                b.finish(self.gradient_as_bucket_view)
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
