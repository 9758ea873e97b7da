"""save and load without pickle: a zip of .npy arrays plus a JSON manifest of the structure.

Loading never executes code from the file: arrays are read with
``allow_pickle=False`` and the structure is plain JSON whose tagged objects
are rebuilt by a fixed decoder (tensors, arrays, numbers, strings, None,
bools, lists, tuples, dicts and OrderedDicts). Saving to a path is atomic: the
archive is written to a temporary file in the same directory, flushed and
fsynced, then moved over the target with ``os.replace``.
"""
from collections import OrderedDict
import io
import json
import os
import tempfile
import zipfile

import numpy as np

from . import dtypes
from .tensor import Size, Tensor, _new

__all__ = ["save", "load"]

_FORMAT = "autograd_core.save"
_VERSION = 1
_MANIFEST = "manifest.json"
_PRIMITIVES = (type(None), bool, int, float, str)


# ----- encoding: object -> (JSON-able structure, list of arrays) -----
class _Encoder:
    def __init__(self):
        self.arrays = []
        self._index_of = {}  # id(array) -> index, so arrays shared between tensors are stored once
        self._tensor_refs = {}  # id(tensor) -> ref, so a tensor saved twice loads as one object

    def array_index(self, array, where):
        key = id(array)
        if key not in self._index_of:
            if array.dtype not in dtypes._BY_NUMPY:
                raise TypeError(f"save: array of dtype {array.dtype} at {where} is not supported; expected one of "
                                + ", ".join(d.name for d in dtypes.ALL))
            self._index_of[key] = len(self.arrays)
            self.arrays.append(array)
        return self._index_of[key]

    def encode(self, obj, where):
        if type(obj) in _PRIMITIVES:
            return obj
        if isinstance(obj, Tensor):
            from nn.parameter import Parameter
            ref = self._tensor_refs.setdefault(id(obj), len(self._tensor_refs))
            return {"type": "parameter" if isinstance(obj, Parameter) else "tensor", "ref": ref,
                    "array": self.array_index(obj.array, where), "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            return {"type": "ndarray", "array": self.array_index(obj, where)}
        if isinstance(obj, np.generic):
            return {"type": "numpy_scalar", "array": self.array_index(np.asarray(obj), where)}
        if isinstance(obj, dtypes.dtype):
            return {"type": "dtype", "name": obj.name}
        if type(obj) in (list, tuple, Size):
            kind = "list" if type(obj) is list else "tuple"
            return {"type": kind, "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if type(obj) in (dict, OrderedDict):
            kind = "dict" if type(obj) is dict else "OrderedDict"
            return {"type": kind, "items": [[self.encode(k, f"{where} key {k!r}"), self.encode(v, f"{where}[{k!r}]")]
                                            for k, v in obj.items()]}
        hint = " (save its state_dict() instead)" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"save: cannot store an object of type {type(obj).__name__} at {where}{hint}; only tensors, "
                        "arrays, numbers, strings, None, bools, lists, tuples and dicts are supported (no pickle)")


# ----- decoding: (JSON structure, arrays) -> object -----
class _Decoder:
    def __init__(self, archive, name):
        self.archive, self.name = archive, name
        self._arrays = {}
        self._tensors = {}

    def error(self, what):
        return ValueError(f"load: {self.name} is corrupt: {what}")

    def array(self, index):
        if not isinstance(index, int) or isinstance(index, bool):
            raise self.error(f"bad array reference {index!r}")
        if index not in self._arrays:
            member = f"arrays/{index}.npy"
            try:
                with self.archive.open(member) as f:  # reading to the end checks the member's CRC
                    self._arrays[index] = np.lib.format.read_array(f, allow_pickle=False)
                    if f.read(1):
                        raise ValueError("trailing bytes after the array data")
            except KeyError:
                raise self.error(f"missing array {member}") from None
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
                raise self.error(f"unreadable array {member} ({exc})") from None
            if self._arrays[index].dtype not in dtypes._BY_NUMPY:
                raise self.error(f"array {member} has unsupported dtype {self._arrays[index].dtype}")
        return self._arrays[index]

    def decode(self, node):
        if node is None or type(node) in (bool, int, float, str):
            return node
        if not isinstance(node, dict) or "type" not in node:
            raise self.error(f"unexpected manifest entry {str(node)[:80]!r}")
        kind = node["type"]
        if kind in ("tensor", "parameter"):
            ref = node.get("ref")
            if ref not in self._tensors:
                self._tensors[ref] = self.tensor(kind, self.array(node.get("array")), bool(node.get("requires_grad")))
            return self._tensors[ref]
        if kind == "ndarray":
            return self.array(node.get("array"))
        if kind == "numpy_scalar":
            return self.array(node.get("array"))[()]
        if kind == "dtype":
            try:
                return dtypes.as_dtype(node.get("name"))
            except TypeError:
                raise self.error(f"unknown dtype {node.get('name')!r}") from None
        if kind not in ("list", "tuple", "dict", "OrderedDict"):
            raise self.error(f"unknown entry type {kind!r}")
        items = node.get("items")
        if not isinstance(items, list):
            raise self.error(f"entry of type {kind!r} without items")
        if kind in ("list", "tuple"):
            values = [self.decode(v) for v in items]
            return values if kind == "list" else tuple(values)
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in items):
            raise self.error(f"malformed {kind} items")
        result = {} if kind == "dict" else OrderedDict()
        for k, v in items:
            result[self.decode(k)] = self.decode(v)
        return result

    def tensor(self, kind, array, requires_grad):
        if kind == "parameter":
            from nn.parameter import Parameter
            return Parameter(array, requires_grad=requires_grad)
        t = _new(array)
        if requires_grad:
            t.requires_grad = True
        return t


# ----- files -----
def _write_archive(stream, manifest, arrays):
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(_MANIFEST, json.dumps(manifest))
        for i, array in enumerate(arrays):
            with archive.open(f"arrays/{i}.npy", "w", force_zip64=array.nbytes > 2 ** 30) as f:
                np.lib.format.write_array(f, array, allow_pickle=False)


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible on every platform; the data itself is already synced
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    """Write ``obj`` (state dicts, optimizer states: nested dicts/lists/tuples of tensors and plain values) to ``f``.

    ``f`` is a path (written atomically: a crash never leaves a half-written
    file) or a writable binary file object.
    """
    if pickle_module is not None:
        raise TypeError("save: pickle_module is not supported; files are written without pickle")
    encoder = _Encoder()
    manifest = {"format": _FORMAT, "version": _VERSION, "root": encoder.encode(obj, "root")}
    if hasattr(f, "write"):
        _write_archive(f, manifest, encoder.arrays)
        return
    path = os.path.abspath(os.fspath(f))
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            _write_archive(stream, manifest, encoder.arrays)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _check_map_location(map_location):
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    from .device import device
    device(map_location).check_available()


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kwargs):
    """Read an object written by :func:`save` from a path or a readable binary file object.

    Never unpickles: a pickle, truncated, corrupt or foreign file raises
    ValueError naming the file and the problem. ``map_location`` may only name
    the CPU; ``weights_only`` is always in effect.
    """
    if pickle_module is not None:
        raise TypeError("load: pickle_module is not supported; files are read without pickle")
    _check_map_location(map_location)
    if hasattr(f, "read"):
        name = repr(getattr(f, "name", "<file object>"))
        seekable = getattr(f, "seekable", lambda: False)()
        return _load_stream(f if seekable else io.BytesIO(f.read()), name)
    with open(f, "rb") as stream:
        return _load_stream(stream, repr(os.fspath(f)))


def _load_stream(stream, name):
    start = stream.tell()
    head = stream.read(1)
    stream.seek(start)
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        if head == b"\x80":
            raise ValueError(f"load: {name} holds pickle data, which is never loaded because unpickling can "
                             "execute code; re-save the object with autograd_core.save") from None
        raise ValueError(f"load: {name} is not an autograd_core checkpoint: not a zip archive (truncated, corrupt "
                         "or another format)") from None
    with archive:
        try:
            manifest = json.loads(archive.read(_MANIFEST).decode("utf-8"))
        except KeyError:
            raise ValueError(f"load: {name} is not an autograd_core checkpoint: it has no {_MANIFEST} "
                             "(a file written by torch.save or another program?)") from None
        except (ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ValueError(f"load: {name} is corrupt: unreadable {_MANIFEST} ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
            raise ValueError(f"load: {name} is not an autograd_core checkpoint (unknown manifest format)")
        if manifest.get("version") != _VERSION:
            raise ValueError(f"load: {name} has format version {manifest.get('version')!r}; this build reads "
                             f"version {_VERSION}")
        try:
            return _Decoder(archive, name).decode(manifest.get("root"))
        except RecursionError:
            raise ValueError(f"load: {name} is corrupt: structure nested too deeply") from None
