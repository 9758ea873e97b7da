"""Smoke tests of examples/vae_mnist.py (a VAE written with torch.distributions), with tiny settings into tmp_path."""
import math
from pathlib import Path

import pytest
from test_train import write_fake_images

from examples import vae_mnist


def _is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_vae_learns_mnist_format_digits(tmp_path, capsys):
    write_fake_images(tmp_path / "data" / "mnist", n_train=300, n_test=100)
    result = vae_mnist.main(["--epochs", "3", "--hidden", "64", "--batch-size", "50", "--data-dir",
                             str(tmp_path / "data"), "--out", str(tmp_path / "out")])
    train, test = result["history"]["train"], result["history"]["test"]
    assert len(train) == len(test) == 3
    assert train[-1] < train[0] and test[-1] < vae_mnist.PIXELS * math.log(2)  # better than fair coins per pixel
    assert all(_is_png(path) for path in result["plots"])
    assert "300 training and 100 test images" in capsys.readouterr().out


def test_vae_falls_back_to_the_embedded_mnist_digits(tmp_path, capsys):
    result = vae_mnist.main(["--epochs", "2", "--hidden", "32", "--limit", "300", "--data-dir", str(tmp_path / "none"),
                             "--out", str(tmp_path / "out")])
    assert "EmbeddedMNIST" in capsys.readouterr().out
    assert result["history"]["train"][-1] < result["history"]["train"][0]
    assert all(_is_png(path) for path in result["plots"])


def test_vae_learns_the_real_mnist_test_digits(tmp_path, capsys):
    real = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    if not (real / "mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"real data folder {real} is absent (it lives at ../shared/datasets beside the checkout)")
    result = vae_mnist.main(["--epochs", "2", "--hidden", "32", "--limit", "400", "--data-dir", str(real),
                             "--out", str(tmp_path / "out")])
    assert "training on 8000 images of its test split" in capsys.readouterr().out
    train = result["history"]["train"]
    assert train[-1] < train[0] and result["history"]["test"][-1] < vae_mnist.PIXELS * math.log(2)


def test_negative_elbo_is_the_kl_minus_the_expected_log_likelihood():
    import autograd_core as torch
    torch.manual_seed(0)
    model = vae_mnist.VAE(latent=2, hidden=8)
    x = (torch.rand(4, vae_mnist.PIXELS) > 0.5).float()
    loss = vae_mnist.negative_elbo(model, x)
    posterior = model.posterior(x)
    kl = torch.distributions.kl_divergence(posterior, vae_mnist.prior_like(posterior))
    assert kl.shape == (4,) and (kl.numpy(force=True) >= 0).all()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())  # rsample carries gradients into the encoder
