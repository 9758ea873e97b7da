"""What every workload shares: the run context, result tables, goals and the guarded timing loop."""
import gc
import os
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.peers import OURS

REFERENCE = "torch"
ROOT = Path(__file__).resolve().parents[2]  # the repository root, where the children run
ROUNDS = 3  # turns each engine gets in a full run
SETTLE_S = 0.15  # longer than OpenBLAS's idle spin (~0.1 s), which otherwise slows the next library's threads


@dataclass
class Context:
    """The engines to run (name -> module), the peers not loaded (name -> why) and the run's options."""
    engines: dict
    missing: dict
    quick: bool = False
    data_dir: Path | None = None

    def pick(self, full, quick):
        """``quick`` in a --quick run, else ``full``."""
        return quick if self.quick else full


@dataclass
class Goal:
    """autograd_core's target: its median over ``reference``'s at most ``limit`` (no reference: its value)."""
    limit: float
    reference: str | None = REFERENCE

    def describe(self, unit):
        return f"<= {self.limit:g}x {self.reference}" if self.reference else f"<= {self.limit:g} {unit}"


@dataclass
class Row:
    """One engine's result: median, min and max in the table's unit, or a status saying why there is none."""
    engine: str
    median: float | None = None
    low: float | None = None
    high: float | None = None
    extra: str = ""
    status: str = ""

    @property
    def measured(self):
        return self.median is not None


@dataclass
class Table:
    """One workload's results (lower is better), with the goal autograd_core is held to."""
    workload: str
    title: str
    unit: str
    rows: list = field(default_factory=list)
    goal: Goal | None = None
    extra_label: str = ""
    label: str = ""  # short name for the chart; the workload name when empty
    note: str = ""
    status: str = ""  # why the workload has no rows: 'skipped: ...' or 'failed: ...'
    ratios: bool = True  # False where a ratio to torch means nothing (e.g. memory growth near zero)

    def median(self, engine):
        row = next((r for r in self.rows if r.engine == engine and r.measured), None)
        return None if row is None else row.median

    def ratio(self, engine, reference=REFERENCE):
        """``engine``'s median over ``reference``'s, or None when either is not measured."""
        value, ref = self.median(engine), self.median(reference)
        return None if value is None or not ref else value / ref

    def verdict(self):
        """autograd_core against the goal, e.g. '1.31x torch (goal <= 2): met', or '' without a goal."""
        if self.goal is None:
            return ""
        goal = self.goal
        value = self.ratio(OURS, goal.reference) if goal.reference else self.median(OURS)
        if value is None:
            return f"n/a (goal {goal.describe(self.unit)})"
        shown = f"{value:.2f}x {goal.reference}" if goal.reference else f"{value:.2f} {self.unit}"
        return f"{shown} (goal <= {goal.limit:g}): {'met' if value <= goal.limit else 'MISSED'}"


def error_text(error):
    """A one-line summary of an exception for a table cell."""
    first = str(error).strip().splitlines()
    return f"{type(error).__name__}: {first[0][:200] if first else ''}".rstrip(": ")


def failed_row(name, error):
    """The row of an engine that raised, after printing the traceback to stderr for the log."""
    print(f"[{name}] failed:", file=sys.stderr)
    traceback.print_exc(file=sys.stderr)
    return Row(name, status=f"failed: {error_text(error)}")


def guarded_rows(ctx, builders, make_row):
    """One row per engine in ``builders`` (name -> builder): ``make_row(name, builder, module)``,
    or a row saying why when the peer is not loaded, or a 'failed' row when it raises."""
    rows = []
    for name, build in builders.items():
        if name in ctx.missing:
            rows.append(Row(name, status=ctx.missing[name]))
            continue
        try:
            rows.append(make_row(name, build, ctx.engines[name]))
        except Exception as error:  # one engine's failure must not stop the run
            rows.append(failed_row(name, error))
    return rows


def timed_rows(ctx, builders, repeats, warmup, scale=1e3, rate=None, args=()):
    """Rows timing ``run = builders[name](module, *args)``: ``warmup`` untimed calls, then ``repeats`` timed
    calls shared over a few rounds in which the engines take turns (so that bursts of load from elsewhere on
    the machine hit all alike). Before each turn the process collects its cyclic garbage, idles SETTLE_S and
    makes one untimed call, so that no engine pays for another library's thread pool still spinning or for
    collecting another's garbage (micrograd's graphs are reference cycles: left for the collector, they
    doubled the next engine's scalar-graph median). Median/min/max in seconds times
    ``scale``; ``rate(median seconds)`` fills the extra column."""
    runs, times = {}, {}

    def prepare(name, build, lib):
        run = build(lib, *args)
        for _ in range(warmup):
            run()
        runs[name], times[name] = run, []
        return Row(name)
    rows = guarded_rows(ctx, builders, prepare)
    rounds = min(repeats, ctx.pick(ROUNDS, 1))
    for turn in range(rounds):
        share = repeats // rounds + (turn < repeats % rounds)
        for name, run in list(runs.items()):
            gc.collect()
            time.sleep(SETTLE_S)
            try:
                run()
                for _ in range(share):
                    start = time.perf_counter()
                    run()
                    times[name].append(time.perf_counter() - start)
            except Exception as error:
                rows = [failed_row(name, error) if r.engine == name else r for r in rows]
                del runs[name]
    for row in rows:
        if row.engine in runs:
            seconds = times[row.engine]
            med = statistics.median(seconds)
            row.median, row.low, row.high = med * scale, min(seconds) * scale, max(seconds) * scale
            row.extra = rate(med) if rate else ""
    return rows


def run_python(args, env=None):
    """Run ``python args...`` in a fresh process at the repository root; its stdout, or RuntimeError
    carrying the end of its stderr."""
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})))
    if done.returncode:
        raise RuntimeError(f"child exited with {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout
