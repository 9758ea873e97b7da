"""A variational autoencoder of MNIST digits, written with torch.distributions.

The encoder maps an image x to q(z | x), a diagonal Normal over the latent code
(``Independent(Normal(loc, scale), 1)``); a code drawn from it with ``rsample``
(the reparameterisation trick, so gradients reach the encoder) is decoded into
p(x | z), a Bernoulli per pixel given by its logits. Training minimises the
negative evidence lower bound per image,

    -ELBO = KL(q(z | x) || p(z)) - E_q[log p(x | z)],    p(z) = Normal(0, 1),

with the KL term in closed form (``kl_divergence``) and the expectation estimated
by one sample. Pixels are binarised (> 0.5). The digits are real MNIST digits: the
IDX files under --data-dir (../shared/datasets holds the test split: training then
uses 8,000 of those images and testing the other 2,000), or, without them, the
3,000 MNIST digits shipped inside autograd_core (``datasets.EmbeddedMNIST``); the
script says which.

    python -m examples.vae_mnist [--epochs 10] [--latent 2] [--hidden 400] [--batch-size 100]
                                 [--limit N] [--data-dir ../shared/datasets] [--seed 0] [--out DIR]

Writes vae_loss.png (the negative ELBO per epoch, train and test) and
vae_digits.png (test digits, their reconstructions, and digits decoded from codes
drawn from the prior).
"""
import argparse
import math

import autograd_core as torch
import nn
import optim
from autograd_core.distributions import Bernoulli, Independent, Normal, kl_divergence
from autograd_core.utils.data import DataLoader
from examples._data import default_data_dir, embedded_digits, first, load_images
from examples._plots import output_dir, save_curves, save_figure

PIXELS = 784


class VAE(nn.Module):
    """784 -> hidden -> (loc, log scale) of the code; code -> hidden -> 784 pixel logits."""

    def __init__(self, latent=2, hidden=400):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(PIXELS, hidden), nn.ReLU())
        self.loc = nn.Linear(hidden, latent)
        self.log_scale = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, PIXELS))

    def posterior(self, x):
        """q(z | x): a Normal per latent dimension, one event per image."""
        h = self.encoder(x)
        return Independent(Normal(self.loc(h), self.log_scale(h).exp()), 1)

    def likelihood(self, z):
        """p(x | z): a Bernoulli per pixel, one event per image."""
        return Independent(Bernoulli(logits=self.decoder(z)), 1)


def prior_like(posterior):
    """p(z) = Normal(0, 1) in every latent dimension, shaped like ``posterior``."""
    loc = torch.zeros_like(posterior.mean)
    return Independent(Normal(loc, torch.ones_like(loc)), 1)


def negative_elbo(model, x):
    """The mean over the batch of KL(q(z|x) || p(z)) - log p(x | z), z drawn from q with rsample."""
    posterior = model.posterior(x)
    z = posterior.rsample()
    return (kl_divergence(posterior, prior_like(posterior)) - model.likelihood(z).log_prob(x)).mean()


def binarised(images):
    return (images.reshape(-1, PIXELS) > 0.5).float()


def load_mnist_digits(data_dir):
    """``(train, test, note)``: MNIST's images under ``data_dir``, else the real digits embedded in the package."""
    try:
        data = load_images("mnist", data_dir)
    except FileNotFoundError as missing:
        data = embedded_digits()
        return data.train, data.test, f"{missing}; {data.note}"
    return data.train, data.test, data.note


def evaluate(model, dataset, batch_size):
    """The negative ELBO per image over ``dataset`` (one code sample per image)."""
    total = 0.0
    with torch.no_grad():
        for images, _ in DataLoader(dataset, batch_size=batch_size):
            total += negative_elbo(model, binarised(images)).item() * len(images)
    return total / len(dataset)


def train_epoch(model, optimizer, dataset, batch_size):
    total = 0.0
    for images, _ in DataLoader(dataset, batch_size=batch_size, shuffle=True):
        loss = negative_elbo(model, binarised(images))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(images)
    return total / len(dataset)


def save_digits(path, model, test, latent, count=10):
    """Rows: test digits, their reconstructions (the decoder's pixel probabilities at the posterior mean), and
    digits decoded from codes drawn from the prior."""
    images = binarised(torch.stack([test[i][0] for i in range(count)]))
    with torch.no_grad():
        reconstructions = model.likelihood(model.posterior(images).mean).mean
        z = Normal(torch.zeros(count, latent), torch.ones(count, latent)).sample()
        dreamt = model.likelihood(z).mean
    rows = [images, reconstructions, dreamt]
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(rows), count, figsize=(count, len(rows) + 0.4))
    for row, (title, values) in enumerate(zip(("test digits", "reconstructed", "from the prior"), rows)):
        for col in range(count):
            ax = axes[row, col]
            ax.imshow(values[col].numpy(force=True).reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=8)
    return save_figure(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--latent", type=int, default=2, help="dimensions of the code z (default 2)")
    parser.add_argument("--hidden", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N training images only")
    parser.add_argument("--data-dir", default=None,
                        help="folder of MNIST IDX files (default $AUTOGRAD_CORE_DATA or ./data)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out", help="folder for the plots (default ./out)")
    args = parser.parse_args(argv)
    train, test, note = load_mnist_digits(args.data_dir or default_data_dir())
    if args.limit is not None:
        train = first(train, args.limit)
    print(note)
    torch.manual_seed(args.seed)
    model = VAE(args.latent, args.hidden)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    history = {"train": [], "test": []}
    for epoch in range(1, args.epochs + 1):
        history["train"].append(train_epoch(model, optimizer, train, args.batch_size))
        history["test"].append(evaluate(model, test, args.batch_size))
        print(f"epoch {epoch}: negative ELBO per image, train {history['train'][-1]:.1f}, test "
              f"{history['test'][-1]:.1f} nats (uniform pixels: {PIXELS * math.log(2):.1f})")
    out = output_dir(args.out)
    loss_plot = save_curves(out / "vae_loss.png", {"negative ELBO (nats per image)": history})
    digits_plot = save_digits(out / "vae_digits.png", model, test, args.latent)
    print(f"plots: {loss_plot}, {digits_plot}")
    return {"history": history, "model": model, "note": note, "plots": [loss_plot, digits_plot]}


if __name__ == "__main__":
    main()
