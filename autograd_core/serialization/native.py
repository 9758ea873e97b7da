"""The autograd_core format: plain data without pickle, other objects pickled around their tensors, in a zip.

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

Loading trusts nothing in the file: members must be stored uncompressed, as
``save`` writes them (so a zip bomb is refused before anything is inflated),
each array's declared shape and dtype must match its member's size before its
data is read, and arrays are never unpickled.
"""
import _compat_pickle
import codecs
import contextlib
import io
import json
import math
import pickle
import struct
import tokenize
import zipfile
from collections import Counter, OrderedDict

import numpy as np

from .. import dtypes
from ..arrays import from_numpy, to_numpy
from ..device import device
from ..tensor import Size, Tensor
from ._files import ZIP_ERRORS, CheckedZip, LoadError, loaded_tensor, read_into

DEFAULT_PROTOCOL = 2
_FORMAT = "autograd_core.save"
_VERSION = 1
MANIFEST = "manifest.json"
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
            if not dtypes.is_known(array.dtype):
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
            record = {"type": "parameter" if isinstance(obj, Parameter) else "tensor", "ref": ref,
                      "array": self.array_index(obj.array), "requires_grad": bool(obj.requires_grad)}
            if obj.is_cuda:
                record["device"] = str(obj.device)  # loads there again unless load's map_location says otherwise
            return record
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


def _npy_header(f):
    """``(shape, fortran_order, dtype)`` from the .npy header at ``f`` (the versions ``write_array`` writes)."""
    version = np.lib.format.read_magic(f)
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    if version in readers:
        start = f.tell()
        try:
            return readers[version](f)
        except ValueError as exc:
            if "'bfloat16'" not in str(exc):
                raise
        dtypes.load_bfloat16()  # numpy learns the name "bfloat16" from ml_dtypes, loaded on first use
        f.seek(start)
        return readers[version](f)
    raise ValueError(f".npy format version {version[0]}.{version[1]}; save writes 1.0 or 2.0")


class _Decoder(CheckedZip):
    """Rebuilds the object a manifest describes from the archive's arrays."""

    def __init__(self, archive, name, end):
        super().__init__(archive, name, end, writer="save")
        self._arrays = {}  # index -> host array
        self._backend_arrays = {}  # index -> the array tensors hold (default backend), shared as saved
        self._tensors = {}

    def array(self, index):
        if not isinstance(index, int) or isinstance(index, bool):
            raise self.error(f"bad array reference {index!r}")
        if index not in self._arrays:
            self._arrays[index] = self.read_array(f"arrays/{index}.npy")
        return self._arrays[index]

    def read_array(self, member):
        """The array in ``member``; its header's shape and dtype must account for the member's size exactly."""
        info = self.member(member)
        if info is None:
            raise self.error(f"missing array {member}")
        try:
            with self.archive.open(info) as f:
                shape, fortran_order, dtype = _npy_header(f)
                self.check_array_header(member, shape, dtype, info.file_size - f.tell())
                flat = read_into(f, np.empty(math.prod(shape), dtype))
        except LoadError:
            raise
        except (*ZIP_ERRORS, SyntaxError, tokenize.TokenError, RecursionError) as exc:  # a header numpy cannot parse
            raise self.error(f"unreadable array {member} ({exc})") from None
        return flat.reshape(shape[::-1]).transpose() if fortran_order else flat.reshape(shape)

    def check_array_header(self, member, shape, dtype, data_bytes):
        if dtype.hasobject:
            raise self.error(f"unreadable array {member} (Object arrays are never loaded: they would need pickle)")
        if not dtypes.is_known(dtype):
            raise self.error(f"array {member} has unsupported dtype {dtype}")
        if any(size < 0 for size in shape):
            raise self.error(f"array {member} has a negative size in its shape {shape}")
        declared = math.prod(shape) * dtype.itemsize
        if declared != data_bytes:
            raise self.error(f"array {member} declares shape {shape} of {dtype} ({declared} bytes) but holds "
                             f"{data_bytes} bytes of data")

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
                saved = node.get("device", "cpu")
                if type(saved) is not str:
                    raise self.error(f"bad tensor device {saved!r}")
                self._tensors[ref] = loaded_tensor(array, kind == "parameter", bool(node.get("requires_grad")), self,
                                                   saved)
            return self._tensors[ref]
        if kind == "ndarray":
            return self.array(node.get("array"))
        if kind == "numpy_scalar":
            scalar = self.array(node.get("array"))
            if scalar.ndim:
                raise self.error(f"numpy scalar of shape {scalar.shape}")
            return scalar[()]
        if kind == "dtype":
            name = node.get("name")
            if type(name) is not str or name not in dtypes._BY_NAME:
                raise self.error(f"unknown dtype {name!r}")
            return dtypes._BY_NAME[name]
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
            key, value = self.decode(k), self.decode(v)
            try:
                result[key] = value
            except TypeError:
                raise self.error(f"unhashable {kind} key of type {type(key).__name__}") from None
        return result

    def backend_array(self, index):
        """Array ``index`` on the default backend, moved once: tensors that shared it when saved still share it."""
        host = self.array(index)
        if index not in self._backend_arrays:
            self._backend_arrays[index] = from_numpy(host)
        return self._backend_arrays[index]

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


def allowed_globals():
    allowed = dict(_DEFAULT_GLOBALS)
    allowed.update((_global_name(entry), _global_object(entry)) for entry in _safe_globals)
    return allowed


class Refused(pickle.UnpicklingError):
    """What a weights_only load refused (a global, or setting the state of an object)."""


class WeightsOnlyUnpickler(pickle._Unpickler):
    """Unpickles plain data and allowed globals only; nothing else is imported, called or given state.

    Built on pickle's pure-Python unpickler, whose BUILD step can be checked too
    (the C unpickler lets a subclass check only ``find_class``).
    """

    def __init__(self, file, persistent_load, allowed, **kwargs):
        super().__init__(file, **kwargs)
        self.persistent_load = persistent_load
        self._allowed = allowed  # "module.name" -> the object it loads as
        self._allowed_types = tuple(g for g in self._allowed.values() if isinstance(g, type))

    def find_class(self, module, name):
        if (module, name) in _compat_pickle.NAME_MAPPING:  # protocols 0-2 write Python 2's names
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        found = self._allowed.get(full)
        if found is None:
            raise Refused(f"Unsupported global: GLOBAL {full} was not an allowed global by default. Please use "
                           f"`autograd_core.serialization.add_safe_globals([{full}])` or the "
                           f"`autograd_core.serialization.safe_globals([{full}])` context manager to allowlist this "
                           "global if you trust this class/function.")
        return found

    def load_build(self):
        """BUILD sets an object's state: only an instance of an allowed class may have it set."""
        target = self.stack[-2]  # below the state
        if type(target) not in self._allowed_types:
            raise Refused(f"Can only set the state of instances of allowed classes (allowlisted via "
                           f"`add_safe_globals`), but got {type(target).__name__}")
        super().load_build()

    dispatch = dict(pickle._Unpickler.dispatch)
    dispatch[pickle.BUILD[0]] = load_build


def weights_only_refusal(name, reason):
    return pickle.UnpicklingError(
        f"load: weights only load of {name} failed. It can still be loaded, in either of two ways; take them only "
        "if you trust the source of the file:\n"
        "\t(1) Re-run load with weights_only=False. That will likely succeed, but it can result in arbitrary code "
        "execution: do it only if you got the file from a trusted source.\n"
        "\t(2) To load it with weights_only=True, follow the steps in the error below.\n"
        f"\tWeightsUnpickler error: {reason}")


# What a damaged pickle stream makes the unpickler raise. With weights_only the stream can only call plain-data
# globals, so every error is the file's; without it, errors of the code the file names (imports, constructors,
# __setstate__) are that code's and pass through unchanged, as with pickle.
_UNPICKLE_ERRORS = (pickle.UnpicklingError, EOFError, struct.error, UnicodeDecodeError)
WEIGHTS_ONLY_ERRORS = _UNPICKLE_ERRORS + (TypeError, LookupError, AttributeError, ValueError, OverflowError,
                                           MemoryError)  # MemoryError: bytearray(10**15), say


def _unpickle(root, decoder, weights_only, unpickler_args):
    """The object pickled in ``data.pkl``, its tensors read from the archive's arrays."""
    records = root.get("tensors")
    if not isinstance(records, list):
        raise decoder.error("pickled entry without its tensor list")
    data = decoder.read(_PICKLE)
    if data is None:
        raise decoder.error(f"missing {_PICKLE}")

    def persistent_load(pid):
        return decoder.pickled_tensor(records, pid)
    if weights_only:
        unpickler = WeightsOnlyUnpickler(io.BytesIO(data), persistent_load, allowed_globals(), **unpickler_args)
        damaged = WEIGHTS_ONLY_ERRORS
    else:
        unpickler, damaged = pickle.Unpickler(io.BytesIO(data), **unpickler_args), _UNPICKLE_ERRORS
        unpickler.persistent_load = persistent_load
    try:
        return unpickler.load()
    except LoadError:
        raise
    except Refused as refused:
        raise weights_only_refusal(decoder.name, refused) from None
    except damaged as exc:
        raise decoder.error(f"unreadable {_PICKLE} ({exc})") from None


# ----- files -----
def _write_archive(stream, manifest, arrays, pickled):
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest))
        if pickled is not None:
            archive.writestr(_PICKLE, pickled)
        for i, array in enumerate(arrays):
            with archive.open(f"arrays/{i}.npy", "w", force_zip64=array.nbytes > 2 ** 30) as f:
                _write_npy(f, to_numpy(array))


def _write_npy(f, host):
    """``host`` as a .npy member; bfloat16, which numpy's writer would describe as raw bytes ('<V2'), by name."""
    if not dtypes.is_bfloat16(host.dtype):
        np.lib.format.write_array(f, host, allow_pickle=False)
        return
    np.lib.format.write_array_header_2_0(f, {"descr": "bfloat16", "fortran_order": False, "shape": host.shape})
    f.write(memoryview(np.ascontiguousarray(host).view(np.uint16)))


def writer(obj, pickle_protocol):
    """A function that writes ``obj`` to a binary stream in this format; raises first if ``obj`` cannot be stored."""
    manifest, arrays, pickled = _serialize(obj, pickle_protocol)
    return lambda stream: _write_archive(stream, manifest, arrays, pickled)


def _read_manifest(decoder):
    data = decoder.read(MANIFEST)
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, or nested past the recursion limit
        raise decoder.error(f"unreadable {MANIFEST} ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        raise LoadError(f"load: {decoder.name} is not an autograd_core checkpoint (unknown manifest format)")
    if manifest.get("version") != _VERSION:
        raise LoadError(f"load: {decoder.name} has format version {manifest.get('version')!r}; this build reads "
                        f"version {_VERSION}")
    return manifest


def load_archive(archive, name, end, weights_only, unpickler_args):
    """The object in ``archive`` (a zip holding manifest.json), read without trusting anything in it."""
    decoder = _Decoder(archive, name, end)
    root = _read_manifest(decoder).get("root")
    try:
        if isinstance(root, dict) and root.get("type") == "pickle":
            return _unpickle(root, decoder, weights_only, unpickler_args)
        return decoder.decode(root)
    except RecursionError:
        raise decoder.error("structure nested too deeply") from None
