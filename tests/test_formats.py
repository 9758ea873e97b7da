"""Models that travel: safetensors and PyTorch's checkpoint format, both ways, beside PyTorch 2.13.

The committed checkpoints in tests/reference/checkpoints (written by real torch)
cover loading without torch installed; the round trips run torch when it is.
"""
import io
import json
import os
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

import autograd_core as torch
import nn
from autograd_core.serialization import LoadError

CHECKPOINTS = Path(__file__).resolve().parent / "reference" / "checkpoints"


def expected_state_dict():
    """What make_checkpoints.py saved, recomputed with numpy."""
    return {
        "linear.weight": np.arange(6, dtype=np.float32).reshape(2, 3) / 8,
        "linear.bias": np.array([0.5, -0.25], np.float32),
        "transposed": np.arange(6, dtype=np.float64).reshape(2, 3).T,
        "slice": np.arange(10, dtype=np.float32)[2:5],
        "count": np.array(7, np.int64),
        "mask": np.array([True, False, True]),
        "half": np.array([1.5, -2.0], np.float16),
    }


def assert_state_dicts_equal(loaded, expected):
    assert sorted(loaded) == sorted(expected)
    for key, want in expected.items():
        got = loaded[key].numpy(force=True)
        assert got.dtype == want.dtype and got.shape == want.shape, key
        np.testing.assert_array_equal(got, want, err_msg=key)


# ----- files written by torch, read without it -----
@pytest.mark.parametrize("name", ["torch_state_dict.pt", "state_dict.safetensors"])
def test_committed_pytorch_files_load_with_every_layout(name):
    loaded = torch.load(CHECKPOINTS / name)
    assert_state_dicts_equal(loaded, expected_state_dict())
    loaded["linear.weight"].add_(1)  # loaded arrays are the tensors' own, writable


def test_committed_parameters_load_as_parameters():
    weight, frozen = torch.load(CHECKPOINTS / "torch_parameters.pt")
    assert isinstance(weight, nn.Parameter) and weight.requires_grad and not frozen.requires_grad
    np.testing.assert_array_equal(weight.numpy(force=True), [1.0, 1.0])


def test_the_legacy_non_zip_format_is_named():
    with pytest.raises(LoadError, match=r"torch_legacy.pt' is in PyTorch's legacy \(pre-1.6, non-zip\) format"):
        torch.load(CHECKPOINTS / "torch_legacy.pt")


def test_format_is_told_by_content_and_checked_when_given(tmp_path):
    path = tmp_path / "weights.bin"
    torch.save({"w": torch.ones(2)}, path, format="safetensors")
    assert torch.load(path)["w"].shape == (2,)
    with pytest.raises(LoadError, match="weights.bin' is in the safetensors format, not the torch format"):
        torch.load(path, format="torch")
    with pytest.raises(ValueError, match="save: unknown format 'onnx'; expected one of"):
        torch.save({}, path, format="onnx")
    with pytest.raises(ValueError, match="load: unknown format 'npz'"):
        torch.load(path, format="npz")


def test_onnx_files_are_pointed_to_the_exporter(tmp_path):
    with pytest.raises(ValueError, match=r"names an ONNX model, which save does not write; export the model with"):
        torch.save({"w": torch.ones(1)}, tmp_path / "m.onnx")
    (tmp_path / "m.onnx").write_bytes(b"\x08\x08\x12\x0cautograd_core")
    with pytest.raises(LoadError, match="m.onnx' is an ONNX model, not a checkpoint: run it with onnxruntime"):
        torch.load(tmp_path / "m.onnx")


# ----- what each format refuses to write -----
def test_safetensors_holds_a_flat_dict_of_tensors(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(b"old")
    with pytest.raises(TypeError, match=r"safetensors format holds a flat dict .* the entry 'state': dict"):
        torch.save({"state": {"step": 1}}, path)
    with pytest.raises(TypeError, match="flat dict of str -> Tensor .* got list"):
        torch.save([torch.ones(1)], path)
    with pytest.raises(TypeError, match="metadata must be a dict of str -> str"):
        torch.save({"w": torch.ones(1)}, path, metadata={"epoch": 3})
    with pytest.raises(ValueError, match="metadata is stored by the safetensors format only"):
        torch.save({"w": torch.ones(1)}, tmp_path / "m.pt", metadata={"a": "b"})
    assert path.read_bytes() == b"old"  # nothing written by a refused save


def test_the_torch_format_holds_tensors_and_plain_data(tmp_path):
    path = tmp_path / "m.pt"
    with pytest.raises(TypeError, match=r"torch format stores tensors and plain data .*; the object is a Linear"):
        torch.save(nn.Linear(2, 2), path, format="torch")
    with pytest.raises(TypeError, match=r"\['opt'\]\[0\] is a set"):
        torch.save({"opt": [{1, 2}]}, path, format="torch")
    assert not path.exists()


def test_safetensors_metadata_is_written(tmp_path):
    path = tmp_path / "m.safetensors"
    torch.save({"w": torch.ones(1)}, path, metadata={"format": "pt", "epoch": "3"})
    (header_size,) = struct.unpack("<Q", path.read_bytes()[:8])
    assert json.loads(path.read_bytes()[8:8 + header_size])["__metadata__"] == {"format": "pt", "epoch": "3"}


# ----- crafted and damaged PyTorch checkpoints -----
class _Payload:
    def __reduce__(self):
        return os.system, ("touch pwned_marker",)


def _torch_archive(pickled, storages=None, prefix="archive/"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(prefix + "data.pkl", pickled)
        archive.writestr(prefix + "byteorder", "little")
        for key, data in (storages or {}).items():
            archive.writestr(f"{prefix}data/{key}", data)
    return buffer.getvalue()


def _load_error(blob, match):
    with pytest.raises(LoadError, match=match):
        torch.load(io.BytesIO(blob))


def test_a_malicious_torch_checkpoint_is_refused_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blob = _torch_archive(pickle.dumps({"w": _Payload()}, protocol=2))
    for weights_only in (True, False):  # a torch checkpoint is never unpickled unrestricted
        with pytest.raises(pickle.UnpicklingError, match=r"Unsupported global: GLOBAL (posix|os)\.system"):
            torch.load(io.BytesIO(blob), weights_only=weights_only)
    assert not (tmp_path / "pwned_marker").exists()


def _op(value):
    """``value`` (an int, a str, or a tuple of them) as protocol-2 pickle opcodes, memoizing nothing."""
    if isinstance(value, tuple):
        return b"(" + b"".join(map(_op, value)) + b"t"
    if isinstance(value, str):
        return b"X" + struct.pack("<I", len(value)) + value.encode()
    return b"J" + struct.pack("<i", value)


def _rebuild_call(key, numel, offset, size, stride):
    """A protocol-2 pickle of one _rebuild_tensor_v2 call on a float storage, as torch.save writes it."""
    storage = b"(" + _op("storage") + b"ctorch\nFloatStorage\n" + _op(key) + _op("cpu") + _op(numel) + b"tQ"
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" + storage + _op(offset) + _op(size) + _op(stride)
            + b"\x89ccollections\nOrderedDict\n)RtR.")


@pytest.mark.parametrize("key, numel, offset, size, stride, data, match", [
    ("0", 4, 0, (2, 2), (2, 1), bytes(16), None),
    ("0", 4, 1, (2, 2), (2, 1), bytes(16), "reaches past the end of its storage of 4 elements"),
    ("0", 4, 0, (2, 2), (2, -1), bytes(16), r"stride \(2, -1\)"),
    ("0", 4, 0, (2, 2), (2, 1), bytes(12), r"declares 4 elements of torch.float32 \(16 bytes\) but holds 12"),
    ("1", 4, 0, (2, 2), (2, 1), bytes(16), "missing storage archive/data/1"),
    ("0", -1, 0, (1,), (1,), bytes(4), "unknown persistent id"),
], ids=["valid", "past the end", "negative stride", "short storage", "missing storage", "negative numel"])
def test_tensor_layouts_are_checked_against_their_storage(key, numel, offset, size, stride, data, match):
    blob = _torch_archive(_rebuild_call(key, numel, offset, size, stride), {"0": data})
    if match is None:
        assert torch.load(io.BytesIO(blob)).shape == size
    else:
        _load_error(blob, match)


def test_unsupported_tensor_kinds_are_named():
    pickled = b"\x80\x02ctorch._utils\n_rebuild_sparse_tensor\n)R."
    _load_error(_torch_archive(pickled), r"calls torch._utils._rebuild_sparse_tensor: quantized, sparse")


def test_damaged_pytorch_checkpoints_raise_load_error():
    data = (CHECKPOINTS / "torch_state_dict.pt").read_bytes()
    outcomes = set()
    for n in range(0, len(data), 7):
        with pytest.raises(LoadError):
            torch.load(io.BytesIO(data[:n]))
    rng = np.random.default_rng(0)
    for position in rng.choice(8 * len(data), 1500, replace=False):
        damaged = bytearray(data)
        damaged[position // 8] ^= 1 << (position % 8)
        try:
            loaded = torch.load(io.BytesIO(bytes(damaged)))
        except LoadError:
            outcomes.add("LoadError")
            continue
        assert_state_dicts_equal(loaded, expected_state_dict())  # a flip the zip format ignores changes nothing
        outcomes.add("same")
    assert "LoadError" in outcomes


def test_damaged_safetensors_files_raise_load_error():
    data = (CHECKPOINTS / "state_dict.safetensors").read_bytes()
    (header_size,) = struct.unpack("<Q", data[:8])
    for n in range(len(data)):
        with pytest.raises(LoadError, match="not a readable safetensors file|not a checkpoint"):
            torch.load(io.BytesIO(data[:n]))
    for position in range(8 * (8 + header_size)):  # every flip of the length and the header
        damaged = bytearray(data)
        damaged[position // 8] ^= 1 << (position % 8)
        try:
            loaded = torch.load(io.BytesIO(bytes(damaged)))
        except LoadError:
            continue
        assert sorted(loaded) == sorted(expected_state_dict()) or len(loaded) == len(expected_state_dict())


# ----- round trips with real PyTorch -----
def _mlp(lib_nn):
    return lib_nn.Sequential(lib_nn.Linear(784, 300), lib_nn.ReLU(), lib_nn.Linear(300, 10))


def _cnn(lib_nn):
    return lib_nn.Sequential(lib_nn.Conv2d(1, 10, 3), lib_nn.BatchNorm2d(10), lib_nn.ReLU(), lib_nn.Flatten(),
                             lib_nn.Linear(6760, 10))


def _lstm(lib_nn):
    class Net(lib_nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = lib_nn.LSTM(3, 8, num_layers=2, batch_first=True)
            self.head = lib_nn.Linear(8, 2)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1])
    return Net()


MODELS = {"mlp": (_mlp, (4, 784)), "cnn": (_cnn, (2, 1, 28, 28)), "lstm": (_lstm, (2, 5, 3))}


def _trained_a_little(model, lib, shape):
    """One optimizer-free update of the batch-norm statistics, so buffers differ from their init."""
    model.train()
    model(lib.ones(shape))
    return model.eval()


def _outputs(model, lib, x):
    with lib.no_grad():
        return model(lib.tensor(x)).numpy()


def _save_ours(state, path, fmt):
    torch.save(state, path, format=fmt)


def _load_theirs(torch_ref, path, fmt):
    if fmt == "safetensors":
        from safetensors.torch import load_file
        return load_file(path)
    return torch_ref.load(path, weights_only=True)


@pytest.mark.parametrize("fmt", ["torch", "safetensors"])
@pytest.mark.parametrize("name", list(MODELS))
def test_ours_to_torch_to_ours(tmp_path, name, fmt):
    torch_ref = pytest.importorskip("torch")
    build, shape = MODELS[name]
    torch.manual_seed(0)
    ours = _trained_a_little(build(nn), torch, shape)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    path = tmp_path / f"ours.{'safetensors' if fmt == 'safetensors' else 'pt'}"
    _save_ours(ours.state_dict(), path, fmt)
    theirs = build(torch_ref.nn).eval()
    theirs.load_state_dict(_load_theirs(torch_ref, path, fmt))
    np.testing.assert_allclose(_outputs(theirs, torch_ref, x), _outputs(ours, torch, x), rtol=1e-5, atol=1e-6)
    torch_ref.save(theirs.state_dict(), tmp_path / "back.pt")
    again = build(nn).eval()
    again.load_state_dict(torch.load(tmp_path / "back.pt"))
    np.testing.assert_array_equal(_outputs(again, torch, x), _outputs(ours, torch, x))


@pytest.mark.parametrize("fmt", ["torch", "safetensors"])
@pytest.mark.parametrize("name", list(MODELS))
def test_torch_to_ours_to_torch(tmp_path, name, fmt):
    torch_ref = pytest.importorskip("torch")
    build, shape = MODELS[name]
    torch_ref.manual_seed(0)
    theirs = _trained_a_little(build(torch_ref.nn), torch_ref, shape)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    if fmt == "safetensors":
        from safetensors.torch import save_file
        save_file(theirs.state_dict(), tmp_path / "theirs.safetensors")
        loaded = torch.load(tmp_path / "theirs.safetensors")
    else:
        torch_ref.save(theirs.state_dict(), tmp_path / "theirs.pt")
        loaded = torch.load(tmp_path / "theirs.pt")
    ours = build(nn).eval()
    ours.load_state_dict(loaded)
    np.testing.assert_allclose(_outputs(ours, torch, x), _outputs(theirs, torch_ref, x), rtol=1e-5, atol=1e-6)
    path = tmp_path / f"back.{'safetensors' if fmt == 'safetensors' else 'pt'}"
    _save_ours(ours.state_dict(), path, fmt)
    back = _load_theirs(torch_ref, path, fmt)
    for key, value in theirs.state_dict().items():
        assert back[key].dtype == value.dtype and back[key].shape == value.shape, key
        assert torch_ref.equal(back[key], value), key


def test_optimizer_state_travels_in_the_torch_format(tmp_path):
    torch_ref = pytest.importorskip("torch")
    import optim
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.1)
    model(torch.ones(4, 3)).sum().backward()
    opt.step()
    torch.save(opt.state_dict(), tmp_path / "opt.pt", format="torch")
    theirs = torch_ref.load(tmp_path / "opt.pt", weights_only=True)
    assert theirs["param_groups"][0]["lr"] == 0.1
    ours = torch.load(tmp_path / "opt.pt")
    np.testing.assert_array_equal(ours["state"][0]["exp_avg"].numpy(), opt.state_dict()["state"][0]["exp_avg"].numpy())


def test_a_shared_tensor_is_saved_once_and_torch_sees_it_shared(tmp_path):
    torch_ref = pytest.importorskip("torch")
    w = torch.randn(3)
    torch.save({"a": w, "b": w}, tmp_path / "tied.pt", format="torch")
    with zipfile.ZipFile(tmp_path / "tied.pt") as archive:
        assert sum(name.startswith("archive/data/") for name in archive.namelist()) == 1
    theirs = torch_ref.load(tmp_path / "tied.pt", weights_only=True)
    assert theirs["a"].data_ptr() == theirs["b"].data_ptr()
    ours = torch.load(tmp_path / "tied.pt")
    np.testing.assert_array_equal(ours["a"].numpy(), w.numpy())


def test_a_failed_load_state_dict_leaves_the_model_unchanged(tmp_path):
    torch.save({"weight": torch.ones(5, 3), "bias": torch.ones(2)}, tmp_path / "wrong.safetensors")
    model = nn.Linear(3, 2)
    before = [p.numpy(force=True).copy() for p in model.parameters()]
    with pytest.raises(RuntimeError, match=r"size mismatch for weight"):
        model.load_state_dict(torch.load(tmp_path / "wrong.safetensors"))
    for p, old in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.numpy(force=True), old)
