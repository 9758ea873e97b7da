"""Read IDX files (the MNIST format), plain or gzip-compressed, validating the header against the payload.

An IDX file starts with two zero bytes, a type code, the number of dimensions,
then one big-endian int32 per dimension, then the values in row-major order.
"""
import gzip
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "write_idx", "IDXError"]

_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
          0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_CODES = {dtype.newbyteorder("="): code for code, dtype in _TYPES.items()}


class IDXError(ValueError):
    """A file that is not a well-formed IDX file of the expected kind."""


def read_idx(path, expected_ndim=None):
    """The array stored in the IDX file at ``path`` (``.gz`` is decompressed), in native byte order."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise IDXError(f"{path}: cannot read it as {'gzip ' if path.suffix == '.gz' else ''}IDX data: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        raise IDXError(f"{path}: not an IDX file (magic number {raw[:4].hex() or 'missing'}; expected 0000 followed "
                       "by a type byte such as 08 for uint8 and the number of dimensions)")
    dtype, ndim = _TYPES[raw[2]], raw[3]
    if expected_ndim is not None and ndim != expected_ndim:
        magic = int.from_bytes(raw[:4], "big")
        raise IDXError(f"{path}: IDX magic number {magic} says {ndim} dimensions, expected {expected_ndim} "
                       f"(magic {0x800 + expected_ndim}); is this the right file?")
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected_bytes = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected_bytes:
        raise IDXError(f"{path}: header says shape {shape} ({expected_bytes} bytes in all) but the file holds "
                       f"{len(raw)} bytes; the file is truncated or corrupt")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Store ``array`` as an IDX file at ``path`` (gzip-compressed when the name ends in .gz)."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise IDXError(f"write_idx: IDX has no type for {array.dtype}; use one of "
                       f"{', '.join(str(d) for d in _CODES)}")
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    payload = header + array.astype(_TYPES[code], copy=False).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(payload) if path.suffix == ".gz" else payload)
    return path
