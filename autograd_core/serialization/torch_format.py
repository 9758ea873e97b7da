"""PyTorch's checkpoint format (``torch.save``'s zip), read and written without torch.

The archive is one directory: ``data.pkl`` (a protocol-2 pickle of the object
in which each tensor is a call of ``torch._utils._rebuild_tensor_v2`` on a
storage named by a persistent id), ``data/<key>`` (each storage's raw bytes),
``byteorder``, ``version``. Reading admits only the globals PyTorch's own
``weights_only=True`` loader admits for plain data (the tensor and parameter
rebuild functions, OrderedDict, Size, dtypes, storage types, plain
containers), mapped to ours: whatever ``weights_only`` says, nothing named by
the file is imported or run. Tensors that shared a storage load as copies.
Writing makes the pickle name torch's globals without importing torch, so that
``torch.load(path, weights_only=True)`` accepts the file.
"""
import io
import pickle
import re
import struct
import zipfile
from collections import OrderedDict

import numpy as np

from .. import dtypes
from ..arrays import from_numpy, to_numpy
from ..device import device
from ..tensor import Size, Tensor
from ._files import ZIP_ERRORS, CheckedZip, LoadError, loaded_tensor, read_into
from .native import (
    WEIGHTS_ONLY_ERRORS,
    Refused,
    WeightsOnlyUnpickler,
    allowed_globals,
    weights_only_refusal,
)

_ARCHIVE = "archive"  # torch.save's directory name for file objects
_ALIGNMENT = 64  # storages start at multiples of it, as torch.save aligns them (so torch can mmap them)
_STORAGE_TYPES = {  # PyTorch's legacy storage class names, which name each storage's dtype in data.pkl
    "FloatStorage": dtypes.float32, "DoubleStorage": dtypes.float64, "HalfStorage": dtypes.float16,
    "BFloat16Storage": dtypes.bfloat16,
    "LongStorage": dtypes.int64, "IntStorage": dtypes.int32, "ShortStorage": dtypes.int16,
    "CharStorage": dtypes.int8, "ByteStorage": dtypes.uint8, "BoolStorage": dtypes.bool,
}
_STORAGE_OF = {dtype: name for name, dtype in _STORAGE_TYPES.items()}
_DATA_PICKLE = re.compile(r"([^/]+/)data\.pkl")


def archive_prefix(names):
    """The directory ``torch.save`` wrote into (``"archive/"``) if ``names`` are a torch checkpoint's, else None."""
    return next((found.group(1) for found in map(_DATA_PICKLE.fullmatch, names) if found), None)


# ----- writing -----
class _Global:
    """A global of torch that the pickle names (``torch._utils._rebuild_tensor_v2``) without importing torch."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's reduce wants a callable; only torch's real global is ever called
        raise TypeError(f"{self.module}.{self.name} is torch's, not callable here")


class _Storage:
    """The storage of one saved tensor: its key in the archive, its dtype's storage class, its element count."""

    def __init__(self, key, array):
        self.key, self.array = key, array
        self.storage_type = _Global("torch", _STORAGE_OF[dtypes._BY_NUMPY[array.dtype]])


class _ParameterData:
    """The tensor inside a Parameter's rebuild call: pickled as a plain tensor."""

    def __init__(self, tensor):
        self.tensor = tensor


_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_PLAIN = (type(None), bool, int, float, str)


class _TorchPickler(pickle._Pickler):
    """Pickles plain data and tensors as torch.save does; the arrays of the storages collect in ``storages``."""

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.storages = []

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", obj.storage_type, str(obj.key), "cpu", obj.array.size)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, _ParameterData):
            obj = obj.tensor.detach()
        elif isinstance(obj, Tensor):
            from nn.parameter import Parameter
            if isinstance(obj, Parameter):
                return _REBUILD_PARAMETER, (_ParameterData(obj), obj.requires_grad, OrderedDict())
        else:
            return NotImplemented
        array = np.require(to_numpy(obj.array), requirements="C")
        storage = _Storage(len(self.storages), array)
        self.storages.append(array)
        strides = tuple(s // array.itemsize for s in array.strides) if array.size else (1,) * array.ndim
        return _REBUILD_TENSOR, (storage, 0, array.shape, strides, obj.requires_grad, OrderedDict())

    def save_torch_global(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[_Global] = save_torch_global


def _check_plain(obj, where="the object"):
    """Refuse what a weights_only torch.load would refuse: only tensors and plain containers and values."""
    if type(obj) in _PLAIN or isinstance(obj, Tensor):
        if isinstance(obj, Tensor) and obj.dtype not in _STORAGE_OF:
            raise TypeError(f"save: the torch format here stores {', '.join(str(d) for d in _STORAGE_OF)} "
                            f"tensors; {where} is {obj.dtype}")
        return
    if type(obj) in (list, tuple):
        for i, value in enumerate(obj):
            _check_plain(value, f"{where}[{i}]")
        return
    if type(obj) in (dict, OrderedDict):
        for key, value in obj.items():
            _check_plain(key, f"a key of {where}")
            _check_plain(value, f"{where}[{key!r}]")
        for attribute, value in vars(obj).items() if type(obj) is OrderedDict else ():
            _check_plain(value, f"{where}.{attribute}")  # a state_dict's _metadata
        return
    raise TypeError(f"save: the torch format stores tensors and plain data (dict, list, tuple, numbers, str, None), "
                    f"as torch.load(weights_only=True) reads them; {where} is a {type(obj).__name__}")


def writer(obj):
    """A function that writes ``obj`` to a binary stream as torch.save does; raises first if it cannot."""
    _check_plain(obj)
    buffer = io.BytesIO()
    pickler = _TorchPickler(buffer)
    pickler.dump(obj)
    pickled, storages = buffer.getvalue(), pickler.storages
    return lambda stream: _write_archive(stream, pickled, storages)


def _aligned_info(name, offset):
    """A stored member's ZipInfo whose data starts at a multiple of _ALIGNMENT (padded in an extra field)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    header = 30 + len(name.encode("utf-8")) + 4  # local header, name, extra field's own header
    padding = -(offset + header) % _ALIGNMENT
    info.extra = struct.pack("<HH", 0x4246, padding) + b"Z" * padding  # the "FB" field torch.save pads with
    return info


def _write_archive(stream, pickled, storages):
    start = stream.tell()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        members = [("data.pkl", pickled), (".format_version", b"1"), (".storage_alignment", str(_ALIGNMENT).encode()),
                   ("byteorder", b"little")]
        members += [(f"data/{key}", memoryview(array.reshape(-1).view(np.uint8))) for key, array in enumerate(storages)]
        members.append(("version", b"3\n"))
        for name, data in members:
            info = _aligned_info(f"{_ARCHIVE}/{name}", stream.tell() - start)
            archive.writestr(info, data)


# ----- reading -----
class _StorageType:
    """What a storage class name of data.pkl loads as: the dtype of the storage's elements."""

    def __init__(self, dtype):
        self.dtype = dtype


class _LoadedStorage:
    def __init__(self, array):
        self.array = array


def _torch_globals(reader):
    """The globals a torch checkpoint may name, as ours: torch's plain-data weights_only allowlist, no more."""
    def rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
        return loaded_tensor(from_numpy(_strided(reader, storage, storage_offset, size, stride)), False,
                             bool(requires_grad), reader)

    def rebuild_parameter(data, requires_grad, backward_hooks, state=None):
        if not isinstance(data, Tensor):
            raise reader.error(f"a parameter of data.pkl wraps a {type(data).__name__}, not a tensor")
        return loaded_tensor(data.array, True, bool(requires_grad), reader)

    def unsupported(name):
        def refuse(*args):
            raise reader.error(f"data.pkl calls torch._utils.{name}: quantized, sparse, nested, meta and device "
                               "tensors are not supported")
        return refuse
    found = dict(allowed_globals())  # plain data and what add_safe_globals allowed
    found.update({f"torch.{name}": _StorageType(dtype) for name, dtype in _STORAGE_TYPES.items()})
    found.update({f"torch.{d.name}": d for d in dtypes._BY_NUMPY.values()})
    found.update({"torch._utils._rebuild_tensor_v2": rebuild_tensor, "torch._utils._rebuild_parameter":
                  rebuild_parameter, "torch._utils._rebuild_parameter_with_state": rebuild_parameter,
                  "torch.Size": Size, "torch.device": device})
    for name in ("_rebuild_qtensor", "_rebuild_sparse_tensor", "_rebuild_nested_tensor", "_rebuild_tensor_v3",
                 "_rebuild_meta_tensor_no_storage", "_rebuild_wrapper_subclass", "_rebuild_device_tensor_from_numpy",
                 "_rebuild_device_tensor_from_cpu_tensor"):
        found[f"torch._utils.{name}"] = unsupported(name)
    return found


def _strided(reader, storage, offset, size, stride):
    """The elements of ``storage`` a tensor with this offset, size and stride covers, as a new array."""
    if not isinstance(storage, _LoadedStorage):
        raise reader.error(f"a tensor of data.pkl is built on a {type(storage).__name__}, not a storage")
    size, stride = tuple(size), tuple(stride)
    if (type(offset) is not int or len(size) != len(stride) or not all(type(v) is int for v in size + stride)
            or offset < 0 or min(size + stride, default=0) < 0):
        raise reader.error(f"a tensor of data.pkl has offset {offset!r}, size {size!r} and stride {stride!r}")
    array = storage.array
    if 0 not in size and offset + sum((n - 1) * s for n, s in zip(size, stride)) >= array.size:
        raise reader.error(f"a tensor of size {size} and stride {stride} at offset {offset} reaches past the end "
                           f"of its storage of {array.size} elements")
    if 0 in size:
        return np.empty(size, array.dtype)
    item = array.itemsize
    return np.lib.stride_tricks.as_strided(array[offset:], size, tuple(s * item for s in stride)).copy()


def load_archive(archive, name, end, prefix, unpickler_args):
    """The object in the torch checkpoint ``archive`` (its members under ``prefix``), trusting nothing in it."""
    reader = CheckedZip(archive, name, end, writer="torch.save")
    byteorder = reader.read(prefix + "byteorder") or b"little"
    if byteorder not in (b"little", b"big"):
        raise reader.error(f"unknown byteorder {byteorder[:20]!r}")
    storages = {}

    def persistent_load(pid):
        if not (type(pid) is tuple and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], _StorageType)
                and type(pid[2]) is str and type(pid[4]) is int and pid[4] >= 0):
            raise reader.error(f"unknown persistent id {str(pid)[:80]} in data.pkl")
        _, storage_type, key, _, numel = pid
        if key not in storages:
            storages[key] = _LoadedStorage(_read_storage(reader, f"{prefix}data/{key}", storage_type.dtype, numel,
                                                         byteorder))
        return storages[key]
    data = reader.read(prefix + "data.pkl")
    unpickler = WeightsOnlyUnpickler(io.BytesIO(data), persistent_load, _torch_globals(reader), **unpickler_args)
    try:
        return unpickler.load()
    except Refused as refused:
        raise weights_only_refusal(name, refused) from None
    except RecursionError:
        raise reader.error("data.pkl is nested too deeply") from None
    except LoadError:
        raise
    except WEIGHTS_ONLY_ERRORS as exc:
        raise reader.error(f"unreadable data.pkl ({exc})") from None


def _read_storage(reader, member, dtype, numel, byteorder):
    info = reader.member(member)
    if info is None:
        raise reader.error(f"missing storage {member}")
    numpy_dtype = np.dtype(dtype.numpy).newbyteorder("<" if byteorder == b"little" else ">")
    if info.file_size != numel * numpy_dtype.itemsize:
        raise reader.error(f"storage {member} declares {numel} elements of {dtype} ({numel * numpy_dtype.itemsize} "
                           f"bytes) but holds {info.file_size} bytes")
    try:
        with reader.archive.open(info) as f:
            flat = read_into(f, np.empty(numel, numpy_dtype))
    except ZIP_ERRORS as exc:
        raise reader.error(f"unreadable storage {member} ({exc})") from None
    return flat.astype(numpy_dtype.newbyteorder("="), copy=False)
