"""save and load in three formats: autograd_core's own zip, safetensors, and PyTorch's checkpoint zip.

``save(obj, f, format=None)`` writes autograd_core's format (any object; see
:mod:`.native`) unless ``format`` says otherwise or the path ends in
``.safetensors``; ``format="torch"`` writes a file ``torch.load`` reads.
``load`` tells the format from the file's content, so a ``.pt`` written by
``torch.save`` and a ``.safetensors`` file load as they are, without torch.
Saving to a path is atomic in every format (see :mod:`._files`). No format's
loading runs code from the file: PyTorch checkpoints and weights_only loads
admit only plain-data globals, safetensors holds none. Truncated, corrupt or
foreign files raise :class:`LoadError` (a ``ValueError``) naming the file and
the part that is wrong; ``weights_only`` refusals of a pickled object's
globals stay ``pickle.UnpicklingError``.
"""
import os
import pickle
import struct
import zipfile

from .. import cuda
from ..device import CPU, as_device, device
from . import native, safetensors_format, torch_format
from ._files import LoadError, opened_for_load, placement, stream_size, write_atomically
from .native import (
    DEFAULT_PROTOCOL,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)

__all__ = [
    "DEFAULT_PROTOCOL",
    "FORMATS",
    "LoadError",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "load",
    "safe_globals",
    "save",
]

FORMATS = ("autograd_core", "safetensors", "torch")
_LEGACY_TORCH_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"  # torch<1.6's pickled magic number


def _check_format(op, format):
    if format is not None and format not in FORMATS:
        raise ValueError(f"{op}: unknown format {format!r}; expected one of {', '.join(map(repr, FORMATS))} (or "
                         "None: by the file's extension for save, by its content for load)")


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True, *,
         format=None, metadata=None):
    """Write ``obj`` to ``f``: a path (written atomically: a crash never leaves a half-written file) or a binary file.

    ``format``: "autograd_core" (default; any object: state dicts and other
    plain data without pickle, other objects pickled around their tensors),
    "safetensors" (default for a ``.safetensors`` path; a flat dict of tensors,
    with optional str ``metadata``) or "torch" (tensors and plain data, as
    ``torch.save`` writes them). Nothing is written when ``obj`` cannot be
    stored. A path that is a symlink stays one: the file it points to is
    replaced, keeping its mode.
    """
    _check_format("save", format)
    if pickle_module is not pickle:
        raise TypeError(f"save: pickle_module must be the standard pickle module (got {pickle_module!r}); objects "
                        "outside plain data are pickled with it around their tensors")
    path = "" if hasattr(f, "write") else os.fsdecode(f)
    if format is None and path.endswith(".onnx"):
        raise ValueError(f"save: {path!r} names an ONNX model, which save does not write; export the model with "
                         "autograd_core.onnx.export(model, example_input, path)")
    if format is None:
        format = "safetensors" if path.endswith(".safetensors") else "autograd_core"
    if metadata is not None and format != "safetensors":
        raise ValueError(f"save: metadata is stored by the safetensors format only (format is {format!r})")
    if format == "safetensors":
        write = safetensors_format.writer(obj, metadata)
    elif format == "torch":
        write = torch_format.writer(obj)
    else:
        write = native.writer(obj, pickle_protocol)
    write_atomically(f, write)


def _restored(saved):
    """The device a tensor saved on ``saved`` loads on without ``map_location``: that one, as PyTorch."""
    target = device(saved)
    if target.type == "cuda" and not cuda.is_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                           "False. If you are running on a CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")
    return target.check_available()


def _placement(map_location):
    """Where ``load`` puts a tensor saved on a device: ``map_location`` a device (all there), a dict
    ({"cuda:0": "cpu"}: the others stay), None (where saved) or a function (PyTorch calls it with CPU storages:
    here the CPU)."""
    if map_location is None:
        return _restored
    if callable(map_location):
        return lambda saved: CPU
    if isinstance(map_location, dict):
        mapping = {str(device(k)): as_device(v) for k, v in map_location.items()}
        return lambda saved: mapping[saved] if saved in mapping else _restored(saved)
    target = as_device(map_location)
    return lambda saved: target


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, format=None, **pickle_load_args):
    """Read an object from a path or a readable binary file object, in whichever format it was saved.

    Plain data loads without pickle. A pickled object of autograd_core's format
    loads, with the default ``weights_only=True`` (None means True), only if
    every global it names is plain data or allowed by :func:`add_safe_globals`;
    otherwise ``pickle.UnpicklingError`` names the first other global.
    ``weights_only=False`` unpickles anything, which can execute code from the
    file: pass it only for files you trust (what the code it runs raises passes
    through unchanged). PyTorch checkpoints always load as weights_only does.
    ``format`` checks the file is in that format. ``pickle_load_args``
    (``encoding``...) go to the unpickler. ``map_location`` is PyTorch's (see ``_placement``).
    """
    _check_format("load", format)
    if pickle_module not in (None, pickle):
        raise TypeError(f"load: pickle_module must be the standard pickle module (got {pickle_module!r})")
    place = _placement(map_location)
    weights_only = True if weights_only is None else bool(weights_only)
    with opened_for_load(f) as (stream, name), placement(place):
        found = _format_of(stream, name)
        if format is not None and found[0] != format:
            raise LoadError(f"load: {name} is in the {found[0]} format, not the {format} format asked for")
        kind, archive = found
        if kind == "safetensors":
            return safetensors_format.load_stream(stream, name)
        with archive:
            end = stream_size(stream) + stream.tell()
            if kind == "torch":
                prefix = torch_format.archive_prefix(archive.namelist())
                return torch_format.load_archive(archive, name, end, prefix, pickle_load_args)
            return native.load_archive(archive, name, end, weights_only, pickle_load_args)


def _looks_like_safetensors(head, size):
    """Whether a file of ``size`` bytes starting with ``head`` is safetensors: a header length, then JSON."""
    return len(head) >= 9 and 0 < struct.unpack("<Q", head[:8])[0] <= size - 8 and head[8:9] == b"{"


def _format_of(stream, name):
    """``(format, open zip archive or None)`` of the file at the stream's position, or LoadError saying what it is."""
    start, size = stream.tell(), stream_size(stream)
    head = stream.read(len(_LEGACY_TORCH_MAGIC))
    stream.seek(start)
    if _looks_like_safetensors(head, size):
        return "safetensors", None
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, struct.error) as exc:
        if head.startswith(_LEGACY_TORCH_MAGIC):
            raise LoadError(f"load: {name} is in PyTorch's legacy (pre-1.6, non-zip) format, which is not read; "
                            "re-save it with a current torch.save") from None
        if head[:1] == b"\x80":
            raise LoadError(f"load: {name} holds raw pickle data, which is never loaded because unpickling can "
                            "execute code; re-save the object with autograd_core.save") from None
        if name.endswith(".onnx'"):
            raise LoadError(f"load: {name} is an ONNX model, not a checkpoint: run it with onnxruntime, or read it "
                            "with onnx.load") from None
        raise LoadError(f"load: {name} is not a checkpoint: not a zip archive nor a safetensors file (truncated, "
                        f"corrupt or another format: {exc})") from None
    names = archive.namelist()
    if native.MANIFEST in names:
        return "autograd_core", archive
    if torch_format.archive_prefix(names) is not None:
        return "torch", archive
    archive.close()
    raise LoadError(f"load: {name} is not a checkpoint: a zip archive with no {native.MANIFEST} "
                    "(autograd_core.save) and no <directory>/data.pkl (torch.save)")
