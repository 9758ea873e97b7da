"""PyTorch's CPU random streams, bit for bit: after the same seed, the same samples, states and initial weights."""
import numpy as np
import pytest

import autograd_core as torch
import nn
from autograd_core import _mt19937
from autograd_core.utils import data as our_data
from autograd_core.utils.data import DataLoader, DistributedSampler, RandomSampler, TensorDataset

torch_ref = pytest.importorskip("torch")

SEEDS = (0, 1, 1234, 2 ** 40 + 7)


def values(t):
    if isinstance(t, np.ndarray):
        return t
    return t.numpy(force=True) if isinstance(t, torch.Tensor) else t.detach().numpy()


def assert_same(ours, theirs):
    a, b = values(ours), values(theirs)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=True), f"{int((a != b).sum())} of {a.size} values differ"


def both(draw, seed):
    """``draw(module)`` after ``manual_seed(seed)`` in ours and in PyTorch."""
    torch.manual_seed(seed)
    torch_ref.manual_seed(seed)
    return draw(torch), draw(torch_ref)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [1, 3, 15, 16, 17, 40, 1000, 4099])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rand_randn_and_their_fills(seed, n, dtype):
    for draw in (lambda m: m.rand(n, dtype=getattr(m, dtype)), lambda m: m.randn(n, dtype=getattr(m, dtype)),
                 lambda m: m.empty(n, dtype=getattr(m, dtype)).uniform_(-0.3, 2.7),
                 lambda m: m.empty(n, dtype=getattr(m, dtype)).normal_(0.5, 3.0),
                 lambda m: m.normal(-1.0, 0.25, (n,), dtype=getattr(m, dtype))):
        assert_same(*both(draw, seed))


def test_reduced_precision_uniforms_never_reach_the_upper_bound():
    for draw in (lambda m: m.rand(200000, dtype=m.float16), lambda m: m.empty(300000).uniform_(1000, 1000.001),
                 lambda m: m.empty(200000, dtype=m.float16).uniform_(-2, 3)):
        assert_same(*both(draw, 0))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_documented_goals(seed):
    for draw in (lambda m: m.randn(3, 5), lambda m: m.rand(17), lambda m: m.randint(0, 10, (40,)),
                 lambda m: m.randperm(1000)):
        assert_same(*both(draw, seed))


def test_consecutive_draws_share_the_stream_and_the_cached_normal():
    def draws(m):
        return m.cat([m.randn(3), m.randn(1), m.rand(2), m.randn(5, 7).reshape(-1), m.randn(3, dtype=m.float64).float(),
                      m.randint(-4, 4, (9,)).float(), m.randn(33)])
    assert_same(*both(draws, 11))


@pytest.mark.parametrize("seed", SEEDS)
def test_randint_and_random_(seed):
    for draw in (lambda m: m.randint(5, (7, 3)), lambda m: m.randint(-20, 300, (50,), dtype=m.int32),
                 lambda m: m.randint(0, 2 ** 40, (20,)), lambda m: m.randint(0, 256, (20,), dtype=m.uint8),
                 lambda m: m.randint(-(2 ** 62), 2 ** 62, (20,)),
                 lambda m: m.zeros(30, dtype=m.int64).random_(), lambda m: m.zeros(30, dtype=m.int32).random_(),
                 lambda m: m.zeros(30, dtype=m.int16).random_(), lambda m: m.zeros(30, dtype=m.uint8).random_(),
                 lambda m: m.zeros(30, dtype=m.bool).random_(), lambda m: m.zeros(30).random_(),
                 lambda m: m.zeros(30, dtype=m.float64).random_(), lambda m: m.zeros(30).random_(17),
                 lambda m: m.zeros(30, dtype=m.float64).random_(-5, 100),
                 lambda m: m.zeros(30, dtype=m.int64).random_(0, 2 ** 35)):
        assert_same(*both(draw, seed))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [0, 1, 2, 10, 1000, 100000])
def test_randperm(seed, n):
    assert_same(*both(lambda m: m.randperm(n), seed))
    assert_same(*both(lambda m: m.randperm(n, dtype=m.int32, generator=m.Generator().manual_seed(seed + 1)), seed))


def test_randperm_from_2_to_the_32_over_20_takes_64_bit_words_in_the_inside_out_shuffle(monkeypatch):
    """PyTorch switches at n = 214748364 (checked against it once: too large for the suite); the 64-bit
    path is checked here at a lowered threshold to give a permutation, drawing two words per element."""
    monkeypatch.setattr(_mt19937, "_WIDE_PERMUTATION", 100)
    monkeypatch.setattr(_mt19937, "_CHUNK", 64)
    stream = _mt19937.Stream(5)
    order = _mt19937.randperm(stream, 1000)
    assert sorted(order.tolist()) == list(range(1000))
    following = _mt19937.Stream(5)
    following.words(2000)
    assert np.array_equal(stream.words(4), following.words(4))


@pytest.mark.parametrize("seed", SEEDS)
def test_bernoulli(seed):
    for draw in (lambda m: m.bernoulli(m.full((40,), 0.3)),
                 lambda m: m.bernoulli(m.tensor(np.linspace(0, 1, 50))),
                 lambda m: m.zeros(50).bernoulli_(m.tensor(np.linspace(0, 1, 50))),
                 lambda m: m.zeros(50, dtype=m.float64).bernoulli_(m.tensor(np.linspace(0, 1, 50, dtype=np.float32))),
                 lambda m: m.bernoulli(m.tensor(np.linspace(0, 1, 50, dtype=np.float16))),
                 lambda m: m.zeros(40).bernoulli_(0.4), lambda m: m.zeros(40, dtype=m.float64).bernoulli_(0.7),
                 lambda m: m.zeros(6, 8).bernoulli_(m.tensor(np.linspace(0, 1, 8, dtype=np.float32))),
                 lambda m: m.bernoulli(m.zeros(40), 0.25)):
        assert_same(*both(draw, seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_bernoulli_with_a_number_across_twists_and_odd_positions(seed):
    """The Numba draw of ``bernoulli_(p)``: pairs of words across many of mt19937's 624-word twists, after an odd
    number of words (pairs then straddle the twists), p = 0 and 1, and the stream it leaves."""
    def draws(m):
        return (m.empty(5000).bernoulli_(0.9), m.randint(0, 7, (3,)), m.empty(5001, dtype=m.float64).bernoulli_(0.37),
                m.empty(700).bernoulli_(0.0), m.empty(700).bernoulli_(1.0), m.rand(5))
    for ours, theirs in zip(*both(draws, seed)):
        assert_same(ours, theirs)


@pytest.mark.parametrize("make", [lambda m: m.ones(6, 7, 8), lambda m: m.ones(6, 7, 8).transpose(0, 1),
                                  lambda m: m.ones(4, 6, 8, dtype=m.float64).permute(2, 0, 1),
                                  lambda m: m.ones(6, 16)[:, ::2], lambda m: m.ones(3, 1, 5).transpose(0, 2),
                                  lambda m: m.ones(())])
@pytest.mark.parametrize("drop", [lambda m, x: m.nn.functional.dropout(x, 0.3),
                                  lambda m, x: m.nn.functional.alpha_dropout(x, 0.3, training=True),
                                  lambda m, x: m.nn.functional.dropout(x, 0.3, inplace=True)])
def test_dropout_masks_fill_the_input_in_memory_order(make, drop):
    """PyTorch draws the mask into ``empty_like(input)``: a dense input's strides, filled in memory order (a
    transposed tensor's mask is not the contiguous one's); other inputs get a contiguous mask."""
    assert_same(*both(lambda m: drop(m, make(m)), 11))


def test_normal_of_tensors():
    for draw in (lambda m: m.normal(m.arange(20.0), m.full((20,), 2.0)),
                 lambda m: m.normal(m.arange(5.0), 0.5),
                 lambda m: m.normal(1.0, m.tensor(np.linspace(0.1, 3, 30, dtype=np.float32))),
                 lambda m: m.normal(m.zeros(3, 1, dtype=m.float64), m.ones(4, dtype=m.float64))):
        assert_same(*both(draw, 8))


def test_generators_have_their_own_streams():
    def draws(m):
        g = m.Generator().manual_seed(21)
        return m.cat([m.rand(5, generator=g), m.randn(20, generator=g), m.rand(3),
                      m.randperm(12, generator=g).float(), m.randint(0, 9, (4,), generator=g).float()])
    assert_same(*both(draws, 4))


# ----- state -----

def state_after(m, seed, draw):
    m.manual_seed(seed)
    draw(m)
    return m.get_rng_state()


@pytest.mark.parametrize("draw", [lambda m: None, lambda m: m.randn(3), lambda m: m.randint(0, 5, (624,)),
                                  lambda m: m.randint(0, 5, (700,)), lambda m: m.randn(5, dtype=m.float64)],
                         ids=["fresh", "cached-normal", "624-words", "700-words", "cached-double"])
def test_get_rng_state_is_pytorchs_bytes(draw):
    ours, theirs = state_after(torch, 9, draw), state_after(torch_ref, 9, draw)
    assert ours.dtype == torch.uint8 and ours.shape == (5056,)
    assert_same(ours, theirs)


def test_states_cross_over_both_ways():
    theirs = state_after(torch_ref, 13, lambda m: m.randn(7))
    torch.set_rng_state(torch.tensor(values(theirs)))
    torch_ref.set_rng_state(theirs)
    assert_same(torch.randn(9), torch_ref.randn(9))
    ours = state_after(torch, 14, lambda m: m.rand(3))
    torch_ref.set_rng_state(torch_ref.tensor(values(ours)))
    torch.set_rng_state(ours)
    assert_same(torch.randn(40), torch_ref.randn(40))


def test_generator_state_round_trips_and_bad_states_are_refused():
    g = torch.Generator().manual_seed(2 ** 63 + 5)
    state = g.get_state()
    first = torch.rand(4, generator=g)
    g.set_state(state)
    assert_same(torch.rand(4, generator=g), values(first))
    assert g.initial_seed() == 2 ** 63 + 5
    bad = values(state).copy()
    bad[8:12] = 0  # left = 0
    for module, raw in ((torch, torch.tensor(bad)), (torch_ref, torch_ref.tensor(bad))):
        with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
            module.Generator().set_state(raw)
    for module in (torch, torch_ref):
        with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size 5056 but found the input "
                                               "RNG state size to be 10"):
            module.Generator().set_state(module.zeros(10, dtype=module.uint8))


# ----- initial weights -----

def parameters(module):
    return [values(p) for p in module.parameters()]


@pytest.mark.parametrize("build", [lambda m: m.Linear(784, 300), lambda m: m.Conv2d(3, 16, 5),
                                   lambda m: m.LSTM(10, 20, 2), lambda m: m.Sequential(m.Linear(5, 7), m.Linear(7, 2))],
                         ids=["linear", "conv2d", "lstm", "sequential"])
def test_modules_start_from_pytorchs_weights(build):
    ours, theirs = both(lambda m: parameters(build(nn if m is torch else torch_ref.nn)), 0)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert_same(a, b)


@pytest.mark.parametrize("name, kwargs", [
    ("uniform_", dict(a=-2.0, b=3.0)), ("normal_", dict(mean=1.0, std=0.1)), ("xavier_uniform_", dict(gain=2.0)),
    ("xavier_normal_", {}), ("kaiming_uniform_", dict(a=5 ** 0.5)), ("kaiming_normal_", dict(mode="fan_out")),
    ("trunc_normal_", {}), ("trunc_normal_", dict(mean=0.5, std=1.0, a=-1.0, b=1.5)),
    ("trunc_normal_", dict(a=1.0, b=1.5)), ("trunc_normal_", dict(a=-0.2, b=0.1))])
def test_init_functions_draw_pytorchs_values(name, kwargs):
    def fill(m):
        weight = m.empty(30, 40)
        getattr((nn if m is torch else torch_ref.nn).init, name)(weight, **kwargs)
        return m.cat([weight.reshape(-1), m.randn(20)])  # and leave the stream where PyTorch's is
    assert_same(*both(fill, 3))


# ----- data loading -----

def batches(loader):
    return [b[0].tolist() for b in loader]


@pytest.mark.parametrize("seeded_loader", [False, True])
def test_shuffling_dataloader_gives_pytorchs_batches(seeded_loader):
    def epochs(m, data):
        generator = {"generator": m.Generator().manual_seed(9)} if seeded_loader else {}
        loader = data.DataLoader(data.TensorDataset(m.arange(103)), batch_size=10, shuffle=True, **generator)
        return [batches(loader) for _ in range(3)] + [m.randn(5).tolist()]
    torch.manual_seed(5)
    torch_ref.manual_seed(5)
    assert epochs(torch, our_data) == epochs(torch_ref, torch_ref.utils.data)


@pytest.mark.parametrize("replacement", [False, True])
@pytest.mark.parametrize("num_samples", [None, 20, 45])
def test_random_sampler_gives_pytorchs_indices(replacement, num_samples):
    from torch.utils.data import RandomSampler as Reference
    generator = torch.Generator().manual_seed(2)
    reference_generator = torch_ref.Generator().manual_seed(2)
    ours = RandomSampler(range(10), replacement=replacement, num_samples=num_samples, generator=generator)
    theirs = Reference(range(10), replacement=replacement, num_samples=num_samples, generator=reference_generator)
    assert [list(ours) for _ in range(3)] == [list(theirs) for _ in range(3)]
    torch.manual_seed(6)
    torch_ref.manual_seed(6)
    unseeded = RandomSampler(range(10), replacement=replacement, num_samples=num_samples)
    assert list(unseeded) == list(Reference(range(10), replacement=replacement, num_samples=num_samples))


def test_distributed_sampler_shuffles_as_pytorch():
    from torch.utils.data import DistributedSampler as Reference
    for rank in range(3):
        ours = DistributedSampler(range(50), num_replicas=3, rank=rank, seed=4)
        theirs = Reference(range(50), num_replicas=3, rank=rank, seed=4)
        for epoch in range(2):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)


def test_loader_over_tensor_dataset_uses_the_sampler_order():
    torch.manual_seed(1)
    order = list(RandomSampler(range(8), generator=torch.Generator().manual_seed(3)))
    loader = DataLoader(TensorDataset(torch.arange(8)), batch_size=8,
                        sampler=RandomSampler(range(8), generator=torch.Generator().manual_seed(3)))
    assert batches(loader) == [order]
