"""The course's MNIST MLPs: MyNet (784-300-10) and the class-style 784-300-300-10 model, each trained with Adam.

Both use cross-entropy, Adam with its defaults, batches of 100 and 10 epochs;
the train/test curves of each are plotted. Without MNIST's training images
(only its test split given) the script trains on
Fashion-MNIST, or on part of the MNIST test split, and says which.

    python -m examples.mnist_mlp [--model mynet|mlp|both] [--epochs 10] [--data-dir DIR] [--out DIR]
"""
import argparse

import autograd_core as torch
import nn
import nn.functional as F
import optim
from examples._data import load_digits
from examples._plots import output_dir, save_history
from examples.models import MyNet
from examples.train import fit


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(784, 300)
        self.l2 = nn.Linear(300, 300)
        self.l3 = nn.Linear(300, 10)

    def forward(self, x):
        h = F.relu(self.l1(x))
        h = F.relu(self.l2(h))
        return self.l3(h)


MODELS = {"mynet": MyNet, "mlp": MLP}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=[*MODELS, "both"], default="both")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--data-dir", default=None,
                        help="MNIST-format data (default $AUTOGRAD_CORE_DATA or ./data, else the embedded digits)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out", help="folder for the plots (default ./out)")
    args = parser.parse_args(argv)
    data = load_digits(args.data_dir)
    print(data.note)
    results = {}
    for name in MODELS if args.model == "both" else [args.model]:
        torch.manual_seed(args.seed)
        model = MODELS[name]()
        print(model)
        optimizer = optim.Adam(model.parameters())
        history = fit(model, data.train, data.test, optimizer, args.epochs, args.batch_size, log=print)
        plot = save_history(output_dir(args.out) / f"mnist_{name}.png", history)
        print(f"{name}: test accuracy {history['test_acc'][-1]:.4f}; plot {plot}")
        results[name] = {"history": history, "plot": plot}
    return results


if __name__ == "__main__":
    main()
