"""Packed sequences (nn.utils.rnn), recurrent layers on them, EmbeddingBag: parity with PyTorch, gradchecks, errors."""
import numpy as np
import pytest

torch_ref = pytest.importorskip("torch")

import autograd_core as torch  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from autograd_core.autograd import gradcheck, gradgradcheck  # noqa: E402
from nn.utils import rnn  # noqa: E402

TR = torch_ref.nn.utils.rnn
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}


def pair(array, requires_grad=True):
    return torch.tensor(array, requires_grad=requires_grad), torch_ref.tensor(array, requires_grad=requires_grad)


def close(ours, theirs, dtype=np.float64):
    tol = TOLERANCE[dtype]
    theirs = theirs.detach().numpy() if isinstance(theirs, torch_ref.Tensor) else theirs
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(force=True), theirs, rtol=tol, atol=tol)


def node(t):
    return type(t.grad_fn).__name__


def sequences(lengths, features=3, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, features)).astype(dtype) for n in lengths]
    ours, theirs = zip(*[pair(a) for a in arrays])
    return list(ours), list(theirs)


def backward_both(ours, theirs, seed=1):
    """The same weighted-sum loss backward through both outputs."""
    weights = np.random.default_rng(seed).standard_normal(tuple(theirs.shape)).astype(theirs.detach().numpy().dtype)
    (ours * torch.tensor(weights)).sum().backward()
    (theirs * torch_ref.tensor(weights)).sum().backward()


def grads_close(ours, theirs, dtype=np.float64):
    for a, b in zip(ours, theirs):
        close(a.grad, b.grad, dtype)


# ----- pad_sequence -----
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_pytorch(batch_first, padding_side):
    ours, theirs = sequences([2, 5, 3])
    y = rnn.pad_sequence(ours, batch_first=batch_first, padding_value=-1.5, padding_side=padding_side)
    expected = TR.pad_sequence(theirs, batch_first=batch_first, padding_value=-1.5, padding_side=padding_side)
    close(y, expected)
    assert node(y) == node(expected) == "CopySlices"
    backward_both(y, expected)
    grads_close(ours, theirs)


def test_pad_sequence_gradcheck_and_trailing_dims():
    a, b = torch.randn(3, 2, 2, dtype=torch.float64, requires_grad=True), torch.randn(1, 2, 2, dtype=torch.float64,
                                                                                      requires_grad=True)
    assert gradcheck(lambda a, b: rnn.pad_sequence([a, b], padding_value=2.0), (a, b))
    assert gradgradcheck(lambda a, b: rnn.pad_sequence([a, b], batch_first=True, padding_side="left"), (a, b))
    assert tuple(rnn.pad_sequence([a, b]).shape) == (3, 2, 2, 2)


def test_pad_sequence_errors():
    with pytest.raises(RuntimeError, match="empty list of sequences"):
        rnn.pad_sequence([])
    with pytest.raises(ValueError, match="Expected padding_side to be one of left or right, but got middle"):
        rnn.pad_sequence([torch.ones(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match=r"sequence 1 has shape \[2, 3\]"):
        rnn.pad_sequence([torch.ones(3, 2), torch.ones(2, 3)])
    with pytest.raises(RuntimeError, match="Expected iterable"):
        rnn.pad_sequence(5)


# ----- pack_padded_sequence / pad_packed_sequence -----
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted, lengths", [(True, [5, 3, 3, 1]), (False, [3, 5, 1, 3])])
def test_pack_padded_sequence_matches_pytorch(batch_first, enforce_sorted, lengths):
    rng = np.random.default_rng(2)
    shape = (4, 6, 2) if batch_first else (6, 4, 2)
    x, tx = pair(rng.standard_normal(shape))
    packed = rnn.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    expected = TR.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    close(packed.data, expected.data)
    assert packed.batch_sizes.tolist() == expected.batch_sizes.tolist()
    assert packed.batch_sizes.dtype == torch.int64
    for ours, theirs in ((packed.sorted_indices, expected.sorted_indices),
                         (packed.unsorted_indices, expected.unsorted_indices)):
        assert (ours is None) == (theirs is None)
        assert ours is None or ours.tolist() == theirs.tolist()
    assert node(packed.data) == node(expected.data) == "PackPaddedSequenceBackward0"
    backward_both(packed.data, expected.data)
    close(x.grad, tx.grad)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("total_length", [None, 7])
def test_pad_packed_sequence_matches_pytorch(batch_first, total_length):
    ours, theirs = sequences([2, 5, 3])
    packed = rnn.pack_sequence(ours, enforce_sorted=False)
    expected = TR.pack_sequence(theirs, enforce_sorted=False)
    y, lengths = rnn.pad_packed_sequence(packed, batch_first, padding_value=9.0, total_length=total_length)
    ty, tlengths = TR.pad_packed_sequence(expected, batch_first, padding_value=9.0, total_length=total_length)
    close(y, ty)
    assert lengths.tolist() == tlengths.tolist() == [2, 5, 3] and lengths.dtype == torch.int64
    assert node(y) == node(ty)
    backward_both(y, ty)
    grads_close(ours, theirs)


def test_pad_packed_sequence_in_sorted_order_is_copy_slices():
    ours, theirs = sequences([4, 2])
    y, _ = rnn.pad_packed_sequence(rnn.pack_sequence(ours))
    ty, _ = TR.pad_packed_sequence(TR.pack_sequence(theirs))
    close(y, ty)
    assert node(y) == node(ty) == "CopySlices"


def test_pack_and_pad_gradchecks():
    x = torch.randn(4, 3, 2, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda x: rnn.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False).data, (x,))
    assert gradgradcheck(lambda x: rnn.pack_padded_sequence(x, [4, 2, 1]).data, (x,))
    data = torch.randn(6, 2, dtype=torch.float64, requires_grad=True)
    packed = lambda d: rnn.PackedSequence(d, torch.tensor([3, 2, 1]), torch.tensor([2, 0, 1]))  # noqa: E731
    assert gradcheck(lambda d: rnn.pad_packed_sequence(packed(d), batch_first=True, total_length=4)[0], (data,))
    assert gradgradcheck(lambda d: rnn.pad_packed_sequence(packed(d))[0], (data,))


def test_pack_sequence_unpack_and_unpad_round_trip():
    ours, theirs = sequences([2, 4, 1])
    unpacked = rnn.unpack_sequence(rnn.pack_sequence(ours, enforce_sorted=False))
    expected = TR.unpack_sequence(TR.pack_sequence(theirs, enforce_sorted=False))
    for a, b, original in zip(unpacked, expected, ours):
        close(a, b)
        close(a, original.detach().numpy())
        assert node(a) == node(b) == "IndexBackward0"
    padded = rnn.pad_sequence(ours, batch_first=True)
    for a, original in zip(rnn.unpad_sequence(padded, torch.tensor([2, 4, 1]), batch_first=True), ours):
        close(a, original.detach().numpy())
    sum(t.sum() for t in unpacked).backward()
    for t in ours:
        np.testing.assert_array_equal(t.grad.numpy(force=True), np.ones(tuple(t.shape)))


def test_packed_sequence_fields_to_and_invert_permutation():
    packed = rnn.pack_sequence([torch.ones(1, 2), torch.ones(3, 2)], enforce_sorted=False)
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert batch_sizes.tolist() == [2, 1, 1] and sorted_indices.tolist() == [1, 0]
    assert unsorted_indices.tolist() == [1, 0]
    assert packed.to(torch.float32) is packed
    doubled = packed.to(torch.float64)
    assert doubled.data.dtype == torch.float64 and doubled.batch_sizes.dtype == torch.int64
    assert doubled.sorted_indices is not None and packed.double().data.dtype == torch.float64
    assert not packed.is_cuda
    assert rnn.invert_permutation(torch.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert rnn.invert_permutation(None) is None
    legacy = rnn.PackedSequence((data, batch_sizes))
    assert legacy.batch_sizes is batch_sizes and legacy.unsorted_indices is None


def test_packing_errors_name_the_problem():
    x = torch.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when `enforce_sorted` is True"):
        rnn.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        rnn.pack_padded_sequence(x, [3, 2, 0])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 2"):
        rnn.pack_padded_sequence(x, [3, 2])
    with pytest.raises(RuntimeError, match="exceeds the 4 time steps"):
        rnn.pack_padded_sequence(x, [5, 2, 1])
    with pytest.raises(RuntimeError, match="1D CPU int64 tensor"):
        rnn.pack_padded_sequence(x, torch.tensor([[3, 2, 1]]))
    packed = rnn.pack_sequence([torch.ones(3, 2), torch.ones(2, 2)])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        rnn.pad_packed_sequence(packed, total_length=2)


# ----- recurrent layers on packed input -----
def copy_parameters(ours, theirs):
    for (name, p), (their_name, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == their_name
        with torch.no_grad():
            p.copy_(torch.tensor(q.detach().numpy()))


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_recurrent_layers_on_packed_sequences_match_pytorch(mode, dtype):
    layers, directions, hidden = 2, 2, 3
    theirs = getattr(torch_ref.nn, mode)(4, hidden, num_layers=layers, bidirectional=True)
    ours = getattr(nn, mode)(4, hidden, num_layers=layers, bidirectional=True)
    if dtype == np.float64:
        theirs, ours = theirs.double(), ours.double()
    copy_parameters(ours, theirs)
    xs, txs = sequences([3, 5, 2, 5], features=4, dtype=dtype)
    rng = np.random.default_rng(3)
    h0, th0 = pair(rng.standard_normal((layers * directions, 4, hidden)).astype(dtype))
    state, their_state = h0, th0
    if mode == "LSTM":
        c0, tc0 = pair(rng.standard_normal((layers * directions, 4, hidden)).astype(dtype))
        state, their_state = (h0, c0), (th0, tc0)
    out, h_n = ours(rnn.pack_sequence(xs, enforce_sorted=False), state)
    tout, th_n = theirs(TR.pack_sequence(txs, enforce_sorted=False), their_state)
    assert isinstance(out, rnn.PackedSequence)
    assert out.batch_sizes.tolist() == tout.batch_sizes.tolist()
    assert out.sorted_indices.tolist() == tout.sorted_indices.tolist()
    close(out.data, tout.data, dtype)
    finals, their_finals = (list(h_n), list(th_n)) if mode == "LSTM" else ([h_n], [th_n])
    for a, b in zip(finals, their_finals):
        close(a, b, dtype)  # in the batch's original order
    padded, _ = rnn.pad_packed_sequence(out, batch_first=True)
    tpadded, _ = TR.pad_packed_sequence(tout, batch_first=True)
    weights = rng.standard_normal(tuple(tpadded.shape)).astype(dtype)
    loss = (padded * torch.tensor(weights)).sum() + sum((f * f).sum() for f in finals)
    their_loss = (tpadded * torch_ref.tensor(weights)).sum() + sum((f * f).sum() for f in their_finals)
    loss.backward()
    their_loss.backward()
    grads_close(xs, txs, dtype)
    grads_close([h0] + ([state[1]] if mode == "LSTM" else []), [th0] + ([their_state[1]] if mode == "LSTM" else []),
                dtype)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        close(p.grad, q.grad, dtype)


def test_packed_gru_without_state_and_with_sorted_batch_matches_pytorch():
    theirs, ours = torch_ref.nn.GRU(2, 3).double(), nn.GRU(2, 3).double()
    copy_parameters(ours, theirs)
    xs, txs = sequences([4, 2, 2], features=2)
    out, h_n = ours(rnn.pack_sequence(xs))
    tout, th_n = theirs(TR.pack_sequence(txs))
    close(out.data, tout.data)
    close(h_n, th_n)
    assert out.sorted_indices is None


def test_packed_lstm_gradcheck():
    lstm = nn.LSTM(2, 2, bidirectional=True).double()
    data = torch.randn(6, 2, dtype=torch.float64, requires_grad=True)
    batch_sizes, order = torch.tensor([3, 2, 1]), torch.tensor([1, 2, 0])

    def run(d):
        out, (h, c) = lstm(rnn.PackedSequence(d, batch_sizes, order))
        return out.data, h, c

    assert gradcheck(run, (data,))


def test_packed_input_errors():
    gru = nn.GRU(2, 3)
    packed = rnn.pack_sequence([torch.randn(3, 2), torch.randn(2, 2)])
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 2, 3\), got \[1, 3, 3\]"):
        gru(packed, torch.zeros(1, 3, 3))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 2"):
        nn.GRU(3, 3)(packed)
    with pytest.raises(RuntimeError, match="must have 2 dimensions, got 3"):
        gru(rnn.pack_sequence([torch.randn(3, 2, 1), torch.randn(2, 2, 1)]))


# ----- EmbeddingBag -----
INDICES = [1, 2, 4, 5, 4, 3, 2, 9]
OFFSETS = [0, 2, 2, 5]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 4, -1])
@pytest.mark.parametrize("include_last_offset", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_bag_with_offsets_matches_pytorch(mode, padding_idx, include_last_offset, dtype):
    rng = np.random.default_rng(4)
    w, tw = pair(rng.standard_normal((10, 3)).astype(dtype))
    offsets = OFFSETS + [len(INDICES)] if include_last_offset else OFFSETS
    weighted = mode == "sum"
    psw, tpsw = pair(rng.standard_normal(len(INDICES)).astype(dtype)) if weighted else (None, None)
    kwargs = dict(mode=mode, padding_idx=padding_idx, include_last_offset=include_last_offset)
    y = F.embedding_bag(torch.tensor(INDICES), w, torch.tensor(offsets), per_sample_weights=psw, **kwargs)
    ty = torch_ref.nn.functional.embedding_bag(torch_ref.tensor(INDICES), tw, torch_ref.tensor(offsets),
                                               per_sample_weights=tpsw, **kwargs)
    close(y, ty, dtype)
    assert node(y) == node(ty) == "EmbeddingBagBackward0"
    backward_both(y, ty)
    close(w.grad, tw.grad, dtype)
    if weighted:
        close(psw.grad, tpsw.grad, dtype)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_module_on_2d_input_matches_pytorch(mode):
    theirs = torch_ref.nn.EmbeddingBag(6, 4, mode=mode, padding_idx=0).double()
    ours = nn.EmbeddingBag(6, 4, mode=mode, padding_idx=0).double()
    copy_parameters(ours, theirs)
    indices = [[1, 0, 3], [5, 5, 2], [0, 0, 0]]
    y, ty = ours(torch.tensor(indices)), theirs(torch_ref.tensor(indices))
    close(y, ty)
    backward_both(y, ty)
    close(ours.weight.grad, theirs.weight.grad)
    assert repr(ours) == repr(theirs)


def test_embedding_bag_gradchecks():
    w = torch.randn(10, 3, dtype=torch.float64, requires_grad=True)
    psw = torch.randn(8, dtype=torch.float64, requires_grad=True)
    indices, offsets = torch.tensor(INDICES), torch.tensor(OFFSETS)
    for mode in ("sum", "mean", "max"):
        assert gradcheck(lambda w: F.embedding_bag(indices, w, offsets, mode=mode, padding_idx=3), (w,))
        assert gradgradcheck(lambda w: F.embedding_bag(indices, w, offsets, mode=mode), (w,))
    weighted = lambda w, p: F.embedding_bag(indices, w, offsets, mode="sum", per_sample_weights=p)  # noqa: E731
    assert gradcheck(weighted, (w, psw))
    assert gradgradcheck(weighted, (w, psw))


def test_embedding_bag_scale_grad_by_freq_divides_by_each_index_count():
    # PyTorch 2.13's CPU kernel misassigns these counts between rows; this is the documented rule
    w = torch.randn(10, 2, requires_grad=True)
    F.embedding_bag(torch.tensor([1, 2, 2, 3, 5, 5, 5]), w, torch.tensor([0, 2]), mode="sum",
                    scale_grad_by_freq=True).sum().backward()
    expected = np.zeros((10, 2))
    expected[[1, 2, 3, 5]] = 1
    np.testing.assert_allclose(w.grad.numpy(force=True), expected, rtol=1e-6)


def test_embedding_bag_module_repr_pretrained_and_empty_bags():
    bag = nn.EmbeddingBag(10, 3, max_norm=1.0, scale_grad_by_freq=True, mode="sum", padding_idx=2)
    expected = torch_ref.nn.EmbeddingBag(10, 3, max_norm=1.0, scale_grad_by_freq=True, mode="sum", padding_idx=2)
    assert repr(bag) == repr(expected)
    assert repr(nn.EmbeddingBag(4, 2)) == "EmbeddingBag(4, 2, mode='mean')"
    assert np.all(bag.weight.numpy(force=True)[2] == 0)
    pretrained = nn.EmbeddingBag.from_pretrained(torch.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]]))
    assert not pretrained.weight.requires_grad
    np.testing.assert_allclose(pretrained(torch.tensor([[1, 0]])).numpy(force=True), [[2.5, 3.7, 4.65]], rtol=1e-6)
    out = F.embedding_bag(torch.tensor([1, 2]), torch.ones(4, 2), torch.tensor([0, 2, 2]), mode="max")
    np.testing.assert_array_equal(out.numpy(force=True), [[1, 1], [0, 0], [0, 0]])


def test_embedding_bag_errors_follow_pytorch():
    w = torch.randn(10, 3)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(torch.tensor([[1, 2]]), w, torch.tensor([0]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(torch.tensor([1, 2]), w)
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]), mode="median")
    with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([1]))
    with pytest.raises(RuntimeError, match="offsets must be non-decreasing"):
        F.embedding_bag(torch.tensor([1, 2, 3]), w, torch.tensor([0, 2, 1]))
    with pytest.raises(RuntimeError, match=r"Index 2 of input takes value 13 which is not in the valid range \[0, 10\)"):
        F.embedding_bag(torch.tensor([1, 2, 13]), w, torch.tensor([0]))
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]), mode="mean", per_sample_weights=torch.ones(2))
    with pytest.raises(ValueError, match="must have the same shape as the input"):
        F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]), mode="sum", per_sample_weights=torch.ones(3))
    with pytest.raises(ValueError, match="max mode does not support scaling the gradient by the frequency"):
        F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]), mode="max", scale_grad_by_freq=True)
    with pytest.raises(RuntimeError, match="padding_idx must be within the number of embeddings, -10 through 9"):
        F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]), padding_idx=10)
    with pytest.raises(RuntimeError, match="offsets\\[-1\\] \\(1\\) must be the number of indices \\(2\\)"):
        F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0, 1]), include_last_offset=True)
    with pytest.raises(RuntimeError, match="Long, Int"):
        F.embedding_bag(torch.tensor([1.0, 2.0]), w, torch.tensor([0]))


def test_sparse_embeddings_are_refused_clearly():
    for make in (lambda: nn.Embedding(3, 2, sparse=True), lambda: nn.EmbeddingBag(3, 2, sparse=True),
                 lambda: F.embedding(torch.tensor([0]), torch.ones(3, 2), sparse=True),
                 lambda: F.embedding_bag(torch.tensor([0]), torch.ones(3, 2), torch.tensor([0]), sparse=True)):
        with pytest.raises(NotImplementedError, match="sparse=True .* is not supported"):
            make()
