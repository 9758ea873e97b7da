"""Convolutional networks on MNIST-format images: the course's CNN and LeNet-5.

The course CNN (one 3x3 convolution with 10 channels, then a 6760-300-10 MLP)
comes from examples/models.py. LeNet-5 follows LeCun et al. (1998): 5x5
convolutions of 6 and 16 channels with tanh and 2x2 average pooling, then
fully connected layers of 120 and 84 units (the 28x28 input is padded by 2 to
the original 32x32). Both train with Adam on batches of 100.

    python -m examples.cnn [--model cnn|lenet|both] [--epochs 3] [--train-size N] [--data-dir DIR] [--out DIR]
"""
import argparse

import autograd_core as torch
import nn
import optim
from examples._data import first, load_digits
from examples._plots import output_dir, save_history
from examples.models import CNN
from examples.train import fit


class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Tanh(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
            nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


MODELS = {"cnn": CNN, "lenet": LeNet5}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=[*MODELS, "both"], default="both")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--train-size", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--data-dir", default=None,
                        help="MNIST-format data (default $AUTOGRAD_CORE_DATA or ./data, else the embedded digits)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out", help="folder for the plots (default ./out)")
    args = parser.parse_args(argv)
    data = load_digits(args.data_dir, image_shape=(1, 28, 28))
    print(data.note)
    train = data.train if args.train_size is None else first(data.train, args.train_size)
    results = {}
    for name in MODELS if args.model == "both" else [args.model]:
        torch.manual_seed(args.seed)
        model = MODELS[name]()
        print(model)
        history = fit(model, train, data.test, optim.Adam(model.parameters(), lr=args.lr), args.epochs,
                      args.batch_size, log=print)
        plot = save_history(output_dir(args.out) / f"cnn_{name}.png", history)
        print(f"{name}: test accuracy {history['test_acc'][-1]:.4f}; plot {plot}")
        results[name] = {"history": history, "plot": plot}
    return results


if __name__ == "__main__":
    main()
