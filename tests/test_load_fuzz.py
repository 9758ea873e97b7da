"""load() of damaged and crafted files: one error class, LoadError, naming the file and the part that is wrong.

The fuzz tests take small saved files and load every truncation, every single-bit flip and seeded random
bytes; each must raise LoadError or load the original. Damage inside a member behind a valid CRC (a crafted
file) may load other values, or be a weights_only refusal, but never raise anything else.
"""
from collections import Counter
import io
import json
import pickle
import random
import struct
import zipfile

import numpy as np
import pytest

import autograd_core as torch
import nn
from autograd_core import serialization
from autograd_core.serialization import LoadError


def _saved(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _archive(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, torch.Tensor):
        return (a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
                and np.array_equal(a.numpy(force=True), b.numpy(force=True)))
    if isinstance(a, nn.Module):
        return _same(dict(a.state_dict()), dict(b.state_dict()))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _outcome(blob, original, weights_only):
    """How loading ``blob`` ends: 'LoadError', 'refused' (weights_only), 'same' or 'different'; else it raises."""
    try:
        loaded = torch.load(io.BytesIO(blob), weights_only=weights_only)
    except LoadError:
        return "LoadError"
    except pickle.UnpicklingError as exc:
        if "WeightsUnpickler error" not in str(exc):
            raise
        return "refused"
    return "same" if _same(loaded, original) else "different"


def _cases():
    torch.manual_seed(0)
    return {
        "state dict": ({"w": torch.randn(3, 2), "step": 3, "nested": {"a": [1, 2.5, None, "x"]}}, True),
        "pickled plain data": ({"w": torch.randn(2), "tags": {1, 2}}, True),  # a set: pickled, default globals
        "whole model": (nn.Linear(2, 2), False),
    }


MAX_FLIPS = 6000  # a larger file has a seeded sample of its single-bit flips loaded


def _bit_flips(data, rng=None):
    """Every single-bit flip of ``data``, or a sample of MAX_FLIPS of them drawn with ``rng``."""
    positions = range(8 * len(data))
    if rng is not None and len(positions) > MAX_FLIPS:
        positions = sorted(rng.sample(positions, MAX_FLIPS))
    for position in positions:
        damaged = bytearray(data)
        damaged[position // 8] ^= 1 << (position % 8)
        yield bytes(damaged)


def _random_files(rng, data):
    for _ in range(200):
        yield rng.randbytes(rng.randrange(0, 2000))
    for _ in range(200):
        yield b"PK\x03\x04" + rng.randbytes(rng.randrange(0, 2000))  # a zip's first bytes, then noise
    for _ in range(300):
        start, size = rng.randrange(len(data)), rng.randrange(1, 64)
        yield data[:start] + rng.randbytes(size) + data[start + size:]  # a run of bytes overwritten


@pytest.mark.parametrize("case", ["state dict", "pickled plain data", "whole model"])
def test_every_truncation_bit_flip_and_random_file_is_a_load_error_or_the_original(case):
    original, weights_only = _cases()[case]
    data = _saved(original)
    rng = random.Random(1234)
    counts = Counter()
    for kind, blobs in (("truncation", (data[:n] for n in range(len(data)))), ("bit flip", _bit_flips(data, rng)),
                        ("random", _random_files(rng, data))):
        for blob in blobs:
            outcome = _outcome(blob, original, weights_only)
            assert outcome in ("LoadError", "same"), (kind, outcome)
            counts[kind, outcome] += 1
    print(f"{case} ({len(data)} bytes):", dict(counts))
    assert counts["truncation", "LoadError"] == len(data)
    assert counts["bit flip", "LoadError"] > len(data)  # most flips are caught (CRC, headers), the rest harmless


@pytest.mark.parametrize("case", ["state dict", "pickled plain data"])
def test_damage_behind_a_valid_crc_raises_nothing_but_load_error(case):
    """Each member's every bit flipped and the archive rebuilt around it, as a crafted file would be."""
    original, weights_only = _cases()[case]
    members = _members(_saved(original))
    counts = Counter()
    for name, content in members.items():
        for damaged in _bit_flips(content):
            counts[name, _outcome(_archive({**members, name: damaged}), original, weights_only)] += 1
    print(f"{case}:", dict(counts))
    assert all(counts[name, "LoadError"] > 0 for name in members)


def _manifest(root):
    return json.dumps({"format": "autograd_core.save", "version": 1, "root": root}).encode()


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _plain_file(root, *arrays, compression=zipfile.ZIP_STORED):
    members = {"manifest.json": _manifest(root)}
    members.update((f"arrays/{i}.npy", a if isinstance(a, bytes) else _npy(a)) for i, a in enumerate(arrays))
    return _archive(members, compression)


def _pickle_file(pickled):
    return _archive({"manifest.json": _manifest({"type": "pickle", "tensors": []}), "data.pkl": pickled})


def _central_record(blob, name):
    """Where ``name``'s record of the zip central directory starts in ``blob``."""
    at = blob.index(b"PK\x01\x02")
    while blob[at + 46:at + 46 + len(name)] != name.encode():
        at = blob.index(b"PK\x01\x02", at + 4)
    return at


def _patched(blob, name, offset, fmt, value):
    """``blob`` with the field at ``offset`` of ``name``'s central directory record set to ``value``."""
    at = _central_record(blob, name) + offset
    return blob[:at] + struct.pack(fmt, value) + blob[at + struct.calcsize(fmt):]


def _load_error(blob, match, weights_only=True):
    with pytest.raises(LoadError, match=match):
        torch.load(io.BytesIO(blob), weights_only=weights_only)


def test_load_error_is_the_serialization_modules_value_error():
    assert issubclass(LoadError, ValueError) and "LoadError" in serialization.__all__


NDARRAY = {"type": "ndarray", "array": 0}


@pytest.mark.parametrize("deflated, member", [("array", "arrays/0.npy"), ("all", "manifest.json")])
def test_a_zip_bomb_is_refused_before_anything_is_inflated(deflated, member):
    """The issue's 4.2 MB file inflated to a 4.3 GB array; here 16 MiB of zeros fit in a few KiB."""
    bomb = _npy(np.zeros(1 << 22, np.float32))
    if deflated == "all":
        blob = _plain_file(NDARRAY, bomb, compression=zipfile.ZIP_DEFLATED)
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("manifest.json", _manifest(NDARRAY))
            archive.writestr("arrays/0.npy", bomb, compress_type=zipfile.ZIP_DEFLATED)
        blob = buffer.getvalue()
    assert len(blob) < 1 << 16
    _load_error(blob, rf"load: '<file object>' is corrupt: {member} is compressed \(zip method 8\)")


def _npy_declaring(shape, data):
    """An .npy member whose header declares float64 ``shape`` but which holds ``data``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + data


@pytest.mark.parametrize("shape, data, message", [
    ((1 << 40,), bytes(8), r"declares shape \(1099511627776,\) of float64 \(8796093022208 bytes\) but holds 8 "),
    ((1,), bytes(16), r"declares shape \(1,\) of float64 \(8 bytes\) but holds 16 bytes"),
    ((3, -1), b"", r"has a negative size in its shape \(3, -1\)"),
], ids=["8 TiB declared", "trailing data", "negative size"])
def test_each_arrays_header_must_match_its_member_size_before_reading(shape, data, message):
    _load_error(_plain_file(NDARRAY, _npy_declaring(shape, data)), rf"corrupt: array arrays/0.npy {message}")


def test_an_array_header_numpy_cannot_parse():
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,\n"  # unbalanced: a tokenizer error
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(16)
    _load_error(_plain_file(NDARRAY, npy), r"unreadable array arrays/0.npy")


@pytest.mark.parametrize("offset, fmt, value, message", [
    (6, "<H", 84, r"not a zip archive .*zip file version 8.4"),
    (8, "<H", 0x1, r"corrupt: manifest.json is encrypted"),
    (8, "<H", 0x40, r"corrupt: manifest.json is encrypted"),
    (20, "<I", 1 << 31, r"corrupt: manifest.json declares"),
], ids=["zip version 8.4", "encrypted", "strong encryption", "2 GiB declared"])
def test_zip_records_the_format_never_writes(offset, fmt, value, message):
    blob = _plain_file([1, 2])
    if offset == 20:  # both sizes: the compressed and the uncompressed one
        blob = _patched(blob, "manifest.json", 24, fmt, value)
    _load_error(_patched(blob, "manifest.json", offset, fmt, value), message)


@pytest.mark.parametrize("manifest, arrays, message", [
    (b"[" * 100_000, (), r"unreadable manifest.json \(maximum recursion depth"),
    ({"type": "dict", "items": [[{"type": "list", "items": []}, 1]]}, (), r"unhashable dict key of type list"),
    ({"type": "tensor", "ref": 0, "array": 0, "requires_grad": True}, (np.arange(3),),
     r"int64 tensor is marked requires_grad"),
    ({"type": "numpy_scalar", "array": 0}, (np.zeros(2),), r"numpy scalar of shape \(2,\)"),
    ({"type": "dtype", "name": ["float32"]}, (), r"unknown dtype \['float32'\]"),
], ids=["deep JSON", "unhashable key", "integer requires_grad", "numpy scalar of 2 values", "dtype not a name"])
def test_malformed_manifests(manifest, arrays, message):
    members = {"manifest.json": manifest if isinstance(manifest, bytes) else _manifest(manifest)}
    members.update((f"arrays/{i}.npy", _npy(a)) for i, a in enumerate(arrays))
    _load_error(_archive(members), message)


@pytest.mark.parametrize("pickled, weights_only", [
    (b"\x80\x02c__builtin__\nbytearray\n(\x8a\x07" + (10 ** 15).to_bytes(7, "little") + b"tR.", True),  # 1 PB
    (b"\x80\x02c__builtin__\nset\n(K\x01tR.", True),  # set(1)
    (b"\x80\x02]q\x00(K\x01", True),  # truncated
    (b"\x80\x02]q\x00(K\x01", False),
    (b"\x80\x02\xff.", False),  # not an opcode
], ids=["bytearray of 1 PB", "set(1)", "truncated", "truncated, weights_only=False", "bad opcode"])
def test_damaged_pickles_are_load_errors(pickled, weights_only):
    _load_error(_pickle_file(pickled), r"corrupt: unreadable data.pkl", weights_only)


def test_a_disallowed_global_stays_a_weights_only_refusal():
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL posix.system was not an allowed global") as refused:
        torch.load(io.BytesIO(_pickle_file(b"\x80\x02cposix\nsystem\nq\x00.")))
    assert not isinstance(refused.value, LoadError)


def test_arrays_larger_than_one_read_load_exactly():
    values = np.random.default_rng(3).standard_normal(5 << 20).astype(np.float32)  # 20 MiB: two reads
    loaded = torch.load(io.BytesIO(_saved({"w": torch.from_numpy(values).t()})))["w"]
    np.testing.assert_array_equal(loaded.numpy(force=True), values)
    loaded += 1  # writable
