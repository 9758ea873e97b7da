"""One Fashion-MNIST epoch of the course MLP, through each library's DataLoader (bench_train's recipe)."""
import importlib
import statistics

from benchmarks import bench_train
from benchmarks.peers import OURS
from benchmarks.workloads.base import Row, Table, guarded_rows

TITLE = "Fashion-MNIST epoch of the course MLP (784-300-10, Adam, batch 100, shuffled DataLoader)"


def quick_subset(arrays, train=2000, test=1000):
    x_train, y_train, x_test, y_test = arrays
    return x_train[:train], y_train[:train], x_test[:test], y_test[:test]


def fashion_mnist_epoch(ctx):
    if ctx.data_dir is None:
        return [Table("fashion-mnist", TITLE, "s", status="skipped: no data directory (--data-dir)")]
    arrays = bench_train.load_arrays(ctx.data_dir)
    if ctx.quick:
        arrays = quick_subset(arrays)
    epochs = ctx.pick(4, 1)  # the first of several epochs is the warm-up

    def make_row(name, _, lib):
        data = importlib.import_module(f"{lib.__name__}.utils.data")
        times, accuracies = bench_train.run_recipe(lib, lib.nn, lib.optim, data, arrays, epochs, seed=0,
                                                   log=lambda _: None)
        timed = times[1:] or times
        return Row(name, statistics.median(timed), min(timed), max(timed), f"{accuracies[-1]:.4f}")
    rows = guarded_rows(ctx, {OURS: None, "torch": None}, make_row)
    note = f"median of {epochs - 1} epochs after a warm-up epoch" if epochs > 1 else "one epoch, no warm-up"
    return [Table("fashion-mnist", f"{TITLE}, {len(arrays[0])} images", "s", rows, extra_label="test acc",
                  note=note)]
