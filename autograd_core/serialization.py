"""save and load: plain data without pickle, other objects pickled around their tensors, in one zip format.

The archive holds a JSON manifest and one .npy entry per array. State dicts,
optimizer states and other nesting of tensors, arrays, numbers, strings, None,
bools, lists, tuples and dicts are described by the manifest alone, rebuilt by
a fixed decoder, and load without pickle whatever ``weights_only`` says.

Any other object (a whole Module, an optimizer, an instance of your class) is
pickled into the entry ``data.pkl`` with each tensor replaced by a reference to
its .npy entry (pickle's persistent ids): tensors never go through pickle.
Loading it with the default ``weights_only=True`` unpickles with a restricted
unpickler that only admits the globals of plain data (OrderedDict, set, Size,
dtypes...) and those allowed by :func:`add_safe_globals` or :func:`safe_globals`;
any other name is refused before it is imported or called.
``weights_only=False`` unpickles everything and so runs whatever code the file
names: use it only for files you trust.

Arrays are always read with ``allow_pickle=False``. Saving to a path is atomic:
the archive is written to a temporary file in the same directory, flushed and
fsynced, then moved over the target with ``os.replace``.
"""
from collections import Counter, OrderedDict
import _compat_pickle
import codecs
import contextlib
import io
import json
import os
import pickle
import tempfile
import zipfile

import numpy as np

from . import dtypes
from .arrays import from_numpy, to_numpy
from .device import device
from .tensor import Size, Tensor, _new

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
_FORMAT = "autograd_core.save"
_VERSION = 1
_MANIFEST = "manifest.json"
_PICKLE = "data.pkl"
_PRIMITIVES = (type(None), bool, int, float, str)


class _NotPlainData(Exception):
    """The manifest cannot describe the object: ``save`` pickles it instead."""


# ----- encoding: object -> (JSON-able structure, list of arrays) -----
class _Encoder:
    def __init__(self):
        self.arrays = []
        self._index_of = {}  # id(array) -> index, so arrays shared between tensors are stored once
        self._tensor_refs = {}  # id(tensor) -> ref, so a tensor saved twice loads as one object

    def array_index(self, array):
        key = id(array)
        if key not in self._index_of:
            if array.dtype not in dtypes._BY_NUMPY:
                raise _NotPlainData()
            self._index_of[key] = len(self.arrays)
            self.arrays.append(array)
        return self._index_of[key]

    def encode(self, obj):
        if type(obj) in _PRIMITIVES:
            return obj
        if isinstance(obj, Tensor):
            from nn.parameter import Parameter
            ref = self._tensor_refs.setdefault(id(obj), len(self._tensor_refs))
            return {"type": "parameter" if isinstance(obj, Parameter) else "tensor", "ref": ref,
                    "array": self.array_index(obj.array), "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            return {"type": "ndarray", "array": self.array_index(obj)}
        if isinstance(obj, np.generic):
            return {"type": "numpy_scalar", "array": self.array_index(np.asarray(obj))}
        if isinstance(obj, dtypes.dtype):
            return {"type": "dtype", "name": obj.name}
        if type(obj) in (list, tuple, Size):
            kind = "list" if type(obj) is list else "tuple"
            return {"type": kind, "items": [self.encode(v) for v in obj]}
        if type(obj) in (dict, OrderedDict):
            kind = "dict" if type(obj) is dict else "OrderedDict"
            return {"type": kind, "items": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        raise _NotPlainData()


class _TensorPickler(pickle.Pickler):
    """Pickles an object with each tensor replaced by its index among the manifest's tensor records."""

    def __init__(self, file, protocol, encoder):
        super().__init__(file, protocol)
        self.encoder, self.tensors = encoder, []

    def persistent_id(self, obj):
        if not isinstance(obj, Tensor):
            return None
        record = self.encoder.encode(obj)
        if record["ref"] == len(self.tensors):  # first time this tensor is met
            self.tensors.append(record)
        return str(record["ref"])


def _serialize(obj, protocol):
    """``(manifest, arrays, pickle bytes or None)``: plain data in the manifest, anything else pickled."""
    encoder = _Encoder()
    try:
        root, pickled = encoder.encode(obj), None
    except _NotPlainData:
        encoder = _Encoder()
        buffer = io.BytesIO()
        pickler = _TensorPickler(buffer, protocol, encoder)
        pickler.dump(obj)
        root, pickled = {"type": "pickle", "tensors": pickler.tensors}, buffer.getvalue()
    return {"format": _FORMAT, "version": _VERSION, "root": root}, encoder.arrays, pickled


# ----- decoding: (JSON structure, arrays) -> object -----
class _Decoder:
    def __init__(self, archive, name):
        self.archive, self.name = archive, name
        self._arrays = {}  # index -> host array
        self._backend_arrays = {}  # index -> the array tensors hold (default backend), shared as saved
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
            array, ref = self.backend_array(node.get("array")), node.get("ref")
            if type(ref) is not int:
                raise self.error(f"bad tensor reference {ref!r}")
            if ref not in self._tensors:
                self._tensors[ref] = self.tensor(kind, array, bool(node.get("requires_grad")))
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

    def backend_array(self, index):
        """Array ``index`` on the default backend, moved once: tensors that shared it when saved still share it."""
        host = self.array(index)
        if index not in self._backend_arrays:
            self._backend_arrays[index] = from_numpy(host)
        return self._backend_arrays[index]

    def tensor(self, kind, array, requires_grad):
        t = _new(array)
        if kind == "parameter":
            from nn.parameter import Parameter
            return Parameter(t, requires_grad=requires_grad)
        if requires_grad:
            t.requires_grad = True
        return t

    def pickled_tensor(self, records, pid):
        """The tensor a persistent id of ``data.pkl`` names: a record of the manifest's tensor list."""
        try:
            record = records[int(pid)]
        except (TypeError, ValueError, IndexError):
            raise self.error(f"bad tensor reference {pid!r} in {_PICKLE}") from None
        if not isinstance(record, dict) or record.get("type") not in ("tensor", "parameter"):
            raise self.error(f"tensor reference {pid!r} of {_PICKLE} is not a tensor record")
        return self.decode(record)


# ----- unpickling: everything (weights_only=False) or plain data and the allowed globals only -----
_safe_globals = []  # what add_safe_globals allowed: classes, functions or (object, "module.name") pairs


def _global_name(entry):
    """The ``module.qualname`` a pickle names ``entry`` by (checked: an object, or an (object, name) pair)."""
    if isinstance(entry, tuple):
        if len(entry) != 2:
            raise ValueError(f"safe globals: expected a pair (object, 'module.name'), got a tuple of length "
                             f"{len(entry)}")
        if type(entry[1]) is not str:
            raise TypeError(f"safe globals: the second item of a pair must be the str 'module.name', got "
                            f"{type(entry[1]).__name__}")
        return entry[1]
    if not callable(entry) or not hasattr(entry, "__qualname__"):
        raise TypeError(f"safe globals: expected classes, functions or (object, 'module.name') pairs, got "
                        f"{type(entry).__name__}")
    return f"{entry.__module__}.{entry.__qualname__}"


def _global_object(entry):
    return entry[0] if isinstance(entry, tuple) else entry


# the globals plain data pickles with: containers, bytes (protocol 2), Size, device and dtypes
_DEFAULT_GLOBALS = {_global_name(g): g for g in (OrderedDict, Counter, set, bytearray, complex, codecs.encode, Size,
                                                 device, dtypes._by_name)}


def add_safe_globals(safe_globals):
    """Allow these classes and functions (or ``(object, "module.name")`` pairs) in ``weights_only`` loading."""
    for entry in safe_globals:
        _global_name(entry)
    _safe_globals.extend(entry for entry in safe_globals if entry not in _safe_globals)


def get_safe_globals():
    """The globals :func:`add_safe_globals` allowed, in the order they were added."""
    return list(_safe_globals)


def clear_safe_globals():
    """Forget every global :func:`add_safe_globals` allowed."""
    _safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Allow ``safe_globals`` in ``weights_only`` loading inside the block only."""
    previous = list(_safe_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _safe_globals[:] = previous


def _allowed_globals():
    allowed = dict(_DEFAULT_GLOBALS)
    allowed.update((_global_name(entry), _global_object(entry)) for entry in _safe_globals)
    return allowed


class _Refused(pickle.UnpicklingError):
    """What a weights_only load refused (a global, or setting the state of an object)."""


class _WeightsOnlyUnpickler(pickle._Unpickler):
    """Unpickles plain data and allowed globals only; nothing else is imported, called or given state.

    Built on pickle's pure-Python unpickler, whose BUILD step can be checked too
    (the C unpickler lets a subclass check only ``find_class``).
    """

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self.persistent_load = persistent_load
        self._allowed = _allowed_globals()
        self._allowed_types = tuple(g for g in self._allowed.values() if isinstance(g, type))

    def find_class(self, module, name):
        if (module, name) in _compat_pickle.NAME_MAPPING:  # protocols 0-2 write Python 2's names
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        found = self._allowed.get(full)
        if found is None:
            raise _Refused(f"Unsupported global: GLOBAL {full} was not an allowed global by default. Please use "
                           f"`autograd_core.serialization.add_safe_globals([{full}])` or the "
                           f"`autograd_core.serialization.safe_globals([{full}])` context manager to allowlist this "
                           "global if you trust this class/function.")
        return found

    def load_build(self):
        """BUILD sets an object's state: only an instance of an allowed class may have it set."""
        target = self.stack[-2]  # below the state
        if type(target) not in self._allowed_types:
            raise _Refused(f"Can only set the state of instances of allowed classes (allowlisted via "
                           f"`add_safe_globals`), but got {type(target).__name__}")
        super().load_build()

    dispatch = dict(pickle._Unpickler.dispatch)
    dispatch[pickle.BUILD[0]] = load_build


def _weights_only_refusal(name, reason):
    return pickle.UnpicklingError(
        f"load: weights only load of {name} failed. It can still be loaded, in either of two ways; take them only "
        "if you trust the source of the file:\n"
        "\t(1) Re-run load with weights_only=False. That will likely succeed, but it can result in arbitrary code "
        "execution: do it only if you got the file from a trusted source.\n"
        "\t(2) To load it with weights_only=True, follow the steps in the error below.\n"
        f"\tWeightsUnpickler error: {reason}")


def _unpickle(archive, root, decoder, weights_only, unpickler_args):
    """The object pickled in ``data.pkl``, its tensors read from the archive's arrays."""
    records = root.get("tensors")
    if not isinstance(records, list):
        raise decoder.error("pickled entry without its tensor list")
    try:
        stream = io.BytesIO(archive.read(_PICKLE))
    except KeyError:
        raise decoder.error(f"missing {_PICKLE}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise decoder.error(f"unreadable {_PICKLE} ({exc})") from None

    def persistent_load(pid):
        return decoder.pickled_tensor(records, pid)
    if not weights_only:
        unpickler = pickle.Unpickler(stream, **unpickler_args)
        unpickler.persistent_load = persistent_load
        return unpickler.load()
    try:
        return _WeightsOnlyUnpickler(stream, persistent_load, **unpickler_args).load()
    except _Refused as refused:
        raise _weights_only_refusal(decoder.name, refused) from None
    except (pickle.UnpicklingError, EOFError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise decoder.error(f"unreadable {_PICKLE} ({exc})") from None


# ----- files -----
def _write_archive(stream, manifest, arrays, pickled):
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(_MANIFEST, json.dumps(manifest))
        if pickled is not None:
            archive.writestr(_PICKLE, pickled)
        for i, array in enumerate(arrays):
            with archive.open(f"arrays/{i}.npy", "w", force_zip64=array.nbytes > 2 ** 30) as f:
                np.lib.format.write_array(f, to_numpy(array), allow_pickle=False)


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


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True):
    """Write ``obj`` to ``f``: a path (written atomically: a crash never leaves a half-written file) or a binary file.

    State dicts and other nesting of tensors and plain values are stored
    without pickle; any other object (a Module, an optimizer...) is pickled
    with its tensors stored beside the pickle (see the module docstring).
    Nothing is written when ``obj`` cannot be stored.
    """
    if pickle_module is not pickle:
        raise TypeError(f"save: pickle_module must be the standard pickle module (got {pickle_module!r}); objects "
                        "outside plain data are pickled with it around their tensors")
    manifest, arrays, pickled = _serialize(obj, pickle_protocol)
    if hasattr(f, "write"):
        _write_archive(f, manifest, arrays, pickled)
        return
    path = os.path.abspath(os.fspath(f))
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            _write_archive(stream, manifest, arrays, pickled)
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
    device(map_location).check_available()


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read an object written by :func:`save` from a path or a readable binary file object.

    Plain data loads without pickle. A pickled object loads, with the default
    ``weights_only=True`` (None means True), only if every global it names is
    plain data or allowed by :func:`add_safe_globals`; otherwise
    ``pickle.UnpicklingError`` names the first other global. ``weights_only=False``
    unpickles anything, which can execute code from the file: pass it only for
    files you trust. ``pickle_load_args`` (``encoding``...) go to the unpickler.
    Raw pickle, truncated, corrupt or foreign files raise ValueError naming the
    file and the problem. ``map_location`` may only name the CPU.
    """
    if pickle_module not in (None, pickle):
        raise TypeError(f"load: pickle_module must be the standard pickle module (got {pickle_module!r})")
    _check_map_location(map_location)
    weights_only = True if weights_only is None else bool(weights_only)
    if hasattr(f, "read"):
        name = repr(getattr(f, "name", "<file object>"))
        seekable = getattr(f, "seekable", lambda: False)()
        return _load_stream(f if seekable else io.BytesIO(f.read()), name, weights_only, pickle_load_args)
    with open(f, "rb") as stream:
        return _load_stream(stream, repr(os.fspath(f)), weights_only, pickle_load_args)


def _load_stream(stream, name, weights_only, unpickler_args):
    start = stream.tell()
    head = stream.read(1)
    stream.seek(start)
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        if head == b"\x80":
            raise ValueError(f"load: {name} holds raw pickle data, which is never loaded because unpickling can "
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
        root, decoder = manifest.get("root"), _Decoder(archive, name)
        try:
            if isinstance(root, dict) and root.get("type") == "pickle":
                return _unpickle(archive, root, decoder, weights_only, unpickler_args)
            return decoder.decode(root)
        except RecursionError:
            raise ValueError(f"load: {name} is corrupt: structure nested too deeply") from None
