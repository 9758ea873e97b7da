"""Recurrent layers and cells: parameters, shapes, gate formulas, state handling, gradcheck, errors, reprs."""
import numpy as np
import pytest

import autograd_core as torch
import nn
from autograd_core.autograd import gradcheck


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def params64(module):
    module.double()
    return [p.numpy(force=True) for p in module.parameters()]


# ----- parameters -----
def test_lstm_parameter_names_and_shapes_follow_pytorch():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    shapes = {name: tuple(p.shape) for name, p in lstm.named_parameters()}
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse"]
    assert shapes["weight_ih_l0"] == (20, 3)
    assert shapes["weight_hh_l0_reverse"] == (20, 5)
    assert shapes["weight_ih_l1"] == (20, 10)
    assert shapes["bias_hh_l1_reverse"] == (20,)
    assert len(shapes) == 16
    assert lstm._flat_weights_names == list(shapes)
    assert [len(w) for w in lstm.all_weights] == [4, 4, 4, 4]


def test_gate_sizes_bias_flag_and_projection():
    assert tuple(nn.GRU(3, 4).weight_ih_l0.shape) == (12, 3)
    assert tuple(nn.RNN(3, 4).weight_hh_l0.shape) == (4, 4)
    assert [n for n, _ in nn.GRU(3, 4, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    proj = nn.LSTM(3, 6, proj_size=2, num_layers=2)
    assert tuple(proj.weight_hr_l0.shape) == (2, 6)
    assert tuple(proj.weight_hh_l1.shape) == (24, 2)
    assert tuple(proj.weight_ih_l1.shape) == (24, 2)


def test_init_is_uniform_within_inverse_sqrt_hidden():
    lstm = nn.LSTM(10, 16, num_layers=2)
    values = np.concatenate([p.numpy(force=True).ravel() for p in lstm.parameters()])
    assert np.abs(values).max() <= 0.25
    assert np.abs(values).max() > 0.24  # spread over the whole range
    assert abs(values.mean()) < 0.01
    cell = nn.GRUCell(4, 9)
    assert np.abs(cell.weight_hh.numpy(force=True)).max() <= 1 / 3


# ----- gate formulas against a numpy reference -----
def test_lstm_cell_gate_order_i_f_g_o():
    cell = nn.LSTMCell(3, 4)
    w_ih, w_hh, b_ih, b_hh = params64(cell)
    x, h, c = np.random.randn(2, 3), np.random.randn(2, 4), np.random.randn(2, 4)
    i, f, g, o = np.split(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=1)
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h_new = sigmoid(o) * np.tanh(c_new)
    h_out, c_out = cell(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
    np.testing.assert_allclose(c_out.numpy(force=True), c_new, rtol=1e-12)
    np.testing.assert_allclose(h_out.numpy(force=True), h_new, rtol=1e-12)


def test_gru_cell_gate_order_r_z_n_with_reset_inside():
    cell = nn.GRUCell(3, 4)
    w_ih, w_hh, b_ih, b_hh = params64(cell)
    x, h = np.random.randn(2, 3), np.random.randn(2, 4)
    x_r, x_z, x_n = np.split(x @ w_ih.T + b_ih, 3, axis=1)
    h_r, h_z, h_n = np.split(h @ w_hh.T + b_hh, 3, axis=1)
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
    n = np.tanh(x_n + r * h_n)
    np.testing.assert_allclose(cell(torch.tensor(x), torch.tensor(h)).numpy(force=True), (1 - z) * n + z * h, rtol=1e-12)


@pytest.mark.parametrize("nonlinearity, act", [("tanh", np.tanh), ("relu", lambda a: np.maximum(a, 0))])
def test_rnn_sequence_matches_numpy_loop(nonlinearity, act):
    rnn = nn.RNN(3, 4, nonlinearity=nonlinearity)
    w_ih, w_hh, b_ih, b_hh = params64(rnn)
    x = np.random.randn(5, 2, 3)
    h = np.zeros((2, 4))
    expected = []
    for t in range(5):
        h = act(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        expected.append(h)
    out, h_n = rnn(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(force=True), np.stack(expected), rtol=1e-12)
    np.testing.assert_allclose(h_n.numpy(force=True), h[None], rtol=1e-12)


def test_lstm_projection_applies_weight_hr_to_hidden_state():
    lstm = nn.LSTM(3, 5, proj_size=2).double()
    cell = nn.LSTMCell(3, 5).double()
    for name in ("weight_ih", "bias_ih", "bias_hh"):
        getattr(cell, name).data[...] = getattr(lstm, name + "_l0").numpy(force=True)
    x = torch.tensor(np.random.randn(1, 4, 3))
    out, (h_n, c_n) = lstm(x)
    # with a zero initial state the first step does not depend on weight_hh
    h_full, c = cell(x[0])
    np.testing.assert_allclose(out.numpy(force=True)[0], h_full.numpy(force=True) @ lstm.weight_hr_l0.numpy(force=True).T, rtol=1e-12)
    assert tuple(h_n.shape) == (1, 4, 2) and tuple(c_n.shape) == (1, 4, 5)


# ----- shapes and state handling -----
@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_output_shapes_batch_first_bidirectional(cls):
    model = cls(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    out, h = model(torch.randn(2, 5, 3))
    h_n = h[0] if cls is nn.LSTM else h
    assert tuple(out.shape) == (2, 5, 8)
    assert tuple(h_n.shape) == (4, 2, 4)
    if cls is nn.LSTM:
        assert tuple(h[1].shape) == (4, 2, 4)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_unbatched_input_equals_batch_of_one(cls):
    model = cls(3, 4, num_layers=2, bidirectional=True)
    x = torch.randn(5, 3)
    out, h = model(x)
    out_b, h_b = model(x.unsqueeze(1))
    assert tuple(out.shape) == (5, 8)
    np.testing.assert_allclose(out.numpy(force=True), out_b.numpy(force=True)[:, 0], rtol=1e-6)
    h, h_b = (h[0], h_b[0]) if cls is nn.LSTM else (h, h_b)
    assert tuple(h.shape) == (4, 4)
    np.testing.assert_allclose(h.numpy(force=True), h_b.numpy(force=True)[:, 0], rtol=1e-6)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_returned_state_continues_the_sequence(cls):
    model = cls(3, 4, num_layers=2)
    x = torch.randn(6, 2, 3)
    whole, _ = model(x)
    first, state = model(x[:2])
    rest, _ = model(x[2:], state)
    np.testing.assert_allclose(np.concatenate([first.numpy(force=True), rest.numpy(force=True)]), whole.numpy(force=True), rtol=1e-5, atol=1e-6)


def test_reverse_direction_reads_the_sequence_backwards():
    bi = nn.GRU(3, 4, bidirectional=True)
    uni = nn.GRU(3, 4)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(uni, name + "_l0").data[...] = getattr(bi, name + "_l0_reverse").numpy(force=True)
    x = torch.randn(5, 2, 3)
    out_bi, h_bi = bi(x)
    out_uni, h_uni = uni(x.flip(0))
    np.testing.assert_allclose(out_bi.numpy(force=True)[:, :, 4:], out_uni.numpy(force=True)[::-1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h_bi.numpy(force=True)[1], h_uni.numpy(force=True)[0], rtol=1e-5, atol=1e-6)


def test_dropout_between_layers_only_in_training():
    model = nn.LSTM(3, 8, num_layers=2, dropout=0.5)
    x = torch.randn(4, 2, 3)
    first, second = model(x)[0].numpy(force=True), model(x)[0].numpy(force=True)
    assert not np.allclose(first, second)
    model.eval()
    reference = nn.LSTM(3, 8, num_layers=2)
    reference.load_state_dict(model.state_dict())
    np.testing.assert_allclose(model(x)[0].numpy(force=True), reference(x)[0].numpy(force=True))


def test_cells_accept_unbatched_input_and_default_state():
    cell = nn.LSTMCell(3, 4)
    h, c = cell(torch.randn(3))
    assert tuple(h.shape) == (4,) and tuple(c.shape) == (4,)
    assert tuple(nn.RNNCell(3, 4, nonlinearity="relu")(torch.randn(5, 3)).shape) == (5, 4)
    zero_state = torch.zeros(2, 4)
    x = torch.randn(2, 3)
    gru = nn.GRUCell(3, 4)
    np.testing.assert_array_equal(gru(x).numpy(force=True), gru(x, zero_state).numpy(force=True))


# ----- gradients (float64) -----
@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
def test_two_layer_bidirectional_batch_first_gradcheck(cls):
    model = cls(2, 2, num_layers=2, batch_first=True, bidirectional=True).double()
    x = torch.tensor(np.random.randn(2, 3, 2), requires_grad=True)
    h0 = torch.tensor(np.random.randn(4, 2, 2), requires_grad=True)
    state = (h0, torch.tensor(np.random.randn(4, 2, 2), requires_grad=True)) if cls is nn.LSTM else (h0,)
    params = list(model.parameters())

    def run(x, *args):
        hx = tuple(args[:2]) if cls is nn.LSTM else args[0]
        out, h = model(x, hx)
        return (out,) + (h if cls is nn.LSTM else (h,))

    assert gradcheck(run, (x, *state, *params))


def test_rnn_relu_and_projected_lstm_gradcheck():
    x = torch.tensor(np.random.randn(3, 2, 2), requires_grad=True)
    for model in (nn.RNN(2, 3, num_layers=2, nonlinearity="relu", bias=False), nn.LSTM(2, 3, proj_size=2)):
        model.double()
        params = list(model.parameters())
        assert gradcheck(lambda x, *ps: model(x)[0], (x, *params))


@pytest.mark.parametrize("cell", [nn.RNNCell(2, 3), nn.GRUCell(2, 3), nn.LSTMCell(2, 3)])
def test_cells_gradcheck(cell):
    cell.double()
    x = torch.tensor(np.random.randn(2, 2), requires_grad=True)
    h = torch.tensor(np.random.randn(2, 3), requires_grad=True)
    c = torch.tensor(np.random.randn(2, 3), requires_grad=True)
    params = list(cell.parameters())
    if isinstance(cell, nn.LSTMCell):
        assert gradcheck(lambda x, h, c, *ps: cell(x, (h, c)), (x, h, c, *params))
    else:
        assert gradcheck(lambda x, h, *ps: cell(x, h), (x, h, *params))


# ----- errors and printing -----
def test_input_and_state_errors():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 5"):
        lstm(torch.randn(2, 1, 5))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 1D"):
        lstm(torch.randn(3))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 1, 4\), got \[1, 1, 4\]"):
        lstm(torch.randn(2, 1, 3), (torch.zeros(1, 1, 4), torch.zeros(2, 1, 4)))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D but got 2-D"):
        nn.GRU(3, 4)(torch.randn(2, 1, 3), torch.zeros(1, 4))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D"):
        nn.GRU(3, 4)(torch.randn(2, 3), torch.zeros(1, 1, 4))
    with pytest.raises(RuntimeError, match="inconsistent input_size: got 5 expected 3"):
        nn.GRUCell(3, 4)(torch.randn(2, 5))
    with pytest.raises(RuntimeError, match=r"GRUCell: hidden state 0 has shape \[2, 3\], expected \[2, 4\]"):
        nn.GRUCell(3, 4)(torch.randn(2, 3), torch.randn(2, 3))
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D"):
        nn.RNNCell(3, 4)(torch.randn(1, 2, 3))


def test_constructor_errors_and_warning():
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.GRU(3, 4, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        nn.LSTM(3, 0)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)


def test_reprs_match_pytorch():
    assert repr(nn.LSTM(3, 4)) == "LSTM(3, 4)"
    assert repr(nn.RNN(3, 4, nonlinearity="relu", num_layers=2, bias=False, batch_first=True, dropout=0.5,
                       bidirectional=True)) == (
        "RNN(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)")
    assert repr(nn.LSTM(3, 4, proj_size=2)) == "LSTM(3, 4, proj_size=2)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"
    assert repr(nn.LSTMCell(3, 4, bias=False)) == "LSTMCell(3, 4, bias=False)"
    assert repr(nn.GRUCell(3, 4)) == "GRUCell(3, 4)"
