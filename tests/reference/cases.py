"""Cases whose numbers PyTorch 2.13 produced once, so the suite checks parity without torch installed.

Each case is a function ``case(lib, store)`` written once for either library:
``lib`` is a namespace with ``torch``, ``nn``, ``F`` and ``optim`` (PyTorch's or
ours); inputs come from seeded numpy generators, so both runs see the same
ones; ``store.weights(key, module)`` records the module's initial parameters
(PyTorch's run) or loads the recorded ones (ours); the case returns its results
as a dict of arrays. ``make_reference.py`` runs the cases with PyTorch and writes
``torch_2_13.npz``; ``tests/test_reference_outputs.py`` runs them with ours.
"""
import numpy as np

CASES = {}


def case(name, rtol=1e-5, atol=1e-6):
    """Register a case with the tolerance its comparison uses."""
    def register(fn):
        CASES[name] = (fn, rtol, atol)
        return fn
    return register


def _values(lib, tensor):
    return tensor.detach().numpy().copy()


def _forward_backward(lib, module, inputs, seed=1):
    """Outputs, input gradients and parameter gradients of ``module`` for a seeded random cotangent."""
    xs = [lib.torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    out = module(*xs)
    out = out[0] if isinstance(out, tuple) else out
    cotangent = np.random.default_rng(seed).standard_normal(tuple(out.shape)).astype(inputs[0].dtype)
    out.backward(lib.torch.tensor(cotangent))
    results = {"output": _values(lib, out)}
    for i, x in enumerate(xs):
        if x.requires_grad:
            results[f"input{i}.grad"] = _values(lib, x.grad)
    for name, p in module.named_parameters():
        results[f"{name}.grad"] = _values(lib, p.grad)
    return results


def _randn(seed, *shape, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ----- layers: outputs and every gradient with identical weights -----

_LAYERS = {
    "linear": (lambda nn: nn.Linear(6, 4), [(5, 6)]),
    "conv2d": (lambda nn: nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), [(2, 4, 9, 9)]),
    "conv_transpose2d": (lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), [(2, 3, 5, 5)]),
    "conv1d": (lambda nn: nn.Conv1d(3, 5, 4, padding=2, dilation=2), [(2, 3, 11)]),
    "max_pool2d": (lambda nn: nn.MaxPool2d(3, 2, 1), [(2, 3, 9, 9)]),
    "avg_pool2d": (lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False), [(2, 3, 9, 9)]),
    "adaptive_avg_pool2d": (lambda nn: nn.AdaptiveAvgPool2d((3, 2)), [(2, 3, 7, 5)]),
    "batch_norm2d": (lambda nn: nn.BatchNorm2d(3), [(4, 3, 5, 5)]),
    "layer_norm": (lambda nn: nn.LayerNorm(6), [(3, 4, 6)]),
    "group_norm": (lambda nn: nn.GroupNorm(2, 4), [(3, 4, 5)]),
    "lstm": (lambda nn: nn.LSTM(5, 7, num_layers=2, batch_first=True), [(3, 6, 5)]),
    "gru": (lambda nn: nn.GRU(5, 7, bidirectional=True), [(6, 3, 5)]),
    "rnn": (lambda nn: nn.RNN(5, 7, num_layers=2, nonlinearity="tanh"), [(6, 3, 5)]),
    "mlp": (lambda nn: nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.0), nn.Linear(16, 3), nn.Tanh()),
            [(10, 8)]),
}


def _layer_case(name, make, shapes):
    @case(f"layer/{name}", rtol=1e-4, atol=1e-5)
    def run(lib, store):
        module = store.weights(name, make(lib.nn))
        inputs = [_randn(i, *shape) for i, shape in enumerate(shapes)]
        return _forward_backward(lib, module, inputs)


for _name, (_make, _shapes) in _LAYERS.items():
    _layer_case(_name, _make, _shapes)


@case("layer/embedding", rtol=1e-5, atol=1e-6)
def _embedding(lib, store):
    module = store.weights("embedding", lib.nn.Embedding(10, 4, padding_idx=0))
    index = lib.torch.tensor(np.random.default_rng(0).integers(0, 10, (3, 5)))
    out = module(index)
    out.backward(lib.torch.tensor(_randn(1, 3, 5, 4)))
    return {"output": _values(lib, out), "weight.grad": _values(lib, module.weight.grad)}


# ----- losses: value and input gradient -----

def _loss_inputs(seed, target_kind):
    logits = _randn(seed, 6, 5)
    if target_kind == "class":
        return logits, np.random.default_rng(seed + 1).integers(0, 5, 6)
    if target_kind == "probability":
        p = np.abs(_randn(seed + 1, 6, 5))
        return logits, (p / p.sum(1, keepdims=True)).astype(np.float32)
    if target_kind == "binary":
        return 1 / (1 + np.exp(-logits)), (np.random.default_rng(seed + 1).random((6, 5)) > 0.5).astype(np.float32)
    return logits, _randn(seed + 1, 6, 5)


_LOSSES = {
    "cross_entropy": ("class", lambda F, x, t, lib: F.cross_entropy(x, t)),
    "cross_entropy_weighted_smoothed": ("class", lambda F, x, t, lib: F.cross_entropy(
        x, t, weight=lib.torch.tensor(np.linspace(0.5, 2, 5, dtype=np.float32)), label_smoothing=0.1)),
    "cross_entropy_ignore_index_sum": ("class", lambda F, x, t, lib: F.cross_entropy(x, t, ignore_index=2,
                                                                                     reduction="sum")),
    "cross_entropy_probabilities": ("probability", lambda F, x, t, lib: F.cross_entropy(x, t)),
    "nll_loss": ("class", lambda F, x, t, lib: F.nll_loss(F.log_softmax(x, 1), t)),
    "mse_loss": ("real", lambda F, x, t, lib: F.mse_loss(x, t)),
    "l1_loss_sum": ("real", lambda F, x, t, lib: F.l1_loss(x, t, reduction="sum")),
    "smooth_l1_loss": ("real", lambda F, x, t, lib: F.smooth_l1_loss(x, t, beta=0.5)),
    "huber_loss": ("real", lambda F, x, t, lib: F.huber_loss(x, t, delta=0.7)),
    "binary_cross_entropy": ("binary", lambda F, x, t, lib: F.binary_cross_entropy(x, t)),
    "binary_cross_entropy_with_logits": ("real", lambda F, x, t, lib: F.binary_cross_entropy_with_logits(
        x, (t > 0).float(), pos_weight=lib.torch.tensor(np.linspace(0.5, 2, 5, dtype=np.float32)))),
    "kl_div": ("probability", lambda F, x, t, lib: F.kl_div(F.log_softmax(x, 1), t, reduction="batchmean")),
}


def _loss_case(name, target_kind, loss):
    @case(f"loss/{name}", rtol=1e-5, atol=1e-6)
    def run(lib, store):
        x_array, t_array = _loss_inputs(3, target_kind)
        x = lib.torch.tensor(x_array, requires_grad=True)
        value = loss(lib.F, x, lib.torch.tensor(t_array), lib)
        value.backward()
        return {"loss": _values(lib, value), "input.grad": _values(lib, x.grad)}


for _name, (_kind, _loss) in _LOSSES.items():
    _loss_case(_name, _kind, _loss)


# ----- optimizers: parameters after 1, 10 and 30 steps on the same gradient sequence -----

_OPTIMIZERS = {
    "SGD": [dict(lr=0.1), dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1),
            dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True)],
    "Adam": [dict(), dict(lr=0.01, weight_decay=0.1, amsgrad=True)],
    "AdamW": [dict(lr=0.01, weight_decay=0.1)],
    "Adagrad": [dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)],
    "RMSprop": [dict(momentum=0.9, centered=True, weight_decay=0.1)],
    "Adadelta": [dict(lr=0.5, rho=0.5)],
    "Adamax": [dict(weight_decay=0.1)],
    "NAdam": [dict(weight_decay=0.1, momentum_decay=0.01)],
}


def _optimizer_case(name, number, kwargs):
    exact = name in ("SGD", "Adamax")  # the same float operations in the same order: bit-exact

    @case(f"optim/{name}/{number}", rtol=0 if exact else 1e-6, atol=0 if exact else 1e-7)
    def run(lib, store):
        rng = np.random.default_rng(number)
        params = [lib.torch.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
                  for shape in [(7, 5), (5,)]]
        optimizer = getattr(lib.optim, name)(params, **kwargs)
        results = {}
        for step in range(1, 31):
            for p in params:
                p.grad = lib.torch.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
            optimizer.step()
            if step in (1, 10, 30):
                results.update({f"step{step}.param{i}": _values(lib, p) for i, p in enumerate(params)})
        return results


for _name, _options in _OPTIMIZERS.items():
    for _number, _kwargs in enumerate(_options):
        _optimizer_case(_name, _number, _kwargs)


# ----- learning-rate schedules -----

_SCHEDULES = {
    "StepLR": lambda s, o: s.StepLR(o, step_size=4, gamma=0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[3, 7, 12], gamma=0.3),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=8, eta_min=0.01),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.2, total_iters=6),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=20),
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda epoch: 1 / (1 + epoch)),
}


def _schedule_case(name, make):
    @case(f"lr_scheduler/{name}", rtol=1e-12, atol=0)
    def run(lib, store):
        optimizer = lib.optim.SGD([lib.torch.tensor([1.0], requires_grad=True)], lr=0.5, momentum=0.9)
        scheduler = make(lib.optim.lr_scheduler, optimizer)
        lrs = []
        for _ in range(20):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        return {"lr": np.array(lrs)}


for _name, _make in _SCHEDULES.items():
    _schedule_case(_name, _make)


@case("lr_scheduler/ReduceLROnPlateau", rtol=1e-12, atol=0)
def _plateau(lib, store):
    optimizer = lib.optim.SGD([lib.torch.tensor([1.0], requires_grad=True)], lr=0.5)
    scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    lrs = []
    for loss in [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7]:
        scheduler.step(loss)
        lrs.append(optimizer.param_groups[0]["lr"])
    return {"lr": np.array(lrs)}


# ----- a residual block in float64 (fan-in through the identity path) -----

@case("resnet/basic_block_float64", rtol=1e-10, atol=1e-10)
def _basic_block(lib, store):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.bn1 = nn.Conv2d(4, 4, 3, 1, 1, bias=False), nn.BatchNorm2d(4)
            self.conv2, self.bn2 = nn.Conv2d(4, 4, 3, 1, 1, bias=False), nn.BatchNorm2d(4)
            self.relu, self.pool = nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)

        def forward(self, x):
            x = self.pool(self.relu(x * 2))
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            out += x
            return self.relu(out)

    module = store.weights("basic_block", Block().double())
    return _forward_backward(lib, module, [_randn(0, 2, 4, 10, 10, dtype=np.float64)])
