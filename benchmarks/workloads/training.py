"""Training steps (forward, loss, backward, optimizer step) of the course models, LeNet-5 and an LSTM.

autograd_core and PyTorch run the same model code (their ``nn``/``optim`` share the API);
DeZero gets the same architecture built from its own layers.
"""
from dataclasses import dataclass

import numpy as np

from benchmarks.peers import OURS
from benchmarks.workloads.base import Goal, Table, timed_rows


@dataclass(frozen=True)
class Model:
    """A benchmark model: how to build it in torch's API and in DeZero, its optimizer, loss and batch."""
    workload: str
    title: str
    build: object        # nn module -> (forward callable, parameter list)
    build_dezero: object  # dezero -> (Layer holding the parameters, forward callable); None: DeZero lacks the layer
    optimizer: str       # key of OPTIMIZERS
    loss: tuple          # (nn.functional name, dezero.functions name)
    batch: object        # numpy Generator -> (inputs, targets) arrays
    repeats: int
    goal: Goal | None = None


OPTIMIZERS = {  # name -> (torch-API constructor, DeZero constructor)
    "adam": (lambda optim, params: optim.Adam(params), lambda opt: opt.Adam()),
    "sgd-momentum": (lambda optim, params: optim.SGD(params, lr=0.01, momentum=0.9),
                     lambda opt: opt.MomentumSGD(lr=0.01, momentum=0.9)),
}


def _sequential(model):
    return model, list(model.parameters())


def course_mlp(nn):
    return _sequential(nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 10)))


def course_cnn(nn):
    return _sequential(nn.Sequential(nn.Conv2d(1, 10, 3), nn.ReLU(), nn.Flatten(),
                                     nn.Linear(6760, 300), nn.ReLU(), nn.Linear(300, 10)))


def lenet5(nn):
    return _sequential(nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)))


def lstm_regressor(nn):
    """nn.LSTM(32, 64) over the sequence, a Linear head on the last output."""
    lstm, head = nn.LSTM(32, 64), nn.Linear(64, 1)
    return (lambda x: head(lstm(x)[0][-1])), list(lstm.parameters()) + list(head.parameters())


def gru_regressor(nn):
    """nn.GRU(32, 64) over the sequence, a Linear head on the last output (the LSTM workload's sizes)."""
    gru, head = nn.GRU(32, 64), nn.Linear(64, 1)
    return (lambda x: head(gru(x)[0][-1])), list(gru.parameters()) + list(head.parameters())


def rnn_regressor(nn):
    """A 2-layer tanh nn.RNN(32, 64, batch_first=True), a Linear head on the last step's output."""
    rnn, head = nn.RNN(32, 64, num_layers=2, batch_first=True), nn.Linear(64, 1)
    return (lambda x: head(rnn(x)[0][:, -1])), list(rnn.parameters()) + list(head.parameters())


def dezero_course_mlp(dz):
    L, F = dz.layers, dz.functions
    model = dz.models.Sequential(L.Linear(300, in_size=784), F.relu, L.Linear(10, in_size=300))
    return model, model


def dezero_course_cnn(dz):
    L, F = dz.layers, dz.functions
    model = dz.models.Sequential(L.Conv2d(10, 3, in_channels=1), F.relu, F.flatten,
                                 L.Linear(300, in_size=6760), F.relu, L.Linear(10, in_size=300))
    return model, model


def dezero_lenet5(dz):
    L, F = dz.layers, dz.functions
    pool = lambda x: F.pooling(x, 2, stride=2)
    model = dz.models.Sequential(
        L.Conv2d(6, 5, pad=2, in_channels=1), F.relu, pool,
        L.Conv2d(16, 5, in_channels=6), F.relu, pool, F.flatten,
        L.Linear(120, in_size=400), F.relu, L.Linear(84, in_size=120), F.relu, L.Linear(10, in_size=84))
    return model, model


def dezero_lstm_regressor(dz):
    """DeZero's LSTM layer takes one time step per call; it is stepped over the sequence."""
    model = dz.Layer()
    model.lstm, model.head = dz.layers.LSTM(64, in_size=32), dz.layers.Linear(1, in_size=64)

    def forward(x):
        model.lstm.reset_state()
        for step in x:
            h = model.lstm(step)
        return model.head(h)
    return model, forward


def images(batch, labels=10):
    return lambda rng: (rng.random((batch, 1, 28, 28), dtype=np.float32), rng.integers(0, labels, batch))


MODELS = [
    Model("train-mlp", "course MLP 784-300-10, ReLU, cross_entropy, Adam, batch 100", course_mlp,
          dezero_course_mlp, "adam", ("cross_entropy", "softmax_cross_entropy"),
          lambda rng: (rng.random((100, 784), dtype=np.float32), rng.integers(0, 10, 100)), 30, Goal(1.0)),
    Model("train-cnn", "course CNN Conv2d(1,10,3)-ReLU-Flatten-Linear(6760,300)-ReLU-Linear(300,10), Adam, "
          "batch 100", course_cnn, dezero_course_cnn, "adam", ("cross_entropy", "softmax_cross_entropy"),
          images(100), 10, Goal(1.2)),
    Model("train-lenet", "LeNet-5 (6@5x5 pad 2, pool, 16@5x5, pool, 120, 84, 10), SGD momentum 0.9, batch 64",
          lenet5, dezero_lenet5, "sgd-momentum", ("cross_entropy", "softmax_cross_entropy"), images(64), 10,
          Goal(1.0)),
    Model("train-lstm", "LSTM(32, 64), seq 50, batch 16, Linear head, MSE, Adam", lstm_regressor,
          dezero_lstm_regressor, "adam", ("mse_loss", "mean_squared_error"),
          lambda rng: (rng.standard_normal((50, 16, 32), dtype=np.float32),
                       rng.standard_normal((16, 1), dtype=np.float32)), 10, Goal(1.0)),
    Model("train-gru", "GRU(32, 64), seq 50, batch 16, Linear head, MSE, Adam", gru_regressor, None, "adam",
          ("mse_loss", "mean_squared_error"),
          lambda rng: (rng.standard_normal((50, 16, 32), dtype=np.float32),
                       rng.standard_normal((16, 1), dtype=np.float32)), 10, Goal(1.0)),
    Model("train-rnn", "RNN(32, 64, num_layers=2, tanh, batch_first), seq 50, batch 16, Linear head, MSE, Adam",
          rnn_regressor, None, "adam", ("mse_loss", "mean_squared_error"),
          lambda rng: (rng.standard_normal((16, 50, 32), dtype=np.float32),
                       rng.standard_normal((16, 1), dtype=np.float32)), 10, Goal(1.0)),
]


def torch_api_step(lib, model, inputs, targets, device="cpu"):
    """One training step of ``model`` in autograd_core or PyTorch (same code), on ``device`` (a module's)."""
    lib.manual_seed(0)
    forward, params = model.build(lib.nn)
    if device != "cpu":
        forward.to(device)  # in place: ``params`` are the moved parameters
    optimizer = OPTIMIZERS[model.optimizer][0](lib.optim, params)
    loss_fn = getattr(lib.nn.functional, model.loss[0])
    x, y = lib.from_numpy(inputs).to(device), lib.from_numpy(targets).to(device)

    def step():
        optimizer.zero_grad()
        loss_fn(forward(x), y).backward()
        optimizer.step()
    return step


def dezero_step(dz, model, inputs, targets):
    """One training step of ``model`` in DeZero."""
    np.random.seed(0)  # DeZero initialises its layers from numpy's global generator
    layer, forward = model.build_dezero(dz)
    optimizer = OPTIMIZERS[model.optimizer][1](dz.optimizers).setup(layer)
    loss_fn = getattr(dz.functions, model.loss[1])

    def step():
        layer.cleargrads()
        loss_fn(forward(inputs), targets).backward()
        optimizer.update()
    return step


STEP_BUILDERS = {OURS: torch_api_step, "torch": torch_api_step, "dezero": dezero_step}


def training_workload(model):
    """The workload timing one training step of ``model`` in each engine."""
    def run(ctx):
        inputs, targets = model.batch(np.random.default_rng(0))
        builders = {name: build for name, build in STEP_BUILDERS.items()
                    if name != "dezero" or model.build_dezero is not None}
        rows = timed_rows(ctx, builders, repeats=ctx.pick(model.repeats, 2), warmup=ctx.pick(3, 1),
                          args=(model, inputs, targets))
        return [Table(model.workload, f"training step: {model.title}", "ms", rows, model.goal)]
    return run
