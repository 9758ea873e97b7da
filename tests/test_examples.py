"""Smoke tests of the course examples, each run through its ``main(argv)`` with tiny settings into tmp_path."""
import math

import numpy as np
import pytest

from examples import (apple, chain_rule, cnn, least_squares, mnist_mlp, numerical_diff, regularization, sine_lstm,
                      two_layer_net)
from test_train import write_fake_images


@pytest.fixture
def data_dir(tmp_path):
    """A folder laid out like ../shared/datasets, with small learnable Fashion-MNIST-format files."""
    write_fake_images(tmp_path / "data" / "fashion-mnist")
    return tmp_path / "data"


def _is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_apple_shopping_values_gradients_and_drawing(tmp_path):
    result = apple.main(["--out", str(tmp_path)])
    assert math.isclose(result["total"].item(), 220.0, rel_tol=1e-6)
    expected = {"apple price": 2.2, "apples": 110.0, "tax": 200.0, "subtotal": 1.1}
    for name, grad in expected.items():
        assert math.isclose(result["grads"][name], grad, rel_tol=1e-6)
    svg = (tmp_path / "apple.svg").read_text()
    assert "apple price" in svg and "subtotal" in svg and "220" in svg and "grad 110" in svg


def test_chain_rule_matches_the_derivation(tmp_path):
    result = chain_rule.main(["--out", str(tmp_path)])
    assert math.isclose(result["dz/dx"], 2 * math.sin(2) + 10 * math.cos(2), rel_tol=1e-12)
    assert math.isclose(result["dz/dy"], 4 * math.sin(2) + 5 * math.cos(2), rel_tol=1e-12)
    assert (tmp_path / "chain_rule.svg").is_file()


def test_least_squares_reaches_the_course_values(tmp_path):
    result = least_squares.main(["--out", str(tmp_path)])
    assert math.isclose(result["a"], 1.49677, abs_tol=1e-5)
    assert math.isclose(result["b"], 0.34067, abs_tol=1e-5)
    assert math.isclose(result["loss"], 0.16669, abs_tol=1e-5)
    assert len(result["losses"]) == 500 and all(_is_png(p) for p in result["plots"])


def test_numerical_diff_agrees_with_autograd_and_descends_to_the_origin(tmp_path):
    result = numerical_diff.main(["--out", str(tmp_path)])
    assert result["value"] == 42.0
    assert result["autograd_grad"].tolist() == [-8.0, 46.0, 20.0]
    np.testing.assert_allclose(result["numerical_grad"], [-8.0, 46.0, 20.0], atol=1e-6)
    assert math.isclose(result["exp_numerical"], result["exp_autograd"], rel_tol=1e-7)
    path = result["path"]
    assert path.shape == (101, 2) and path[0].tolist() == [-3.0, 2.0]
    assert np.abs(path[-1]).max() < 1e-8 and _is_png(result["plot"])


def test_two_layer_net_trains_and_plots_per_epoch(tmp_path, data_dir, capsys):
    result = two_layer_net.main(["--iters", "300", "--batch-size", "20", "--lr", "1.0", "--data-dir",
                                 str(data_dir), "--out", str(tmp_path)])
    assert len(result["train_acc"]) == 20 == len(result["test_acc"])  # 300 images / 20 per batch = 15 per epoch
    assert len(result["losses"]) == 300 and np.mean(result["losses"][-20:]) < np.mean(result["losses"][:20]) / 2
    assert result["train_acc"][-1] > 0.8
    assert set(result["network"].params) == {"W1", "b1", "W2", "b2"}
    assert result["network"].params["W1"].shape == (784, 50)
    assert "MNIST training images are not available" in capsys.readouterr().out and _is_png(result["plot"])


def test_mnist_mlps_train_both_models(tmp_path, data_dir):
    results = mnist_mlp.main(["--epochs", "2", "--data-dir", str(data_dir), "--out", str(tmp_path)])
    assert set(results) == {"mynet", "mlp"}
    for result in results.values():
        assert len(result["history"]["test_acc"]) == 2 and result["history"]["test_acc"][-1] > 0.5
        assert _is_png(result["plot"])
    assert [m.out_features for m in (mnist_mlp.MLP().l1, mnist_mlp.MLP().l2, mnist_mlp.MLP().l3)] == [300, 300, 10]


def test_cnn_and_lenet_train(tmp_path, data_dir):
    results = cnn.main(["--epochs", "1", "--train-size", "200", "--batch-size", "50", "--data-dir", str(data_dir),
                        "--out", str(tmp_path)])
    assert set(results) == {"cnn", "lenet"} and all(_is_png(r["plot"]) for r in results.values())
    import autograd_core as torch
    assert cnn.LeNet5()(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert sum(p.numel() for p in cnn.LeNet5().parameters()) == 61706


def test_sine_lstm_loss_falls(tmp_path):
    result = sine_lstm.main(["--epochs", "3", "--points", "200", "--window", "10", "--hidden", "8",
                             "--out", str(tmp_path)])
    assert result["train_losses"][-1] < result["train_losses"][0]
    assert result["predictions"].shape == (199,) and all(_is_png(p) for p in result["plots"])


def test_regularization_demos_write_their_plots(tmp_path, data_dir):
    results = regularization.main(["--epochs", "2", "--bn-epochs", "2", "--poly-steps", "300",
                                   "--data-dir", str(data_dir), "--out", str(tmp_path)])
    assert set(results) == set(regularization.DEMOS)
    plot, errors = results["polynomial"]
    assert errors[9][0] < errors[3][0] < errors[1][0]  # more degrees fit the samples more closely
    for name in regularization.DEMOS:
        assert _is_png(tmp_path / f"{name}.png")
    assert set(results["dropout"][1]) == {"no dropout", "dropout 0.2"}


def test_regularization_rejects_unknown_demos(tmp_path):
    with pytest.raises(SystemExit):
        regularization.main(["--demos", "early_stopping", "--out", str(tmp_path)])
