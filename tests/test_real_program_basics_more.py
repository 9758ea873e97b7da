"""More idioms of the ported programs (time_sequence_prediction, the NLP tutorials, the state_dict recipe),
each run with autograd_core and with PyTorch 2.13 and required to agree."""
import pickle

import numpy as np
import pytest

import autograd_core
import nn as our_nn
import optim as our_optim

torch_ref = pytest.importorskip("torch")


def _nn(lib):
    return our_nn if lib is autograd_core else torch_ref.nn


def _optim(lib):
    return our_optim if lib is autograd_core else torch_ref.optim


def _sine_waves():
    x = np.arange(12).reshape(3, 4) + np.array([[-2], [0], [3]])
    return np.sin(x / 20.0).astype("float64")


# ----- time_sequence_prediction: torch.save of a numpy array into an open file, torch.load by name -----

@pytest.mark.parametrize("reader", [autograd_core, torch_ref], ids=["ours", "torch"])
def test_numpy_array_saved_by_torch_is_refused_by_a_weights_only_load(tmp_path, reader):
    """train.py as published stops here under PyTorch >= 2.6 (weights_only=True by default); so must we."""
    with open(tmp_path / "traindata.pt", "wb") as f:
        torch_ref.save(_sine_waves(), f)
    with pytest.raises(pickle.UnpicklingError, match=r"numpy\._core\.multiarray\._reconstruct"):
        reader.load(tmp_path / "traindata.pt")


def _lstm_cells_step(lib, weights):
    """time_sequence_prediction's forward on a tiny batch: two double LSTMCells fed column by column."""
    nn = _nn(lib)
    first, second, head = nn.LSTMCell(1, 4), nn.LSTMCell(4, 4), nn.Linear(4, 1)
    model = nn.ModuleList([first, second, head]).double()
    with lib.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(lib.from_numpy(w.copy()))
    data = lib.from_numpy(_sine_waves())
    state = [lib.zeros(data.size(0), 4, dtype=lib.double) for _ in range(4)]
    outputs = []
    for column in data.split(1, dim=1):
        state[0], state[1] = first(column, (state[0], state[1]))
        state[2], state[3] = second(state[0], (state[2], state[3]))
        outputs += [head(state[2])]
    out = lib.cat(outputs, dim=1)
    loss = nn.MSELoss()(out[:, :-1], data[:, 1:])
    loss.backward()
    return (out.detach().numpy(force=True), loss.item(), type(loss.grad_fn).__name__,
            [p.grad.numpy(force=True) for p in model.parameters()])


def test_double_lstm_cells_over_split_columns_agree():
    rng = np.random.default_rng(0)
    shapes = [(16, 1), (16, 4), (16,), (16,), (16, 4), (16, 4), (16,), (16,), (1, 4), (1,)]
    weights = [rng.uniform(-0.5, 0.5, shape) for shape in shapes]
    ours, theirs = _lstm_cells_step(autograd_core, weights), _lstm_cells_step(torch_ref, weights)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-12) and ours[2] == theirs[2] == "MseLossBackward0"
    for a, b in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


# ----- the NLP tutorials: Variable, LongTensor, torch.max over a dim, .view(-1).data.tolist() -----

@pytest.mark.parametrize("lib", [autograd_core, torch_ref], ids=["ours", "torch"])
def test_argmax_through_max_over_a_dim_and_tolist(lib):
    vec = lib.autograd.Variable(lib.Tensor([[0.5, 2.0, -1.0, 2.5]]))
    _, idx = lib.max(vec, 1)
    best = idx.view(-1).data.tolist()[0]
    score = vec[0, best] + lib.log(lib.sum(lib.exp(vec - vec[0, best].view(1, -1).expand(1, vec.size()[1]))))
    sentence = lib.autograd.Variable(lib.LongTensor([3, 1, 2]))
    assert best == 3 and isinstance(best, int) and sentence.dtype == lib.int64 and idx.dtype == lib.int64
    assert score.item() == pytest.approx(2.5 + np.log(np.exp([-2.0, -0.5, -3.5, 0.0]).sum()), rel=1e-6)


def test_loss_data_accumulated_into_a_legacy_tensor_prints_the_same():
    def run(lib):
        total = lib.Tensor([0])
        for target in (0, 1, 2):
            scores = lib.nn.functional.log_softmax(lib.tensor([[0.1, 0.7, -0.3]], requires_grad=True), dim=1)
            loss = _nn(lib).NLLLoss()(scores, lib.LongTensor([target]))
            total += loss.data
        return repr([total]), total.requires_grad

    assert run(autograd_core) == run(torch_ref)


# ----- what_is_state_dict: the printed model and optimizer state_dicts -----

def test_state_dict_printout_of_a_model_and_sgd_with_momentum():
    def run(lib):
        nn = _nn(lib)
        net = nn.Sequential(nn.Conv2d(3, 6, 5), nn.MaxPool2d(2, 2), nn.Linear(16 * 5 * 5, 120))
        optimizer = _optim(lib).SGD(net.parameters(), lr=0.001, momentum=0.9)
        lines = [str(net)]
        lines += [f"{name}\t{net.state_dict()[name].size()}" for name in net.state_dict()]
        lines += [f"{key}\t{value}" for key, value in optimizer.state_dict().items()]
        return "\n".join(lines)

    assert run(autograd_core) == run(torch_ref)
