"""``torch.distributed`` on MPI: process groups, collectives on tensors, in place as PyTorch's.

Built on mpi4py (``pip install -e ".[distributed]"`` installs it with the
``mpich`` wheel). Start the processes with ``mpiexec -n 2 python script.py``
or ``python -m autograd_core.distributed.run --nproc-per-node 2 script.py``;
``init_process_group()`` then joins MPI's world. Collectives take and fill
tensors (their arrays go to MPI as buffers, without copies where they are
contiguous); ``async_op=True`` starts MPI's non-blocking collective and
returns a :class:`Work` to ``wait()`` on. Before each collective the ranks
compare the shape and dtype they pass (one small allgather), so a mismatch is
an error naming the ranks instead of a hang or garbage. An uncaught exception
in any rank aborts the whole job (MPI_Abort), naming the rank, so that no rank
waits forever for a dead one.
"""
import enum
import os
import sys
import traceback

import numpy as np

from ..dtypes import is_differentiable
from ..arrays import from_numpy, to_numpy
from ..tensor import Tensor

__all__ = ["is_available", "is_initialized", "init_process_group", "destroy_process_group", "get_rank",
           "get_world_size", "get_backend", "barrier", "broadcast", "all_reduce", "reduce", "all_gather",
           "all_gather_object", "broadcast_object_list", "gather", "scatter", "reduce_scatter", "ReduceOp",
           "Work", "GroupMember"]

_INSTALL = 'pip install -e ".[distributed]" (mpi4py and the mpich wheel)'


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise RuntimeError(f"autograd_core.distributed needs mpi4py and an MPI library: {_INSTALL} ({exc})") from None
    return MPI


def is_available():
    """Whether mpi4py and an MPI library can be imported."""
    try:
        _mpi()
    except RuntimeError:
        return False
    return True


class ReduceOp(enum.Enum):
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


class GroupMember:
    WORLD = None  # the only group: every rank (new_group is not provided)


class _World:
    comm = None
    backend = None


def is_initialized():
    return _World.comm is not None


def _comm(op):
    if _World.comm is None:
        raise RuntimeError(f"{op}: Default process group has not been initialized, please make sure to call "
                           "init_process_group.")
    return _World.comm


def init_process_group(backend="mpi", init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the MPI world of the processes ``mpiexec`` started.

    ``backend`` "mpi" (PyTorch CPU scripts' "gloo" runs on MPI too); ``world_size``
    and ``rank``, when given (or set in the environment by a launcher as
    ``WORLD_SIZE``/``RANK``), must be MPI's.
    """
    if backend not in (None, "mpi", "gloo"):
        raise ValueError(f"init_process_group: backend {backend!r} is not available here; use 'mpi' (or 'gloo', "
                         "which runs on MPI)")
    if _World.comm is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    MPI = _mpi()
    comm = MPI.COMM_WORLD
    for name, given, actual in (("world_size", world_size, comm.size), ("rank", rank, comm.rank),
                                ("WORLD_SIZE", int(os.environ.get("WORLD_SIZE", "-1")), comm.size),
                                ("RANK", int(os.environ.get("RANK", "-1")), comm.rank)):
        if given != -1 and given != actual:
            raise RuntimeError(f"init_process_group: {name}={given}, but MPI started this process as rank "
                               f"{comm.rank} of {comm.size}; start the job with mpiexec -n N or "
                               "python -m autograd_core.distributed.run")
    _World.comm, _World.backend = comm, "mpi"
    local = comm.Split_type(MPI.COMM_TYPE_SHARED)
    os.environ.update(RANK=str(comm.rank), WORLD_SIZE=str(comm.size), LOCAL_RANK=str(local.rank),
                      LOCAL_WORLD_SIZE=str(local.size))
    local.Free()
    _abort_all_on_uncaught_exception(comm)


def _abort_all_on_uncaught_exception(comm):
    previous = sys.excepthook

    def abort(kind, value, trace):
        header = f"[rank {comm.rank}] uncaught {kind.__name__}: aborting all {comm.size} ranks\n"
        if previous is sys.__excepthook__:  # one write: MPI_Abort may cut the launcher's forwarding of a later one
            sys.stderr.write(header + "".join(traceback.format_exception(kind, value, trace)))
        else:
            sys.stderr.write(header)
            previous(kind, value, trace)
        sys.stderr.flush()
        comm.Abort(1)
    sys.excepthook = abort


def destroy_process_group(group=None):
    _comm("destroy_process_group")
    _World.comm = _World.backend = None


def get_rank(group=None):
    return _comm("get_rank").rank


def get_world_size(group=None):
    return _comm("get_world_size").size


def get_backend(group=None):
    _comm("get_backend")
    return _World.backend


class Work:
    """A started collective: ``wait()`` finishes it (and copies its result into the tensors)."""

    def __init__(self, request=None, finish=None):
        self._request, self._finish, self._done = request, finish, request is None

    def wait(self, timeout=None):
        if not self._done:
            self._request.Wait()
            self._done = True
            if self._finish is not None:
                self._finish()
        return True

    def is_completed(self):
        if not self._done and self._request.Test():
            self.wait()
        return self._done


def _buffer(op, tensor):
    """The host array of ``tensor`` MPI reads and writes: its own when contiguous, else a copy to write back."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")
    array = to_numpy(tensor.array)
    return array if array.flags.c_contiguous and array.flags.writeable else np.ascontiguousarray(array)


def _write_back(tensor, array):
    """Put ``array`` (the collective's result) into ``tensor`` if MPI did not write into its own memory."""
    if to_numpy(tensor.array) is not array:
        tensor.array[...] = from_numpy(array.reshape(tensor.array.shape))


def _check_same(op, comm, array, what="tensor"):
    """Every rank passes the same shape and dtype, or every rank raises an error naming the ranks that differ."""
    signatures = comm.allgather((tuple(array.shape), array.dtype.str))
    if any(s != signatures[0] for s in signatures):
        listed = ", ".join(f"rank {r}: shape {list(s[0])} {np.dtype(s[1])}" for r, s in enumerate(signatures))
        raise RuntimeError(f"{op}: the ranks passed {what}s of different shapes or dtypes ({listed})")


def _mpi_op(op, reduce_op):
    MPI = _mpi()
    if not isinstance(reduce_op, ReduceOp):
        raise TypeError(f"{op}: op must be a ReduceOp, got {reduce_op!r}")
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
            ReduceOp.MAX: MPI.MAX}[reduce_op]


def _check_average(op, reduce_op, array):
    if reduce_op is ReduceOp.AVG and not is_differentiable(array.dtype):
        raise TypeError(f"{op}: ReduceOp.AVG needs a floating point tensor, got {array.dtype}")


def _averaged(array, reduce_op, size):
    if reduce_op is ReduceOp.AVG:
        array /= size


def _blocking(call, finish):
    call()
    finish()


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across ranks in place: every rank ends with the result."""
    comm = _comm("all_reduce")
    mpi_op = _mpi_op("all_reduce", op)
    array = _buffer("all_reduce", tensor)
    _check_average("all_reduce", op, array)
    _check_same("all_reduce", comm, array)
    in_place = _mpi().IN_PLACE

    def finish():
        _averaged(array, op, comm.size)
        _write_back(tensor, array)
    if async_op:
        return Work(comm.Iallreduce(in_place, array, op=mpi_op), finish)
    _blocking(lambda: comm.Allreduce(in_place, array, op=mpi_op), finish)


def broadcast(tensor, src, group=None, async_op=False):
    """Copy ``tensor`` of rank ``src`` into ``tensor`` of every rank."""
    comm = _comm("broadcast")
    _check_rank("broadcast", "src", src, comm)
    array = _buffer("broadcast", tensor)
    _check_same("broadcast", comm, array)

    def finish():
        _write_back(tensor, array)
    if async_op:
        return Work(comm.Ibcast(array, root=src), finish)
    _blocking(lambda: comm.Bcast(array, root=src), finish)


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across ranks into ``tensor`` of rank ``dst`` (the others keep theirs)."""
    comm = _comm("reduce")
    _check_rank("reduce", "dst", dst, comm)
    mpi_op = _mpi_op("reduce", op)
    array = _buffer("reduce", tensor)
    _check_average("reduce", op, array)
    _check_same("reduce", comm, array)
    MPI = _mpi()
    send = MPI.IN_PLACE if comm.rank == dst else array

    def finish():
        if comm.rank == dst:
            _averaged(array, op, comm.size)
            _write_back(tensor, array)
    if async_op:
        return Work(comm.Ireduce(send, array if comm.rank == dst else None, op=mpi_op, root=dst), finish)
    _blocking(lambda: comm.Reduce(send, array if comm.rank == dst else None, op=mpi_op, root=dst), finish)


def _check_rank(op, name, rank, comm):
    if not isinstance(rank, int) or not 0 <= rank < comm.size:
        raise ValueError(f"{op}: {name}={rank!r} is not a rank of this group of {comm.size}")


def _check_list(op, name, tensors, count, like):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != count:
        raise ValueError(f"{op}: {name} must be a list of {count} tensors (one per rank), got "
                         f"{type(tensors).__name__} of length {len(tensors) if hasattr(tensors, '__len__') else '?'}")
    for t in tensors:
        if not isinstance(t, Tensor) or t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(f"{op}: every tensor of {name} must be a {like.dtype} tensor of shape {list(like.shape)}")


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank r's ``tensor``, on every rank."""
    comm = _comm("all_gather")
    array = _buffer("all_gather", tensor)
    _check_list("all_gather", "tensor_list", tensor_list, comm.size, tensor)
    _check_same("all_gather", comm, array)
    out = np.empty((comm.size,) + array.shape, array.dtype)

    def finish():
        for target, piece in zip(tensor_list, out):
            target.array[...] = from_numpy(piece)
    if async_op:
        return Work(comm.Iallgather(array, out), finish)
    _blocking(lambda: comm.Allgather(array, out), finish)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """Fill ``gather_list[r]`` of rank ``dst`` with rank r's ``tensor``."""
    comm = _comm("gather")
    _check_rank("gather", "dst", dst, comm)
    array = _buffer("gather", tensor)
    if comm.rank == dst:
        _check_list("gather", "gather_list", gather_list, comm.size, tensor)
    _check_same("gather", comm, array)
    out = np.empty((comm.size,) + array.shape, array.dtype) if comm.rank == dst else None

    def finish():
        if out is not None:
            for target, piece in zip(gather_list, out):
                target.array[...] = from_numpy(piece)
    if async_op:
        return Work(comm.Igather(array, out, root=dst), finish)
    _blocking(lambda: comm.Gather(array, out, root=dst), finish)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """Fill ``tensor`` of rank r with ``scatter_list[r]`` of rank ``src``."""
    comm = _comm("scatter")
    _check_rank("scatter", "src", src, comm)
    array = _buffer("scatter", tensor)
    send = None
    if comm.rank == src:
        _check_list("scatter", "scatter_list", scatter_list, comm.size, tensor)
        send = np.stack([to_numpy(t.array) for t in scatter_list])
    _check_same("scatter", comm, array)

    def finish():
        _write_back(tensor, array)
    if async_op:
        return Work(comm.Iscatter(send, array, root=src), finish)
    _blocking(lambda: comm.Scatter(send, array, root=src), finish)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """``output`` of rank r = the reduction over ranks of their ``input_list[r]``."""
    comm = _comm("reduce_scatter")
    mpi_op = _mpi_op("reduce_scatter", op)
    array = _buffer("reduce_scatter", output)
    _check_average("reduce_scatter", op, array)
    _check_list("reduce_scatter", "input_list", input_list, comm.size, output)
    _check_same("reduce_scatter", comm, array)
    send = np.stack([to_numpy(t.array) for t in input_list])

    def finish():
        _averaged(array, op, comm.size)
        _write_back(output, array)
    if async_op:
        return Work(comm.Ireduce_scatter_block(send, array, op=mpi_op), finish)
    _blocking(lambda: comm.Reduce_scatter_block(send, array, op=mpi_op), finish)


def barrier(group=None, async_op=False, device_ids=None):
    comm = _comm("barrier")
    if async_op:
        return Work(comm.Ibarrier())
    comm.Barrier()


def all_gather_object(object_list, obj, group=None):
    """``object_list[r]`` = rank r's ``obj`` (pickled: objects come from the job's own ranks)."""
    comm = _comm("all_gather_object")
    if not isinstance(object_list, list) or len(object_list) != comm.size:
        raise ValueError(f"all_gather_object: object_list must be a list of {comm.size} entries (one per rank)")
    object_list[:] = comm.allgather(obj)


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """Replace ``object_list``'s entries on every rank with those of rank ``src``."""
    comm = _comm("broadcast_object_list")
    _check_rank("broadcast_object_list", "src", src, comm)
    received = comm.bcast(list(object_list) if comm.rank == src else None, root=src)
    if len(received) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(received)} objects into a list of "
                         f"{len(object_list)} on rank {comm.rank}")
    object_list[:] = received
