"""An LSTM learns to predict the next value of a noisy sine wave.

Training windows of --window steps are cut from the noisy sine (every start
position); the LSTM reads a window and predicts each next value, trained with
mean squared error and Adam. It is then run over the whole test wave (a noisy
cosine), predicting one step ahead; the loss curve and the predictions are plotted.

    python -m examples.sine_lstm [--epochs 30] [--hidden 32] [--window 30] [--out DIR]
"""
import argparse

import numpy as np

import autograd_core as torch
import nn
import optim
from autograd_core.datasets import NoisySine
from autograd_core.utils.data import DataLoader, TensorDataset
from examples._plots import output_dir, save_curves, save_figure


class SineLSTM(nn.Module):
    def __init__(self, hidden_size=32):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out)


def windows(wave, length):
    """Every window of ``length`` steps of a (N, 1) series, as inputs and next-step targets (B, length, 1)."""
    def cut(series):
        view = np.lib.stride_tricks.sliding_window_view(series.numpy()[:, 0], length)
        return torch.from_numpy(np.ascontiguousarray(view[..., None]))
    return TensorDataset(cut(wave.data), cut(wave.targets))


def predict_sequence(model, wave):
    """One-step-ahead predictions over the whole series and their mean squared error."""
    model.eval()
    with torch.no_grad():
        predictions = model(wave.data.unsqueeze(0))[0]
        loss = nn.functional.mse_loss(predictions, wave.targets).item()
    return predictions.numpy()[:, 0], loss


def _plot_predictions(path, wave, predictions):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot(wave.targets.numpy()[:, 0], label="noisy cosine (test)", alpha=0.6)
    ax.plot(predictions, label="LSTM prediction")
    ax.set_xlabel("step")
    ax.legend()
    return save_figure(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--window", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--points", type=int, default=1000, help="length of the train and test waves")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out", help="folder for the plots (default ./out)")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    train_wave, test_wave = NoisySine(num_points=args.points), NoisySine(train=False, num_points=args.points)
    loader = DataLoader(windows(train_wave, args.window), batch_size=args.batch_size, shuffle=True)
    model = SineLSTM(args.hidden)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    train_losses, test_losses = [], []
    for epoch in range(1, args.epochs + 1):
        model.train()
        total = 0.0
        for inputs, targets in loader:
            loss = loss_fn(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(inputs)
        train_losses.append(total / len(loader.dataset))
        test_losses.append(predict_sequence(model, test_wave)[1])
        print(f"epoch {epoch:>3}: train loss {train_losses[-1]:.5f}, test loss {test_losses[-1]:.5f}")
    predictions, _ = predict_sequence(model, test_wave)
    out = output_dir(args.out)
    plots = [save_curves(out / "sine_lstm_loss.png", {"mean squared error": {"train": train_losses,
                                                                             "test": test_losses}}),
             _plot_predictions(out / "sine_lstm_prediction.png", test_wave, predictions)]
    return {"train_losses": train_losses, "test_losses": test_losses, "predictions": predictions, "plots": plots}


if __name__ == "__main__":
    main()
