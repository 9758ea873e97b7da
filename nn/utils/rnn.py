"""Variable-length sequence batches (torch.nn.utils.rnn): padding, packing and PackedSequence.

A packed batch keeps only the real time steps: ``data`` holds, time step by
time step, the rows of the sequences still running (longest first), and
``batch_sizes[t]`` says how many there are at step ``t``. ``sorted_indices``
(the batch order by decreasing length) and ``unsorted_indices`` (its inverse)
are set when the batch was not given sorted. The recurrent layers accept a
PackedSequence and return one.
"""
import collections
from collections.abc import Iterable

import numpy as np

import autograd_core
from autograd_core import Tensor
from autograd_core.arrays import array_module, from_numpy
from autograd_core.autograd import Function

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence(collections.namedtuple("PackedSequence_",
                                            ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """The packed data of a batch of sequences, its ``batch_sizes`` per time step and the batch permutation.

    Made by ``pack_padded_sequence`` / ``pack_sequence``; ``unsorted_indices``
    defaults to the inverse of ``sorted_indices``.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), ...)
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def with_data(self, data):
        """``self`` when ``data`` is its data, else a PackedSequence of ``data`` (indices on its device)."""
        if data is self.data:
            return self
        indices = [None if i is None else i.to(data.device) for i in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *indices)

    def to(self, *args, **kwargs):
        """``data.to(...)`` (dtype and/or device); the indices follow the data's device, batch_sizes stays."""
        return self.with_data(self.data.to(*args, **kwargs))

    def cuda(self, *args, **kwargs):
        return self.with_data(self.data.cuda(*args, **kwargs))

    def cpu(self, *args, **kwargs):
        return self.with_data(self.data.cpu(*args, **kwargs))

    def double(self):
        return self.to(dtype=autograd_core.double)

    def float(self):
        return self.to(dtype=autograd_core.float)

    def half(self):
        return self.to(dtype=autograd_core.half)

    def long(self):
        return self.to(dtype=autograd_core.long)

    def int(self):
        return self.to(dtype=autograd_core.int)

    def short(self):
        return self.to(dtype=autograd_core.short)

    def char(self):
        return self.to(dtype=autograd_core.int8)

    def byte(self):
        return self.to(dtype=autograd_core.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda


def invert_permutation(permutation):
    """The inverse of the 1-D index tensor ``permutation`` (None stays None)."""
    if permutation is None:
        return None
    return autograd_core.empty_like(permutation).scatter_(0, permutation, autograd_core.arange(permutation.numel()))


def _steps_mask(batch_sizes, batch, steps, like):
    """The (steps, batch) boolean array of the padded positions a packed batch fills: ``b < batch_sizes[t]``."""
    sizes = np.zeros(steps, dtype=np.int64)
    sizes[:len(batch_sizes)] = batch_sizes
    return from_numpy(np.arange(batch)[None, :] < sizes[:, None], like=like)


class PackPaddedSequence(Function):
    """The rows of a padded (T, B, *) batch (or (B, T, *) with ``batch_first``) where ``mask`` is set, time-major."""

    def __init__(self, mask, batch_first):
        self.mask, self.batch_first = mask, batch_first

    def forward(self, x):
        return (x.swapaxes(0, 1) if self.batch_first else x)[self.mask]

    def backward(self, g):
        padded = PadPackedSequence(self.mask, 0)(g)
        return padded.transpose(0, 1) if self.batch_first else padded


class PadPackedSequence(Function):
    """Packed rows put back at the (T, B) positions of ``mask``, ``padding_value`` elsewhere (PyTorch's CopySlices)."""

    def __init__(self, mask, padding_value):
        self.mask, self.padding_value = mask, padding_value

    def forward(self, data):
        out = array_module(data).full(self.mask.shape + data.shape[1:], self.padding_value, dtype=data.dtype)
        out[self.mask] = data
        return out

    def backward(self, g):
        return PackPaddedSequence(self.mask, False)(g)

    def name(self):
        return "CopySlices"


def _lengths_list(lengths, op):
    """``lengths`` (a 1-D tensor or a sequence of ints) as a list of ints."""
    if isinstance(lengths, Tensor):
        if lengths.dim() != 1:
            raise RuntimeError(f"{op}: 'lengths' argument should be a 1D CPU int64 tensor, but got "
                               f"{lengths.dim()}D tensor of shape {list(lengths.shape)}")
        return lengths.to(autograd_core.int64).tolist()
    lengths = list(lengths)
    if not all(isinstance(n, (int, np.integer)) for n in lengths):
        raise RuntimeError(f"{op}: 'lengths' should be a 1D int64 tensor or a sequence of ints, got {lengths!r}")
    return [int(n) for n in lengths]


def _check_lengths(lengths, batch, steps, enforce_sorted):
    if len(lengths) != batch:
        raise RuntimeError(f"pack_padded_sequence: Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={batch})")
    if min(lengths) <= 0:
        raise RuntimeError("pack_padded_sequence: Length of all samples has to be greater than 0, but found an "
                           f"element in 'lengths' that is <= 0 (lengths {lengths})")
    if enforce_sorted and any(a < b for a, b in zip(lengths, lengths[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep "
                           f"this requirement if you do not need ONNX exportability. (got lengths {lengths})")
    if max(lengths) > steps:
        raise RuntimeError(f"pack_padded_sequence: a length of {max(lengths)} exceeds the {steps} time steps of "
                           "the padded input")


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *)) of sequences of ``lengths`` into a PackedSequence.

    With ``enforce_sorted`` the lengths must be decreasing; otherwise the batch
    is sorted first and the permutation kept in ``sorted_indices``.
    """
    if input.dim() < 2:
        raise RuntimeError(f"pack_padded_sequence: expected a padded input of at least 2 dims, got shape "
                           f"{list(input.shape)}")
    lengths = _lengths_list(lengths, "pack_padded_sequence")
    batch_dim = 0 if batch_first else 1
    _check_lengths(lengths, input.shape[batch_dim], input.shape[1 - batch_dim], enforce_sorted)
    sorted_indices = None
    if not enforce_sorted:
        ordered, sorted_indices = autograd_core.tensor(lengths).sort(descending=True)
        lengths = ordered.tolist()
        input = input.index_select(batch_dim, sorted_indices)
    batch_sizes = (np.arange(lengths[0])[:, None] < np.array(lengths)[None, :]).sum(axis=1)
    mask = _steps_mask(batch_sizes, len(lengths), input.shape[1 - batch_dim], input.array)
    data = PackPaddedSequence(mask, batch_first)(input)
    return PackedSequence(data, autograd_core.tensor(batch_sizes.tolist()), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: ``(padded, lengths)``, the batch in its original order.

    ``padded`` is (T, B, *) (or (B, T, *)), T the longest length or ``total_length``.
    """
    batch_sizes = sequence.batch_sizes.tolist()
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    batch = batch_sizes[0]
    padded = PadPackedSequence(_steps_mask(batch_sizes, batch, steps, sequence.data.array), padding_value)(
        sequence.data)
    lengths = (np.arange(batch)[:, None] < np.array(batch_sizes)[None, :]).sum(axis=1)
    if batch_first:
        padded = padded.transpose(0, 1)
    lengths = autograd_core.tensor(lengths.tolist())
    if sequence.unsorted_indices is None:
        return padded, lengths
    return padded.index_select(0 if batch_first else 1, sequence.unsorted_indices), lengths[sequence.unsorted_indices]


class PadSequence(Function):
    """Sequences (L_i, *) stacked into one (T, B, *) (or (B, T, *)) tensor, padded on one side (PyTorch's
    CopySlices)."""

    def __init__(self, lengths, batch_first, padding_value, left):
        self.batch_first, self.padding_value = batch_first, padding_value
        steps = max(lengths)
        rows = [slice(steps - n, steps) if left else slice(0, n) for n in lengths]
        self.shape = (len(lengths), steps) if batch_first else (steps, len(lengths))
        self.keys = [(i, r) if batch_first else (r, i) for i, r in enumerate(rows)]  # where each sequence goes

    def forward(self, *sequences):
        out = array_module(sequences[0]).full(self.shape + sequences[0].shape[1:], self.padding_value,
                                              dtype=sequences[0].dtype)
        for key, s in zip(self.keys, sequences):
            out[key] = s
        return out

    def backward(self, g):
        return tuple(g[key] for key in self.keys)

    def name(self):
        return "CopySlices"


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences (L_i, *) into (T, B, *) (or (B, T, *)), padding to the longest with ``padding_value``.

    ``padding_side`` 'right' (default) or 'left' says where the padding goes.
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    trailing = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if s.dim() == 0 or tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: every sequence needs at least 1 dim and the trailing dims "
                               f"{list(trailing)} of the first, but sequence {i} has shape {list(s.shape)}")
    lengths = [s.shape[0] for s in sequences]
    return PadSequence(lengths, batch_first, padding_value, padding_side == "left")(*sequences)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch (T, B, *) (or (B, T, *)) back into its sequences of ``lengths``."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    steps = autograd_core.arange(padded_sequences.shape[1])
    lengths = _lengths_list(lengths, "unpad_sequence")
    return [seq[steps < n] for seq, n in zip(padded_sequences.unbind(0), lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack sequences (L_i, *) into a PackedSequence (``enforce_sorted``: they come longest first)."""
    sequences = list(sequences)
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The sequences of a PackedSequence, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
