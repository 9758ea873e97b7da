"""save/load of plain data: exact round trips without pickle, clear errors for bad files, atomic writes."""
from collections import OrderedDict
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import autograd_core as torch
import nn


def _nested():
    return {
        "model": OrderedDict([("b", torch.randn(3, 2)), ("a", nn.Parameter(torch.randn(2)))]),
        "dtypes": [torch.tensor([1, 2], dtype=d) for d in (torch.float16, torch.float64, torch.int8, torch.int16,
                                                           torch.int32, torch.int64, torch.uint8, torch.bool)],
        "state": {0: {"step": 7, "exp_avg": torch.zeros(2, 2)}, 1: {}},
        "groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False, "name": None}],
        "misc": (float("inf"), -0.0, 2 ** 70, "ünïcode", [], (), np.float32(1.5), np.arange(3), torch.float32),
        "scalar": torch.tensor(3.5),
        "grad_leaf": torch.ones(2, requires_grad=True),
        "strided": torch.arange(6.0).reshape(2, 3).t(),
    }


def _assert_same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.numpy(force=True), b.numpy(force=True))
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b and str(a) == str(b)


def test_round_trip_is_exact(tmp_path):
    obj = _nested()
    path = tmp_path / "checkpoint.pt"
    torch.save(obj, path)
    loaded = torch.load(path)
    _assert_same(obj, loaded)
    assert isinstance(loaded["model"]["a"], nn.Parameter)
    loaded["state"][0]["exp_avg"].data += 1  # loaded arrays are writable
    assert torch.isnan(torch.load(str(path), map_location="cpu")["scalar"] * float("nan")).item()


def test_file_objects_and_shared_arrays():
    lin = nn.Linear(3, 3)
    tied = {"encoder": lin.weight, "decoder": lin.weight, "copy": lin.weight.detach()}
    buffer = io.BytesIO()
    torch.save(tied, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer)
    assert loaded["encoder"] is loaded["decoder"]
    assert loaded["copy"].array is loaded["encoder"].array  # same storage, as saved


def test_model_state_dict_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    torch.save(model.state_dict(), tmp_path / "mnist.model")
    other = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    other.load_state_dict(torch.load(tmp_path / "mnist.model"))
    x = torch.randn(5, 4)
    np.testing.assert_array_equal(model(x).numpy(force=True), other(x).numpy(force=True))


def test_unpicklable_objects_are_refused_before_writing(tmp_path):
    path = tmp_path / "out.pt"
    with pytest.raises((pickle.PicklingError, AttributeError)):  # objects outside plain data are pickled
        torch.save({"x": [1, lambda: 0]}, path)
    assert not path.exists()
    assert os.listdir(tmp_path) == []


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch pwned_marker",))


def test_pickle_files_are_refused_without_running_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"weights": _Payload()}))
    with pytest.raises(ValueError, match="evil.pt.*pickle data"):
        torch.load(path)
    assert not (tmp_path / "pwned_marker").exists()


def test_object_arrays_inside_the_archive_are_refused(tmp_path):
    path = tmp_path / "crafted.pt"
    manifest = {"format": "autograd_core.save", "version": 1, "root": {"type": "ndarray", "array": 0}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        with archive.open("arrays/0.npy", "w") as f:
            np.lib.format.write_array(f, np.array([_Payload()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="crafted.pt' is corrupt: unreadable array.*Object arrays"):
        torch.load(path)


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.randn(100)}, path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ValueError, match="model.pt.*not a zip archive"):
        torch.load(path)


def test_corrupted_array_bytes_are_detected(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(1000)}, path)
    data = bytearray(path.read_bytes())
    start = data.index(b"\x00" * 64)
    data[start:start + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="model.pt' is corrupt: unreadable array.*CRC"):
        torch.load(path)


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@pytest.mark.parametrize("members, message", [
    ({"data.pkl": b"x"}, "no manifest.json"),
    ({"manifest.json": b"{not json"}, "unreadable manifest.json"),
    ({"manifest.json": b'{"format": "other"}'}, "unknown manifest format"),
    ({"manifest.json": b'{"format": "autograd_core.save", "version": 99}'}, "format version 99"),
    ({"manifest.json": b'{"format": "autograd_core.save", "version": 1, "root": {"type": "code"}}'},
     "unknown entry type 'code'"),
    ({"manifest.json": b'{"format": "autograd_core.save", "version": 1, "root": {"type": "tensor", "array": 0}}'},
     "missing array arrays/0.npy"),
    ({"manifest.json": b'{"format": "autograd_core.save", "version": 1, "root": {"type": "tensor", "ref": [0], '
                       b'"array": 0}}', "arrays/0.npy": _npy_bytes(np.zeros(1, np.float32))},
     r"bad tensor reference \[0\]"),
    ({"manifest.json": b'{"format": "autograd_core.save", "version": 1, "root": {"type": "pickle", "tensors": []}}'},
     "missing data.pkl"),
])
def test_foreign_or_malformed_archives(tmp_path, members, message):
    path = tmp_path / "foreign.pt"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(ValueError, match=message):
        torch.load(path)


def test_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    old = {"w": torch.arange(5.0)}
    torch.save(old, path)
    original_bytes = path.read_bytes()
    real_write = np.lib.format.write_array
    calls = []

    def failing_write(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_write(*args, **kwargs)
    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    with pytest.raises(OSError, match="disk full"):
        torch.save({"a": torch.ones(1000), "b": torch.ones(1000)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == original_bytes
    _assert_same(torch.load(path), old)
    assert os.listdir(tmp_path) == ["model.pt"]


def test_map_location_must_be_the_cpu(tmp_path):
    torch.save([1], tmp_path / "x.pt")
    with pytest.raises(RuntimeError, match="not available"):
        torch.load(tmp_path / "x.pt", map_location="cuda")
