"""Node names of nn.functional's ops (and the convolutions and pools): ``type(y.grad_fn).__name__`` as PyTorch's.

Each case builds the same call in both libraries, from the same numpy data.
"""
import numpy as np
import pytest

import autograd_core as torch
import nn.functional as F

torch_ref = pytest.importorskip("torch")


def _data(lib, shape, seed=0, requires_grad=True, probabilities=False):
    array = np.random.default_rng(seed).standard_normal(shape)
    if probabilities:
        array = 1 / (1 + np.exp(-array))
    return lib.tensor(array.astype(np.float32), requires_grad=requires_grad)


def _leaf(lib, shape, seed=0):
    return _data(lib, shape, seed)


def _nonleaf(lib, shape, seed=0):
    """A tensor with history, for in-place calls."""
    return _data(lib, shape, seed) * 1


def _labels(lib, values):
    return lib.tensor(np.array(values, dtype=np.int64))


CASES = {
    # convolutions and pools
    "conv2d": lambda t, F: F.conv2d(_leaf(t, (2, 3, 6, 6)), _leaf(t, (4, 3, 3, 3), 1), _leaf(t, (4,), 2)),
    "conv2d unbatched": lambda t, F: F.conv2d(_leaf(t, (3, 6, 6)), _leaf(t, (4, 3, 3, 3), 1)),
    "conv1d": lambda t, F: F.conv1d(_leaf(t, (2, 3, 8)), _leaf(t, (4, 3, 3), 1)),
    "conv_transpose2d": lambda t, F: F.conv_transpose2d(_leaf(t, (2, 3, 5, 5)), _leaf(t, (3, 2, 3, 3), 1)),
    "conv_transpose1d": lambda t, F: F.conv_transpose1d(_leaf(t, (2, 3, 5)), _leaf(t, (3, 2, 3), 1)),
    "max_pool2d": lambda t, F: F.max_pool2d(_leaf(t, (2, 3, 6, 6)), 2),
    "max_pool2d indices": lambda t, F: F.max_pool2d(_leaf(t, (2, 3, 6, 6)), 2, return_indices=True)[0],
    "max_pool2d unbatched": lambda t, F: F.max_pool2d(_leaf(t, (3, 6, 6)), 2),
    "max_pool1d": lambda t, F: F.max_pool1d(_leaf(t, (2, 3, 8)), 2),
    "avg_pool2d": lambda t, F: F.avg_pool2d(_leaf(t, (2, 3, 6, 6)), 2),
    "avg_pool1d": lambda t, F: F.avg_pool1d(_leaf(t, (2, 3, 8)), 2),
    "adaptive_avg_pool2d": lambda t, F: F.adaptive_avg_pool2d(_leaf(t, (2, 3, 6, 6)), 2),
    "adaptive_avg_pool2d to 1x1": lambda t, F: F.adaptive_avg_pool2d(_leaf(t, (2, 3, 6, 6)), 1),
    "adaptive_max_pool2d": lambda t, F: F.adaptive_max_pool2d(_leaf(t, (2, 3, 6, 6)), 2),
    # normalization
    "batch_norm training": lambda t, F: F.batch_norm(_leaf(t, (4, 3, 2, 2)), t.zeros(3), t.ones(3),
                                                     _leaf(t, (3,), 1), _leaf(t, (3,), 2), training=True),
    "batch_norm training, no stats": lambda t, F: F.batch_norm(_leaf(t, (4, 3)), None, None, training=True),
    "batch_norm eval": lambda t, F: F.batch_norm(_leaf(t, (4, 3, 2)), t.zeros(3), t.ones(3), _leaf(t, (3,), 1)),
    "layer_norm": lambda t, F: F.layer_norm(_leaf(t, (4, 5)), (5,)),
    "layer_norm affine": lambda t, F: F.layer_norm(_leaf(t, (2, 4, 5)), (4, 5), _leaf(t, (4, 5), 1),
                                                   _leaf(t, (4, 5), 2)),
    "group_norm": lambda t, F: F.group_norm(_leaf(t, (2, 6, 3)), 3, _leaf(t, (6,), 1), _leaf(t, (6,), 2)),
    # losses
    "mse_loss": lambda t, F: F.mse_loss(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False)),
    "mse_loss none": lambda t, F: F.mse_loss(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False), reduction="none"),
    "mse_loss weighted": lambda t, F: F.mse_loss(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False),
                                                 weight=_data(t, (4, 5), 2, False)),
    "l1_loss": lambda t, F: F.l1_loss(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False)),
    "l1_loss sum": lambda t, F: F.l1_loss(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False), reduction="sum"),
    "l1_loss none": lambda t, F: F.l1_loss(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False), reduction="none"),
    "smooth_l1_loss": lambda t, F: F.smooth_l1_loss(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False)),
    "smooth_l1_loss beta 0": lambda t, F: F.smooth_l1_loss(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False), beta=0.0),
    "huber_loss": lambda t, F: F.huber_loss(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False), reduction="none"),
    "huber_loss weighted": lambda t, F: F.huber_loss(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False),
                                                     weight=_data(t, (4, 5), 2, False)),
    "cross_entropy": lambda t, F: F.cross_entropy(_leaf(t, (4, 5)), _labels(t, [0, 1, 4, 2])),
    "cross_entropy none": lambda t, F: F.cross_entropy(_leaf(t, (4, 5)), _labels(t, [0, 1, 4, 2]),
                                                       reduction="none"),
    "cross_entropy unbatched none": lambda t, F: F.cross_entropy(_leaf(t, (5,)), _labels(t, 3), reduction="none"),
    "cross_entropy spatial": lambda t, F: F.cross_entropy(_leaf(t, (2, 5, 3)), _labels(t, [[0, 1, 2], [3, 4, 0]])),
    "cross_entropy spatial none": lambda t, F: F.cross_entropy(_leaf(t, (2, 5, 3)),
                                                               _labels(t, [[0, 1, 2], [3, 4, 0]]), reduction="none"),
    "cross_entropy 2-d spatial": lambda t, F: F.cross_entropy(_leaf(t, (2, 5, 1, 2)), _labels(t, [[[0, 1]], [[3, 4]]]),
                                                              reduction="none"),
    "cross_entropy label smoothing": lambda t, F: F.cross_entropy(_leaf(t, (4, 5)), _labels(t, [0, 1, 4, 2]),
                                                                  label_smoothing=0.1),
    "cross_entropy probabilities": lambda t, F: F.cross_entropy(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False, True)),
    "cross_entropy probabilities sum": lambda t, F: F.cross_entropy(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False, True),
                                                                    reduction="sum"),
    "nll_loss": lambda t, F: F.nll_loss(_leaf(t, (4, 5)), _labels(t, [0, 1, 4, 2])),
    "nll_loss spatial": lambda t, F: F.nll_loss(_leaf(t, (2, 5, 3)), _labels(t, [[0, 1, 2], [3, 4, 0]])),
    "binary_cross_entropy": lambda t, F: F.binary_cross_entropy(_data(t, (4, 5), 0, True, True),
                                                                _data(t, (4, 5), 1, False, True)),
    "binary_cross_entropy weighted": lambda t, F: F.binary_cross_entropy(
        _data(t, (4, 5), 0, True, True), _data(t, (4, 5), 1, False, True), weight=_data(t, (4, 5), 2, False, True)),
    "binary_cross_entropy_with_logits": lambda t, F: F.binary_cross_entropy_with_logits(
        _leaf(t, (4, 5)), _data(t, (4, 5), 1, False, True), pos_weight=_data(t, (5,), 2, False, True)),
    "kl_div": lambda t, F: F.kl_div(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False, True), reduction="batchmean"),
    "kl_div none": lambda t, F: F.kl_div(_leaf(t, (4, 5)), _data(t, (4, 5), 1, False, True), reduction="none"),
    # activations and softmax
    "relu": lambda t, F: F.relu(_leaf(t, (4, 5))),
    "relu6": lambda t, F: F.relu6(_leaf(t, (4, 5))),
    "leaky_relu": lambda t, F: F.leaky_relu(_leaf(t, (4, 5))),
    "hardtanh": lambda t, F: F.hardtanh(_leaf(t, (4, 5))),
    "hardsigmoid": lambda t, F: F.hardsigmoid(_leaf(t, (4, 5))),
    "hardswish": lambda t, F: F.hardswish(_leaf(t, (4, 5))),
    "prelu": lambda t, F: F.prelu(_leaf(t, (2, 3, 4)), _leaf(t, (3,), 1)),
    "elu": lambda t, F: F.elu(_leaf(t, (4, 5))),
    "selu": lambda t, F: F.selu(_leaf(t, (4, 5))),
    "celu": lambda t, F: F.celu(_leaf(t, (4, 5))),
    "gelu": lambda t, F: F.gelu(_leaf(t, (4, 5))),
    "gelu tanh": lambda t, F: F.gelu(_leaf(t, (4, 5)), approximate="tanh"),
    "silu": lambda t, F: F.silu(_leaf(t, (4, 5))),
    "mish": lambda t, F: F.mish(_leaf(t, (4, 5))),
    "softplus": lambda t, F: F.softplus(_leaf(t, (4, 5))),
    "softsign": lambda t, F: F.softsign(_leaf(t, (4, 5))),
    "logsigmoid": lambda t, F: F.logsigmoid(_leaf(t, (4, 5))),
    "softmax": lambda t, F: F.softmax(_leaf(t, (4, 5)), 1),
    "softmin": lambda t, F: F.softmin(_leaf(t, (4, 5)), 1),
    "log_softmax": lambda t, F: F.log_softmax(_leaf(t, (4, 5)), -1),
    # in place
    "relu_": lambda t, F: F.relu(_nonleaf(t, (4, 5)), inplace=True),
    "leaky_relu_": lambda t, F: F.leaky_relu(_nonleaf(t, (4, 5)), 0.2, inplace=True),
    "hardtanh_": lambda t, F: F.hardtanh(_nonleaf(t, (4, 5)), inplace=True),
    "relu6_": lambda t, F: F.relu6(_nonleaf(t, (4, 5)), inplace=True),
    "hardsigmoid_": lambda t, F: F.hardsigmoid(_nonleaf(t, (4, 5)), inplace=True),
    "hardswish_": lambda t, F: F.hardswish(_nonleaf(t, (4, 5)), inplace=True),
    "elu_": lambda t, F: F.elu(_nonleaf(t, (4, 5)), inplace=True),
    "selu_": lambda t, F: F.selu(_nonleaf(t, (4, 5)), inplace=True),
    "celu_": lambda t, F: F.celu(_nonleaf(t, (4, 5)), inplace=True),
    "silu_": lambda t, F: F.silu(_nonleaf(t, (4, 5)), inplace=True),
    "mish_": lambda t, F: F.mish(_nonleaf(t, (4, 5)), inplace=True),
    # dropout, embedding, linear maps, utilities
    "dropout": lambda t, F: F.dropout(_leaf(t, (4, 5))),
    "dropout p=1": lambda t, F: F.dropout(_leaf(t, (4, 5)), 1.0),
    "dropout2d": lambda t, F: F.dropout2d(_leaf(t, (2, 3, 4, 4))),
    "dropout1d unbatched": lambda t, F: F.dropout1d(_leaf(t, (3, 4))),
    "feature_alpha_dropout": lambda t, F: F.feature_alpha_dropout(_leaf(t, (2, 3, 4)), training=True),
    "alpha_dropout": lambda t, F: F.alpha_dropout(_leaf(t, (2, 3)), training=True),
    "embedding": lambda t, F: F.embedding(_labels(t, [[0, 2], [1, 0]]), _leaf(t, (3, 4))),
    "embedding padding_idx": lambda t, F: F.embedding(_labels(t, [0, 2]), _leaf(t, (3, 4)), padding_idx=0),
    "linear": lambda t, F: F.linear(_leaf(t, (4, 5)), _leaf(t, (3, 5), 1)),
    "linear bias": lambda t, F: F.linear(_leaf(t, (4, 5)), _leaf(t, (3, 5), 1), _leaf(t, (3,), 2)),
    "linear 3-d": lambda t, F: F.linear(_leaf(t, (2, 4, 5)), _leaf(t, (3, 5), 1)),
    "linear 3-d bias": lambda t, F: F.linear(_leaf(t, (2, 4, 5)), _leaf(t, (3, 5), 1), _leaf(t, (3,), 2)),
    "linear 1-d": lambda t, F: F.linear(_leaf(t, (5,)), _leaf(t, (3, 5), 1)),
    "linear 1-d bias": lambda t, F: F.linear(_leaf(t, (5,)), _leaf(t, (3, 5), 1), _leaf(t, (3,), 2)),
    "bilinear": lambda t, F: F.bilinear(_leaf(t, (4, 2)), _leaf(t, (4, 3), 1), _leaf(t, (5, 2, 3), 2)),
    "bilinear bias": lambda t, F: F.bilinear(_leaf(t, (4, 2)), _leaf(t, (4, 3), 1), _leaf(t, (5, 2, 3), 2),
                                             _leaf(t, (5,), 3)),
    "pad constant": lambda t, F: F.pad(_leaf(t, (2, 3)), (1, 2)),
    "pad reflect": lambda t, F: F.pad(_leaf(t, (2, 3, 4, 4)), (1, 1, 2, 0), mode="reflect"),
    "pad replicate": lambda t, F: F.pad(_leaf(t, (2, 3, 4)), (1, 2), mode="replicate"),
    "pad circular": lambda t, F: F.pad(_leaf(t, (2, 3, 4)), (1, 2), mode="circular"),
    "normalize": lambda t, F: F.normalize(_leaf(t, (4, 5))),
}


def _node_name(lib, functional, build):
    lib.manual_seed(0)
    return type(build(lib, functional).grad_fn).__name__


@pytest.mark.parametrize("case", sorted(CASES))
def test_node_name_is_pytorchs(case):
    expected = _node_name(torch_ref, torch_ref.nn.functional, CASES[case])
    assert _node_name(torch, F, CASES[case]) == expected


def test_known_names_are_the_expected_ones():
    """A few names spelled out, so that a change in PyTorch is seen here and not only as a mismatch."""
    names = {case: _node_name(torch, F, CASES[case]) for case in
             ("conv2d", "max_pool2d", "batch_norm eval", "mse_loss", "cross_entropy", "leaky_relu_", "dropout")}
    assert names == {"conv2d": "ConvolutionBackward0", "max_pool2d": "MaxPool2DWithIndicesBackward0",
                     "batch_norm eval": "NativeBatchNormBackward0", "mse_loss": "MseLossBackward0",
                     "cross_entropy": "NllLossBackward0", "leaky_relu_": "LeakyReluBackward1",
                     "dropout": "MulBackward0"}
