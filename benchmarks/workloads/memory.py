"""Peak memory (RSS) of training the course MLP, and whether it grows; each engine in its own process.

The parent runs ``measure_training_memory(engine, steps)`` in a fresh Python per engine. The child
takes its baseline RSS after the imports, resets the peak (Linux), trains STEPS steps while
sampling RSS after each, and prints the peak over the baseline and the growth over the
last half of the steps (a least-squares slope), in MiB, as JSON.
"""
import json
import resource
import sys

import numpy as np

from benchmarks.peers import OURS
from benchmarks.workloads.base import Goal, Row, Table, guarded_rows, run_python

MIB_IN_KIB = 1024
CHILD = "import json; from {module} import measure_training_memory as m; print(json.dumps(m({engine!r}, {steps})))"


def _status_kib(field):
    """A ``kB`` field of /proc/self/status (Linux), or None elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _max_rss_kib():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB on Linux


def current_rss_mib():
    kib = _status_kib("VmRSS")
    return (_max_rss_kib() if kib is None else kib) / MIB_IN_KIB


def peak_rss_mib():
    kib = _status_kib("VmHWM")
    return (_max_rss_kib() if kib is None else kib) / MIB_IN_KIB


def reset_peak_rss():
    """Start the high-water mark afresh (Linux ``clear_refs``); elsewhere the peak counts from process start."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        pass


def measure_training_memory(engine, steps):
    """{'peak_delta': MiB over the post-import baseline, 'growth': MiB gained over the last half of the steps}."""
    from benchmarks import peers
    from benchmarks.workloads.training import MODELS, STEP_BUILDERS
    lib = peers.load(engine)
    baseline = current_rss_mib()
    reset_peak_rss()
    model = next(m for m in MODELS if m.workload == "train-mlp")
    step = STEP_BUILDERS[engine](lib, model, *model.batch(np.random.default_rng(0)))
    samples = []
    for _ in range(steps):
        step()
        samples.append(current_rss_mib())
    window = samples[len(samples) // 2:]
    slope = np.polyfit(np.arange(len(window)), window, 1)[0] if len(window) > 1 else 0.0
    return {"peak_delta": peak_rss_mib() - baseline, "growth": float(slope * len(window))}


def training_memory(ctx):
    steps = ctx.pick(200, 40)
    growth = {}

    def make_row(name, _, __):
        child = CHILD.format(module=__name__, engine=name, steps=steps)
        result = json.loads(run_python(["-c", child]).splitlines()[-1])
        growth[name] = result["growth"]
        return Row(name, result["peak_delta"], result["peak_delta"], result["peak_delta"])
    peak_rows = guarded_rows(ctx, {OURS: None, "torch": None, "dezero": None}, make_row)
    growth_rows = [Row(r.engine, *[growth[r.engine]] * 3) if r.measured else r for r in peak_rows]
    window = steps - steps // 2
    return [Table("memory", f"peak RSS over the post-import baseline, {steps} training steps of the course MLP",
                  "MiB", peak_rows, Goal(1.5), label="peak memory", note="one child process per engine"),
            Table("memory", f"RSS growth over the last {window} of those steps "
                            f"(least-squares slope x {window} steps; flat: <= 1 MiB)", "MiB", growth_rows,
                  Goal(1.0, reference=None), ratios=False)]

