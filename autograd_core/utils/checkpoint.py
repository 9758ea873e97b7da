"""``torch.utils.checkpoint``: trade compute for memory by running a segment's forward again in backward.

``checkpoint(function, *args, use_reentrant=...)`` keeps only the segment's
inputs between forward and backward:

* ``use_reentrant=True`` runs ``function`` without recording, and its node's
  backward runs it again with grad enabled and backpropagates through that
  (parameters inside get their ``.grad`` from this inner backward);
* ``use_reentrant=False`` records ``function`` as usual but under saved-tensor
  hooks that keep a number instead of each saved value; the first value that
  backward reads reruns ``function`` once and hands out what it saved.

``preserve_rng_state=True`` (the default) replays the random numbers of the
first run in the second (dropout masks match). With ``use_reentrant=False``,
``context_fn()`` gives the two context managers the first run and the rerun
are made in, and ``determinism_check="default"`` compares the shapes and dtypes
of the recomputed values with the first run's. ``debug`` is accepted (no op
trace is printed) and the rerun always runs to its end (``early_stop`` changes
no number).
"""
import contextlib
import warnings

from ..autograd.graph import saved_tensors_hooks
from ..engine import backward
from ..function import Function
from ..grad_mode import enable_grad, no_grad
from ..random import get_rng_state, set_rng_state
from ..tensor import Tensor

__all__ = ["CheckpointError", "checkpoint", "checkpoint_sequential", "noop_context_fn"]

_PASS_USE_REENTRANT = ("the use_reentrant parameter should be passed explicitly. Starting in PyTorch 2.9, calling "
                       "checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
                       "recommended, but if you need to preserve the current default behavior, you can pass "
                       "use_reentrant=True. Refer to docs for more details on the differences between the two "
                       "variants.")


class CheckpointError(RuntimeError):
    """The rerun of a checkpointed function did not save what its first run saved."""


def noop_context_fn():
    """The default ``context_fn``: no context around either run."""
    return contextlib.nullcontext(), contextlib.nullcontext()


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check="default",
               debug=False, early_stop=True, **kwargs):
    """``function(*args, **kwargs)``, its intermediate values recomputed in backward instead of kept."""
    if use_reentrant is None:
        warnings.warn(f"torch.utils.checkpoint: {_PASS_USE_REENTRANT}", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        return _Checkpoint.apply(function, preserve, *args)
    if debug and context_fn is not noop_context_fn:
        raise ValueError("debug=True is incompatible with non-default context_fn")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    frame = _Recomputation(function, preserve, args, kwargs, context_fn, determinism_check == "default")
    return frame.first_run()


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (a list or ``nn.Sequential``) in ``segments`` chunks, checkpointing all but the last."""
    if use_reentrant is None:
        warnings.warn(f"torch.utils.checkpoint.checkpoint_sequential: {_PASS_USE_REENTRANT}", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children"):
        functions = list(functions.children())
    size = len(functions) // segments
    end = 0
    for start in range(0, size * (segments - 1), size):
        end = start + size
        input = checkpoint(_chain(functions[start:end]), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return _chain(functions[end:])(input)


def _chain(functions):
    def run(x):
        for f in functions:
            x = f(x)
        return x
    return run


class _RandomReplay:
    """Restores the random state captured at construction for a block, then puts the current one back."""

    def __init__(self, enabled):
        self.state = get_rng_state() if enabled else None

    def __enter__(self):
        if self.state is not None:
            self.current = get_rng_state()
            set_rng_state(self.state)

    def __exit__(self, *exc):
        if self.state is not None:
            set_rng_state(self.current)


def _fresh_inputs(args):
    """The arguments for the second run: tensors detached, requiring grad as the originals did."""
    return [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a for a in args]


class _Checkpoint(Function):
    """``use_reentrant=True``: the node whose backward reruns the function (``CheckpointFunctionBackward``)."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None")
        ctx.run_function, ctx.replay = run_function, _RandomReplay(preserve_rng_state)
        ctx.arguments = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        tensors = iter(ctx.saved_tensors)
        inputs = _fresh_inputs([next(tensors) if a is None else a for a in ctx.arguments])
        with ctx.replay, enable_grad():
            outputs = ctx.run_function(*inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(a.grad if isinstance(a, Tensor) else None for a in inputs)

    def name(self):
        return "CheckpointFunctionBackward"


class _Recomputation:
    """``use_reentrant=False``: numbers stand for the saved values until backward first needs one."""

    def __init__(self, function, preserve_rng_state, args, kwargs, context_fn, check_metadata):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.replay = _RandomReplay(preserve_rng_state)
        self.first_context, self.rerun_context = context_fn()
        self.check_metadata = check_metadata
        self.metadata, self.values = [], None

    def first_run(self):
        with self.first_context, saved_tensors_hooks(self.pack, self.unpack):
            return self.function(*self.args, **self.kwargs)

    def pack(self, tensor):
        self.metadata.append(_metadata(tensor) if self.check_metadata else None)
        return len(self.metadata) - 1

    def unpack(self, index):
        if self.values is None:
            self.values = self._rerun()
        return self.values[index]

    def _rerun(self):
        values = []
        with self.replay, enable_grad(), self.rerun_context, \
                saved_tensors_hooks(lambda t: values.append(t) or t, lambda t: t):
            self.function(*_fresh_inputs(self.args), **self.kwargs)
        if len(values) != len(self.metadata):
            raise CheckpointError(f"torch.utils.checkpoint: the recomputed forward saved {len(values)} tensors for "
                                  f"backward where the first run saved {len(self.metadata)}; the function must "
                                  "run the same ops both times")
        different = [f"tensor at position {i}:\nsaved metadata: {saved}\nrecomputed metadata: {_metadata(v)}\n"
                     for i, (saved, v) in enumerate(zip(self.metadata, values))
                     if saved is not None and saved != _metadata(v)]
        if different:
            raise CheckpointError("torch.utils.checkpoint: Recomputed values for the following tensors have "
                                  f"different metadata than during the forward pass.\n{''.join(different)}.")
        return values


def _metadata(tensor):
    return {"shape": tensor.shape, "dtype": tensor.dtype, "device": tensor.device}
