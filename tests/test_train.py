"""The main job, ``python -m examples.train``: training runs, options, outputs and repeatability."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_core as torch
from autograd_core.datasets.idx import write_idx
from examples import train

ROOT = Path(__file__).resolve().parents[1]


def write_fake_images(folder, n_train=300, n_test=100, train_split=True, seed=0):
    """MNIST-format files whose classes are learnable: class k lights up its own 6x6 block, on noise."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    splits = (("train", n_train), ("t10k", n_test)) if train_split else (("t10k", n_test),)
    for prefix, n in splits:
        labels = np.arange(n, dtype=np.uint8) % 10
        images = rng.integers(0, 60, size=(n, 28, 28), dtype=np.uint8)
        for i, k in enumerate(labels):
            row, col = 4 + 12 * (k // 5), 1 + 5 * (k % 5)
            images[i, row:row + 6, col:col + 6] = 255
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return folder


def test_default_run_trains_the_course_mlp_on_the_embedded_digits(tmp_path, capsys):
    result = train.run(["--out", str(tmp_path), "--epochs", "2"])
    assert result["test_acc"] > 0.8 and result["history"]["train_loss"][-1] < result["history"]["train_loss"][0]
    assert set(result["paths"]) == {"graph", "history", "model"}
    assert "EmbeddedMNIST: 2500 training and 500 test digits" in capsys.readouterr().out
    state = torch.load(result["paths"]["model"])
    assert result["paths"]["model"].suffix == ".safetensors" and state["0.weight"].shape == (300, 784)


def test_spiral_run_learns_and_writes_every_output(tmp_path, capsys):
    result = train.run(["--dataset", "spiral", "--out", str(tmp_path)])
    history = result["history"]
    assert len(history["train_acc"]) == train.DEFAULTS["spiral"]["epochs"]
    assert history["train_acc"][-1] > 0.9 and result["test_acc"] > 0.9
    assert history["train_loss"][-1] < history["train_loss"][0] / 3
    paths = result["paths"]
    assert set(paths) == {"graph", "history", "decision_boundary", "model"}
    svg = paths["graph"].read_text()
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "</svg>" in svg
    assert "AddmmBackward0" in svg and "0.weight" in svg and "2.bias" in svg
    for name in ("history", "decision_boundary"):
        assert paths[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = capsys.readouterr().out
    assert "test accuracy" in out and str(paths["model"]) in out


def test_saved_state_dict_reloads_into_the_same_predictions(tmp_path):
    result = train.run(["--dataset", "spiral", "--out", str(tmp_path), "--epochs", "2"])
    state = torch.load(tmp_path / "model.safetensors")
    fresh = train.build_model("mlp", (2,), 3, 100)
    fresh.load_state_dict(state)
    points = torch.randn(16, 2)
    with torch.no_grad():
        np.testing.assert_array_equal(fresh(points).numpy(), result["model"](points).numpy())


def test_same_seed_repeats_the_run(tmp_path):
    first = train.run(["--dataset", "spiral", "--out", str(tmp_path / "a"), "--epochs", "3", "--seed", "4"])["history"]
    second = train.run(["--dataset", "spiral", "--out", str(tmp_path / "b"), "--epochs", "3", "--seed", "4"])[
        "history"]
    assert first == second


@pytest.mark.parametrize("name", sorted(train.OPTIMIZERS))
def test_every_optimizer_trains(tmp_path, name):
    lr = {"sgd": 0.5, "momentum": 0.1, "adagrad": 0.1}.get(name, 0.01)
    history = train.run(["--dataset", "spiral", "--out", str(tmp_path), "--epochs", "8", "--optimizer", name,
                         "--lr", str(lr)])["history"]
    assert history["train_loss"][-1] < 0.8 * history["train_loss"][0]


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_image_data_with_mlp_and_cnn(tmp_path, model, capsys):
    data = write_fake_images(tmp_path / "data" / "fashion-mnist")
    result = train.run(["--dataset", "fashion-mnist", "--data-dir", str(data.parent), "--model", model,
                         "--epochs", "2", "--batch-size", "50", "--out", str(tmp_path / "out")])
    assert set(result["paths"]) == {"graph", "history", "model"}  # no decision boundary for images
    assert result["test_acc"] > 0.5
    assert "300 training and 100 test images" in capsys.readouterr().out


def test_mnist_without_training_files_uses_the_test_split_and_says_so(tmp_path, capsys):
    data = write_fake_images(tmp_path / "mnist", n_test=2500, train_split=False)
    train.run(["--dataset", "mnist", "--data-dir", str(data), "--epochs", "1", "--out", str(tmp_path / "out")])
    assert "training on 500 images of its test split and testing on the other 2000" in capsys.readouterr().out


def test_missing_data_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz.*--data-dir"):
        train.run(["--dataset", "fashion-mnist", "--data-dir", str(tmp_path), "--out", str(tmp_path)])


def test_bad_options_are_rejected(capsys):
    with pytest.raises(SystemExit):
        train.main(["--dataset", "spiral", "--model", "cnn"])
    assert "--model cnn needs image data" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train.run(["--optimizer", "lbfgs"])


def test_module_entry_point(tmp_path):
    """``python -m examples.train`` from the checkout (examples/ is not installed: pyproject.toml)."""
    done = subprocess.run([sys.executable, "-m", "examples.train", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "--dataset" in done.stdout and "--optimizer" in done.stdout
    assert train.main(["--dataset", "spiral", "--epochs", "1", "--out", str(tmp_path)]) is None  # exit status 0
