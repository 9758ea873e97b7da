"""onnx.export: each exported model passes onnx.checker and onnxruntime gives our outputs, at other batch sizes too."""
import io

import numpy as np
import onnx
import onnxruntime
import pytest

import autograd_core as torch
import nn
import nn.functional as F
from autograd_core.onnx import UnsupportedOperatorError, export


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


class Recurrent(nn.Module):
    """Embedding -> LSTM/GRU -> Linear on the last step, as a sequence classifier is written."""

    def __init__(self, kind, **options):
        super().__init__()
        self.embedding = nn.Embedding(20, 6)
        self.rnn = getattr(nn, kind)(6, 8, **options)
        self.head = nn.Linear(8 * (2 if options.get("bidirectional") else 1), 3)

    def forward(self, tokens):
        out, _ = self.rnn(self.embedding(tokens))
        return self.head(out[:, -1] if self.rnn.batch_first else out[-1])


class LSTMWithState(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 5, num_layers=2)

    def forward(self, x, h0, c0):
        out, (h, c) = self.lstm(x, (h0, c0))
        return out, h, c


def _image(c, size):
    return lambda n: np.random.default_rng(n).standard_normal((n, c, size, size)).astype(np.float32)


def _vectors(features):
    return lambda n: np.random.default_rng(n).standard_normal((n, features)).astype(np.float32)


def _tokens(batch_first):
    return lambda n: np.random.default_rng(n).integers(0, 20, (n, 7) if batch_first else (7, n))


MODELS = {  # name: (model builder, input maker taking a batch size, batch axis)
    "course MLP": (lambda: nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 10)), _vectors(784), 0),
    "course CNN": (lambda: nn.Sequential(nn.Conv2d(1, 10, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6760, 300),
                                         nn.ReLU(), nn.Linear(300, 10)), _image(1, 28), 0),
    "LeNet pooling and batch norm": (lambda: nn.Sequential(
        nn.Conv2d(3, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3, stride=2, dilation=1), nn.AvgPool2d(2, ceil_mode=True), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(8, 4)), _image(3, 16), 0),
    "padded pools": (lambda: nn.Sequential(nn.MaxPool2d(3, stride=2, padding=1), nn.AvgPool2d(3, 2, padding=1),
                                           nn.AvgPool2d(2, 1, padding=1, count_include_pad=False)), _image(2, 9), 0),
    "conv1d": (lambda: nn.Sequential(Lambda(lambda x: x.reshape(x.shape[0], 4, 16)), nn.Conv1d(4, 6, 3, padding=1),
                                     nn.BatchNorm1d(6), nn.GELU(), nn.Conv1d(6, 2, 5, stride=2, groups=2)),
               _vectors(64), 0),
    "conv transpose": (lambda: nn.Sequential(nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1),
                                             nn.Tanh(), nn.ConvTranspose2d(4, 2, 2, stride=2)), _image(3, 5), 0),
    "layer norm and activations": (lambda: nn.Sequential(
        nn.Linear(12, 16), nn.LayerNorm(16), nn.GELU(approximate="tanh"), nn.LeakyReLU(0.2), nn.Linear(16, 16),
        nn.Sigmoid(), Lambda(lambda x: torch.cat([x, x.exp(), x * 2 - 1 / (x + 1)], dim=1)), nn.Softmax(dim=1),
        Lambda(lambda x: x.view(x.shape[0], 3, 16).permute(0, 2, 1).reshape(x.shape[0], 48)), nn.LogSoftmax(dim=1)),
        _vectors(12), 0),
    "matmul and reductions": (lambda: Lambda(lambda x: (x @ x.t().mean(dim=1, keepdim=True)).sum(dim=1)
                                             + F.relu(x).mean(dim=1) + x[:, 1:3].sum(dim=1) - x[:, -1]),
                              _vectors(5), None),
    "LSTM batch first": (lambda: Recurrent("LSTM", batch_first=True), _tokens(True), 0),
    "LSTM 2 layers bidirectional": (lambda: Recurrent("LSTM", num_layers=2, bidirectional=True), _tokens(False), 1),
    "GRU batch first": (lambda: Recurrent("GRU", batch_first=True), _tokens(True), 0),
    "GRU 2 layers bidirectional": (lambda: Recurrent("GRU", num_layers=2, bidirectional=True, batch_first=True),
                                   _tokens(True), 0),
}


def _ours(model, x):
    with torch.no_grad():
        return model(torch.tensor(x)).numpy()


@pytest.mark.parametrize("name", list(MODELS))
def test_onnxruntime_gives_our_outputs(name):
    build, make_input, batch_axis = MODELS[name]
    torch.manual_seed(0)
    model = build()
    model.train()
    if batch_axis == 0:
        model(torch.tensor(make_input(4)))  # batch-norm statistics away from their init
    model.eval()
    buffer = io.BytesIO()
    dynamic = {} if batch_axis is None else {"input": {batch_axis: "batch"}, "output": {0: "batch"}}
    export(model, torch.tensor(make_input(2)), buffer, input_names=["input"], output_names=["output"],
           dynamic_axes=dynamic)
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    session = onnxruntime.InferenceSession(buffer.getvalue())
    for batch in ((2, 5, 1) if batch_axis is not None else (2,)):
        x = make_input(batch)
        (got,) = session.run(None, {"input": x})
        np.testing.assert_allclose(got, _ours(model, x), rtol=1e-5, atol=1e-5)
    assert model.training is False  # the modes the model had are restored


def test_initial_states_and_every_output_of_an_lstm():
    torch.manual_seed(0)
    model = LSTMWithState()
    x, h0, c0 = torch.randn(6, 3, 4), torch.randn(2, 3, 5), torch.randn(2, 3, 5)
    buffer = io.BytesIO()
    export(model, (x, h0, c0), buffer, input_names=["x", "h0", "c0"], output_names=["out", "h", "c"],
           dynamic_axes={"x": {1: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"}})
    session = onnxruntime.InferenceSession(buffer.getvalue())
    x, h0, c0 = torch.randn(6, 2, 4), torch.randn(2, 2, 5), torch.randn(2, 2, 5)
    got = session.run(None, {"x": x.numpy(), "h0": h0.numpy(), "c0": c0.numpy()})
    with torch.no_grad():
        want = model(x, h0, c0)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w.numpy(), rtol=1e-5, atol=1e-6)


def test_parameters_keep_their_names_and_the_file_is_written_atomically(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    path = tmp_path / "m.onnx"
    export(model, torch.randn(1, 3), path)
    proto = onnx.load(path)
    assert {i.name for i in proto.graph.initializer} >= {"0.weight", "0.bias"}
    assert [i.name for i in proto.graph.input] == ["input_0"] and [o.name for o in proto.graph.output] == ["output_0"]
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_an_op_without_an_export_is_named():
    model = Lambda(lambda x: torch.cumsum(x, dim=1))
    with pytest.raises(UnsupportedOperatorError, match=r"onnx.export: CumsumBackward0 \(Cumsum\) has no ONNX export"):
        export(model, torch.randn(2, 3), io.BytesIO())


@pytest.mark.parametrize("model, x, match", [
    (Lambda(lambda x: x.reshape(-1)), torch.randn(2, 3), r"reshapes \[2, 3\] to \[6\] across the dynamic axes \[0\]"),
    (Lambda(lambda x: x[1:]), torch.randn(2, 3), "slices the dynamic axis 0"),
    (nn.Sequential(nn.BatchNorm1d(3), Lambda(lambda x: x)), torch.randn(2, 3), None),
], ids=["reshape across the batch", "slice of the batch", "batch norm in eval"])
def test_what_a_dynamic_axis_cannot_follow_is_refused(model, x, match):
    run = lambda: export(model, x, io.BytesIO(), input_names=["input"], dynamic_axes={"input": [0]})  # noqa: E731
    if match is None:
        run()
    else:
        with pytest.raises(UnsupportedOperatorError, match=match):
            run()


def test_training_mode_batch_norm_and_bad_arguments_are_refused():
    with pytest.raises(UnsupportedOperatorError, match="batch statistics"):
        export(nn.BatchNorm1d(3), torch.randn(2, 3), io.BytesIO(), training=True)
    with pytest.raises(ValueError, match="opset_version 11 is not supported; expected 17 to 21"):
        export(nn.Linear(2, 2), torch.randn(1, 2), io.BytesIO(), opset_version=11)
    with pytest.raises(ValueError, match="2 input_names for 1 inputs"):
        export(nn.Linear(2, 2), torch.randn(1, 2), io.BytesIO(), input_names=["a", "b"])
    with pytest.raises(UnsupportedOperatorError, match="must be tensors or a tuple of them"):
        export(Lambda(lambda x: {"y": x}), torch.randn(1, 2), io.BytesIO())
