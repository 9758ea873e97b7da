"""The course's TwoLayerNet (784-50-10, sigmoid, softmax cross-entropy) trained by plain SGD on this engine.

SGD with lr 0.1 on random batches of 100 for 10,000 iterations; train and test
accuracy are measured once per epoch (training-set size / batch size
iterations) and plotted. Parameters live in a dict as in the course; autograd
computes the gradients.

    python -m examples.two_layer_net [--iters 10000] [--data-dir DIR] [--out DIR]
"""
import argparse

import autograd_core as torch
import nn.functional as F
from autograd_core.utils.data import DataLoader
from examples._data import load_digits
from examples._plots import output_dir, save_curves


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": (weight_init_std * torch.randn(input_size, hidden_size)).requires_grad_(),
            "b1": torch.zeros(hidden_size, requires_grad=True),
            "W2": (weight_init_std * torch.randn(hidden_size, output_size)).requires_grad_(),
            "b2": torch.zeros(output_size, requires_grad=True),
        }

    def predict(self, x):
        W1, b1, W2, b2 = self.params["W1"], self.params["b1"], self.params["W2"], self.params["b2"]
        z1 = torch.sigmoid(x @ W1 + b1)
        return z1 @ W2 + b2

    def loss(self, x, t):
        """Softmax cross-entropy of the scores against the labels ``t``."""
        return F.cross_entropy(self.predict(x), t)

    def accuracy(self, x, t):
        with torch.no_grad():
            return (self.predict(x).argmax(1) == t).float().mean().item()

    def gradient(self, x, t):
        for p in self.params.values():
            p.grad = None
        self.loss(x, t).backward()
        return {key: p.grad for key, p in self.params.items()}


def train(x_train, t_train, x_test, t_test, iters_num=10000, batch_size=100, learning_rate=0.1, hidden_size=50,
          log=print):
    """The course's loop; returns the network, the loss per iteration and the accuracies per epoch."""
    network = TwoLayerNet(input_size=x_train.shape[1], hidden_size=hidden_size, output_size=10)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size // batch_size, 1)
    train_loss_list, train_acc_list, test_acc_list = [], [], []
    for i in range(iters_num):
        batch_mask = torch.randint(0, train_size, (batch_size,))
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grad = network.gradient(x_batch, t_batch)
        with torch.no_grad():
            for key in ("W1", "b1", "W2", "b2"):
                network.params[key] -= learning_rate * grad[key]
            train_loss_list.append(network.loss(x_batch, t_batch).item())
        if (i + 1) % iter_per_epoch == 0:
            train_acc_list.append(network.accuracy(x_train, t_train))
            test_acc_list.append(network.accuracy(x_test, t_test))
            log(f"epoch {len(train_acc_list)}: train acc {train_acc_list[-1]:.4f}, test acc {test_acc_list[-1]:.4f}")
    return network, train_loss_list, train_acc_list, test_acc_list


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iters", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--hidden", type=int, default=50)
    parser.add_argument("--data-dir", default=None,
                        help="MNIST-format data (default $AUTOGRAD_CORE_DATA or ./data, else the embedded digits)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out", help="folder for the plot (default ./out)")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    data = load_digits(args.data_dir)
    print(data.note)
    (x_train, t_train), (x_test, t_test) = (_whole(data.train), _whole(data.test))
    network, losses, train_acc, test_acc = train(x_train, t_train, x_test, t_test, args.iters, args.batch_size,
                                                 args.lr, args.hidden)
    plot = save_curves(output_dir(args.out) / "two_layer_net.png",
                       {"accuracy": {"train acc": train_acc, "test acc": test_acc}})
    print(f"plot: {plot}")
    return {"network": network, "losses": losses, "train_acc": train_acc, "test_acc": test_acc, "plot": plot}


def _whole(dataset):
    """All of a dataset as two tensors (images, labels)."""
    return next(iter(DataLoader(dataset, batch_size=len(dataset))))


if __name__ == "__main__":
    main()
