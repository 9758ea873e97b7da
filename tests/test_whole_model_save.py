"""Whole-object save/load (PyTorch's save/load tutorial): pickled around the tensors, refused by weights_only."""
import io
import os
import pickle
import pickletools
import zipfile

import numpy as np
import pytest

import autograd_core as torch
import nn
import optim
from autograd_core import serialization

torch_ref = pytest.importorskip("torch")


class TiedNet(nn.Module):
    """Buffers (batch norm's running statistics) and one Parameter used in two places."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(4, 4, bias=False)
        self.norm = nn.BatchNorm1d(4)
        self.head = nn.Linear(4, 4, bias=False)
        self.head.weight = self.embed.weight
        self.register_buffer("scale", torch.tensor(2.0))

    def forward(self, x):
        return self.head(torch.relu(self.norm(self.embed(x)))) * self.scale


class Config:
    """A user class to be allowed through safe_globals."""

    def __init__(self, name, weights):
        self.name, self.weights = name, weights


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch pwned_marker",))


def _trained_model():
    model = TiedNet()
    model(torch.randn(8, 4))  # training mode: running statistics move
    model.eval()
    return model


def _globals_in(path):
    """The ``module name`` strings data.pkl names (its GLOBAL opcodes)."""
    with zipfile.ZipFile(path) as archive:
        data = archive.read("data.pkl")
    return {arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"}


def test_model_round_trip_keeps_buffers_tied_parameters_and_outputs(tmp_path):
    model = _trained_model()
    path = tmp_path / "model.pth"
    torch.save(model, path)
    loaded = torch.load(path, weights_only=False)
    assert type(loaded) is TiedNet and loaded.training is False
    assert loaded.head.weight is loaded.embed.weight  # shared, as saved
    assert isinstance(loaded.embed.weight, nn.Parameter) and loaded.embed.weight.requires_grad
    assert len(list(loaded.parameters())) == len(list(model.parameters()))
    for (name, ours), (_, theirs) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert ours.dtype == theirs.dtype, name
        np.testing.assert_array_equal(ours.numpy(force=True), theirs.numpy(force=True), err_msg=name)
    assert loaded.norm.running_mean.abs().sum().item() > 0
    x = torch.randn(3, 4)
    np.testing.assert_array_equal(model(x).numpy(force=True), loaded(x).numpy(force=True))
    loaded(x).sum().backward()  # a working graph: the loaded parameters are leaves
    assert loaded.embed.weight.grad.shape == (4, 4)


def test_tensors_never_go_through_pickle(tmp_path):
    path = tmp_path / "model.pth"
    torch.save(_trained_model(), path)
    names = _globals_in(path)
    assert "__main__ TiedNet" in names or any(n.endswith(" TiedNet") for n in names)
    assert not any("Tensor" in n or "Parameter" in n or "numpy" in n for n in names), names
    with zipfile.ZipFile(path) as archive:
        assert sum(n.startswith("arrays/") for n in archive.namelist()) == 7  # shared weight, norm (5), scale
    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(torch.zeros(1))  # tensors refuse pickle itself


def test_state_dicts_keep_the_format_without_pickle(tmp_path):
    path = tmp_path / "weights.pth"
    torch.save(_trained_model().state_dict(), path)
    with zipfile.ZipFile(path) as archive:
        assert "data.pkl" not in archive.namelist()
    assert set(torch.load(path)) == set(_trained_model().state_dict())


def test_default_weights_only_refuses_a_model_like_torch(tmp_path):
    model, ref_model = nn.Sequential(nn.Linear(2, 2)), torch_ref.nn.Sequential(torch_ref.nn.Linear(2, 2))
    torch.save(model, tmp_path / "ours.pth")
    torch_ref.save(ref_model, tmp_path / "ref.pth")
    with pytest.raises(pickle.UnpicklingError) as ref_error:
        torch_ref.load(tmp_path / "ref.pth")
    with pytest.raises(pickle.UnpicklingError) as our_error:
        torch.load(tmp_path / "ours.pth")
    for message, module in ((str(ref_error.value), "torch.nn"), (str(our_error.value), "nn")):
        assert "weights_only" in message and "False" in message
        assert (f"Unsupported global: GLOBAL {module}.modules.container.Sequential was not an allowed global by "
                "default") in message
        assert f"add_safe_globals([{module}.modules.container.Sequential])" in message
    assert "ours.pth" in str(our_error.value)
    assert torch.load(tmp_path / "ours.pth", weights_only=False)[0].in_features == 2


def _crafted(path, pickled, tensors=()):
    """An archive of this format whose data.pkl is ``pickled``."""
    manifest = {"format": "autograd_core.save", "version": 1, "root": {"type": "pickle", "tensors": list(tensors)}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", __import__("json").dumps(manifest))
        archive.writestr("data.pkl", pickled)


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path, monkeypatch, protocol):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pth"
    _crafted(path, pickle.dumps({"weights": _Payload()}, protocol=protocol))
    for weights_only in (True, None):
        with pytest.raises(pickle.UnpicklingError, match=f"GLOBAL {os.system.__module__}.system was not an allowed"):
            torch.load(path, weights_only=weights_only)
    assert not (tmp_path / "pwned_marker").exists()


def test_setting_state_on_an_allowed_class_is_refused(tmp_path):
    # GLOBAL Size; (None, {"numel": 1}); BUILD: would set an attribute of the class itself
    attack = b"\x80\x02cautograd_core.tensor\nSize\nN}X\x05\x00\x00\x00numelK\x01s\x86b."
    path = tmp_path / "attack.pth"
    _crafted(path, attack)
    with pytest.raises(pickle.UnpicklingError, match="Can only set the state of instances of allowed classes"):
        torch.load(path)
    assert torch.Size([2, 3]).numel() == 6


def test_bad_tensor_references_are_corrupt_files(tmp_path):
    path = tmp_path / "bad.pth"

    class Ref(pickle.Pickler):
        def persistent_id(self, obj):
            return "7" if obj == "tensor here" else None
    buffer = io.BytesIO()
    Ref(buffer, 2).dump(["tensor here"])
    _crafted(path, buffer.getvalue())
    with pytest.raises(ValueError, match="bad.pth' is corrupt: bad tensor reference '7' in data.pkl"):
        torch.load(path)
    _crafted(path, b"\x80\x02]q\x00(K\x01")  # truncated
    with pytest.raises(ValueError, match="corrupt: unreadable data.pkl"):
        torch.load(path)


def test_plain_extras_load_with_weights_only(tmp_path):
    obj = {"tags": {"a", "b"}, "blob": b"\x00\xff", "buffer": bytearray(b"xy"), "z": 1 + 2j,
           "shape": torch.Size([2, 3]), "dtype": torch.float64, "device": torch.device("cpu"),
           "weights": [torch.arange(3.0), nn.Parameter(torch.ones(2))]}
    path = tmp_path / "extras.pth"
    torch.save(obj, path)
    loaded = torch.load(path)
    assert loaded["tags"] == {"a", "b"} and loaded["blob"] == b"\x00\xff" and loaded["buffer"] == bytearray(b"xy")
    assert loaded["z"] == 1 + 2j and loaded["dtype"] is torch.float64 and loaded["device"] == torch.device("cpu")
    assert type(loaded["shape"]) is torch.Size and loaded["shape"] == (2, 3)
    assert loaded["weights"][0].tolist() == [0.0, 1.0, 2.0] and isinstance(loaded["weights"][1], nn.Parameter)


@pytest.fixture
def clean_safe_globals():
    serialization.clear_safe_globals()
    yield
    serialization.clear_safe_globals()


def test_safe_globals_admit_a_class(tmp_path, clean_safe_globals):
    path = tmp_path / "config.pth"
    torch.save(Config("run", torch.ones(2)), path)
    name = f"{Config.__module__}.{Config.__qualname__}"
    with pytest.raises(pickle.UnpicklingError, match=f"GLOBAL {name} was not an allowed global"):
        torch.load(path)
    with torch.serialization.safe_globals([Config]):
        assert serialization.get_safe_globals() == [Config]
        loaded = torch.load(path)
    assert type(loaded) is Config and loaded.name == "run" and loaded.weights.tolist() == [1.0, 1.0]
    assert serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
    serialization.add_safe_globals([(Config, name)])
    assert type(torch.load(path)) is Config
    serialization.add_safe_globals([(Config, name)])
    assert serialization.get_safe_globals() == [(Config, name)]
    serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []


def test_safe_globals_context_restores_what_was_there(clean_safe_globals):
    serialization.add_safe_globals([Config])
    with serialization.safe_globals([Config, TiedNet]):
        assert serialization.get_safe_globals() == [Config, TiedNet]
    assert serialization.get_safe_globals() == [Config]


@pytest.mark.parametrize("entry, error, message", [
    (3, TypeError, "expected classes, functions or"),
    ((Config,), ValueError, "tuple of length 1"),
    ((Config, 3), TypeError, "must be the str"),
])
def test_bad_safe_globals_are_refused(entry, error, message, clean_safe_globals):
    with pytest.raises(error, match=message):
        serialization.add_safe_globals([entry])
    assert serialization.get_safe_globals() == []


def test_allowed_model_classes_load_with_weights_only(tmp_path, clean_safe_globals):
    model = _trained_model()
    torch.save(model, tmp_path / "model.pth")
    with serialization.safe_globals([TiedNet, nn.Linear, nn.BatchNorm1d]):
        loaded = torch.load(tmp_path / "model.pth")
    x = torch.randn(2, 4)
    np.testing.assert_array_equal(model(x).numpy(force=True), loaded(x).numpy(force=True))


def test_optimizer_and_model_saved_together_keep_identity(tmp_path):
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    buffer = io.BytesIO()
    torch.save({"model": model, "optimizer": opt, "epoch": 3}, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    assert loaded["epoch"] == 3
    assert loaded["optimizer"].param_groups[0]["params"][0] is loaded["model"].weight
    assert set(map(id, loaded["optimizer"].state)) <= {id(p) for p in loaded["model"].parameters()}
    before = loaded["model"].weight.numpy(force=True).copy()
    loaded["model"](torch.randn(4, 3)).sum().backward()
    loaded["optimizer"].step()
    assert not np.array_equal(before, loaded["model"].weight.numpy(force=True))


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickle_protocols_round_trip(tmp_path, protocol):
    torch.save(nn.Linear(2, 3), tmp_path / "m.pth", pickle_protocol=protocol)
    assert torch.load(tmp_path / "m.pth", weights_only=False).out_features == 3


def test_unpicklable_object_leaves_the_old_file_intact(tmp_path):
    path = tmp_path / "model.pth"
    torch.save(nn.Linear(2, 2), path)
    original = path.read_bytes()
    model = nn.Linear(2, 2)
    model.callback = lambda: None
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        torch.save(model, path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["model.pth"]


def test_only_the_standard_pickle_module_is_accepted(tmp_path):
    with pytest.raises(TypeError, match="save: pickle_module must be the standard pickle module"):
        torch.save(nn.Linear(1, 1), tmp_path / "m.pth", pickle_module=io)
    torch.save(nn.Linear(1, 1), tmp_path / "m.pth", pickle_module=pickle)
    with pytest.raises(TypeError, match="load: pickle_module must be the standard pickle module"):
        torch.load(tmp_path / "m.pth", pickle_module=io)
    assert torch.load(tmp_path / "m.pth", pickle_module=pickle, weights_only=False).in_features == 1
