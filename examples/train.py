"""Train a classifier end to end: data, model, optimizer, progress bars, test accuracy and saved outputs.

    python -m examples.train                     # the course MLP on 2,500 real MNIST digits shipped inside (seconds)
    python -m examples.train --model cnn         # the course CNN on them
    python -m examples.train --dataset spiral    # an MLP on the generated spiral
    python -m examples.train --dataset mnist --data-dir DIR --epochs 5   # MNIST or Fashion-MNIST IDX files
    python -m autograd_core.distributed.run --nproc-per-node 2 -m examples.train --distributed

Writes into --out (default ./out): graph.svg (the computation graph of one
loss), history.png (loss and accuracy per epoch), decision_boundary.png (2-D
data only) and model.safetensors (the state dict; autograd_core.load and
safetensors.torch.load_file read it).
"""
import argparse
from pathlib import Path

from tqdm import tqdm

import autograd_core as torch
import nn
import optim
from autograd_core.datasets import Spiral
from autograd_core import distributed as dist
from autograd_core.utils.data import DataLoader, DistributedSampler
from examples._data import default_data_dir, embedded_digits, load_images
from examples._plots import output_dir, save_decision_boundary, save_history

# Per-dataset defaults for the options left out on the command line.
DEFAULTS = {
    "digits": dict(model="mlp", epochs=5, batch_size=50, lr=1e-3, optimizer="adam", hidden=300),
    "spiral": dict(model="mlp", epochs=50, batch_size=30, lr=0.01, optimizer="adam", hidden=100),
    "mnist": dict(model="mlp", epochs=5, batch_size=100, lr=1e-3, optimizer="adam", hidden=300),
    "fashion-mnist": dict(model="mlp", epochs=5, batch_size=100, lr=1e-3, optimizer="adam", hidden=300),
}
OPTIMIZERS = {
    "sgd": lambda params, lr: optim.SGD(params, lr=lr),
    "momentum": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9),
    "adam": lambda params, lr: optim.Adam(params, lr=lr),
    "adamw": lambda params, lr: optim.AdamW(params, lr=lr),
    "rmsprop": lambda params, lr: optim.RMSprop(params, lr=lr),
    "adagrad": lambda params, lr: optim.Adagrad(params, lr=lr),
}
EVAL_BATCH = 1000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m examples.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=sorted(DEFAULTS), default="digits",
                        help="digits: the MNIST digits shipped with autograd_core (default)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder with the IDX files, or a parent of mnist/ and fashion-mnist/ "
                             "(default $AUTOGRAD_CORE_DATA, else ./data)")
    parser.add_argument("--model", choices=["mlp", "cnn"])
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS))
    parser.add_argument("--hidden", type=int, help="hidden units of the MLP")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the ranks of python -m autograd_core.distributed.run")
    parser.add_argument("--out", type=Path, default=Path("out"), help="output folder (default ./out)")
    args = parser.parse_args(argv)
    for key, value in DEFAULTS[args.dataset].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.model == "cnn" and args.dataset == "spiral":
        parser.error("--model cnn needs image data: use --dataset mnist or fashion-mnist")
    return args


def load_data(args):
    """``(train, test, input shape, number of classes, description)`` for ``args.dataset``."""
    if args.dataset == "spiral":
        train = Spiral(train=True)
        return train, Spiral(train=False), (2,), len(train.classes), f"spiral: {len(train)} points, 3 classes"
    shape = (1, 28, 28) if args.model == "cnn" else (784,)
    if args.dataset == "digits":
        data = embedded_digits(shape)
    else:
        data = load_images(args.dataset, args.data_dir or default_data_dir(), shape)
    return data.train, data.test, shape, 10, data.note


def build_model(kind, input_shape, num_classes, hidden):
    if kind == "cnn":
        from examples.models import CNN
        return CNN()
    return nn.Sequential(nn.Linear(input_shape[0], hidden), nn.ReLU(), nn.Linear(hidden, num_classes))


def train_epoch(model, loader, loss_fn, optimizer, desc, quiet=False):
    """One pass over ``loader`` with a progress bar; returns (mean loss, accuracy)."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    with tqdm(loader, desc=desc, unit="batch", leave=False, disable=quiet) as bar:
        for inputs, targets in bar:
            logits = model(inputs)
            loss = loss_fn(logits, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            n = len(targets)
            total_loss += loss.item() * n
            correct += (logits.argmax(1) == targets).sum().item()
            seen += n
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.3f}", refresh=False)
    return total_loss / seen, correct / seen


def evaluate(model, dataset, loss_fn):
    """(mean loss, accuracy) over ``dataset`` without recording a graph."""
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for inputs, targets in DataLoader(dataset, batch_size=EVAL_BATCH):
            logits = model(inputs)
            total_loss += loss_fn(logits, targets).item() * len(targets)
            correct += (logits.argmax(1) == targets).sum().item()
    return total_loss / len(dataset), correct / len(dataset)


def fit(model, train, test, optimizer, epochs, batch_size, loss_fn=None, log=tqdm.write, sampler=None,
        quiet=False):
    """Train for ``epochs``; returns the per-epoch history of train/test loss and accuracy."""
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    loader = DataLoader(train, batch_size=batch_size, shuffle=sampler is None, sampler=sampler)
    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    for epoch in range(1, epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
        train_loss, train_acc = train_epoch(model, loader, loss_fn, optimizer, f"epoch {epoch}/{epochs}", quiet)
        test_loss, test_acc = evaluate(model, test, loss_fn)
        for key, value in zip(history, (train_loss, train_acc, test_loss, test_acc)):
            history[key].append(value)
        log(f"epoch {epoch:>3}/{epochs}: loss {train_loss:.4f}  train acc {train_acc:.4f}  "
            f"test loss {test_loss:.4f}  test acc {test_acc:.4f}")
    return history


def save_outputs(out, model, train, history, loss_fn):
    """Write the graph, the curves, the decision boundary (2-D inputs) and the state dict; return their paths."""
    import viz
    out = output_dir(out)
    inputs, targets = next(iter(DataLoader(train, batch_size=8)))
    loss = loss_fn(model(inputs), targets)
    paths = {"graph": Path(viz.make_dot(loss, params=dict(model.named_parameters())).render(str(out / "graph.svg"))),
             "history": save_history(out / "history.png", history)}
    points = train.tensors[0] if hasattr(train, "tensors") else None
    if points is not None and points.ndim == 2 and points.shape[1] == 2:
        model.eval()

        def predict(grid):
            with torch.no_grad():
                return model(torch.from_numpy(grid)).argmax(1).numpy()
        paths["decision_boundary"] = save_decision_boundary(out / "decision_boundary.png", predict,
                                                            points.numpy(), train.tensors[1].numpy())
    paths["model"] = out / "model.safetensors"
    torch.save(model.state_dict(), paths["model"])
    return paths


def run(argv=None):
    """Parse ``argv``, train, save the outputs; returns the history, final test accuracy, paths and model.

    With ``--distributed`` (under ``python -m autograd_core.distributed.run``) every rank trains its share of each
    epoch through DistributedDataParallel; rank 0 alone prints and writes the outputs (``paths`` is empty elsewhere).
    """
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    train, test, input_shape, num_classes, description = load_data(args)
    model = build_model(args.model, input_shape, num_classes, args.hidden)
    trained, sampler, lead = model, None, True
    if args.distributed:
        dist.init_process_group()
        trained = nn.parallel.DistributedDataParallel(model)
        sampler = DistributedSampler(train, seed=args.seed)
        lead = dist.get_rank() == 0
        description += f"; data-parallel on {dist.get_world_size()} ranks, batch {args.batch_size} each"
    say = print if lead else (lambda *a, **k: None)
    optimizer = OPTIMIZERS[args.optimizer](trained.parameters(), args.lr)
    say(description)
    say(f"model {args.model}, optimizer {args.optimizer} (lr {args.lr}), {args.epochs} epochs of batch "
        f"{args.batch_size}")
    loss_fn = nn.CrossEntropyLoss()
    history = fit(trained, train, test, optimizer, args.epochs, args.batch_size, loss_fn,
                  log=tqdm.write if lead else say, sampler=sampler, quiet=not lead)
    say(f"final train accuracy {history['train_acc'][-1]:.4f}, test accuracy {history['test_acc'][-1]:.4f}")
    paths = save_outputs(args.out, model, train, history, loss_fn) if lead else {}
    for name, path in paths.items():
        say(f"{name}: {path}")
    if args.distributed:
        dist.destroy_process_group()
    return {"history": history, "test_acc": history["test_acc"][-1], "paths": paths, "model": model}


def main(argv=None):
    """The command line (``python -m examples.train``, ``autograd-train``): exit status 0 on success."""
    run(argv)


if __name__ == "__main__":
    main()
