"""safetensors files: a flat dict of named tensors, through the safetensors package's numpy API.

The format is a JSON header (names, dtypes, shapes, byte ranges) and the raw
bytes: nothing in it is code, so loading never runs any. A file written here
loads with ``safetensors.torch.load_file`` into a PyTorch model, and the reverse.
"""
import numpy as np
import safetensors.numpy
from safetensors import SafetensorError

from .. import dtypes
from ..arrays import from_numpy, to_numpy
from ..tensor import Tensor, _new
from ._files import LoadError, placed


def writer(obj, metadata=None):
    """A function that writes the state dict ``obj`` to a binary stream; raises first if the format cannot hold it."""
    if not isinstance(obj, dict):
        raise TypeError(f"save: the safetensors format holds a flat dict of str -> Tensor (a state_dict), "
                        f"got {type(obj).__name__}")
    arrays = {}
    for key, value in obj.items():
        if type(key) is not str or not isinstance(value, Tensor):
            raise TypeError(f"save: the safetensors format holds a flat dict of str -> Tensor (a state_dict), got "
                            f"the entry {key!r}: {type(value).__name__} (nested state such as an optimizer's needs "
                            "the default format)")
        arrays[key] = np.require(to_numpy(value.detach().array), requirements="C")
    if metadata is not None and not (isinstance(metadata, dict)
                                     and all(type(k) is str and type(v) is str for k, v in metadata.items())):
        raise TypeError("save: safetensors metadata must be a dict of str -> str")
    data = safetensors.numpy.save(arrays, metadata=metadata)
    return lambda stream: stream.write(data)


# the format's element types that tensors hold (safetensors.numpy.load knows no BF16)
_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": dtypes.bfloat16,
           "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
           "C64": np.complex64}


def load_stream(stream, name):
    """The dict of tensors in the safetensors file ``stream``, by name (the format keeps no order)."""
    try:
        views = safetensors.deserialize(stream.read())
    except SafetensorError as exc:
        raise LoadError(f"load: {name} is corrupt: not a readable safetensors file ({exc})") from None
    return {key: _new(placed(from_numpy(_view_array(key, view, name)))) for key, view in sorted(views)}


def _view_array(key, view, name):
    if view["dtype"] not in _DTYPES:
        raise LoadError(f"load: {name} holds {key!r} of dtype {view['dtype']}, which tensors cannot hold; expected "
                        "one of " + ", ".join(_DTYPES))
    return np.frombuffer(view["data"], dtype=dtypes.to_numpy_dtype(_DTYPES[view["dtype"]])).reshape(view["shape"])
