"""Cold and warm start: seconds from launching a fresh Python process to its first conv2d result,
and the import alone: a fresh process that only imports the library (seconds, and its peak RSS).

Cold: an empty Numba cache (NUMBA_CACHE_DIR set to a fresh temporary folder), so our kernels compile;
warm: the same folder again, filled by the cold run. PyTorch has no JIT cache: its starts are
timed once and shown in both tables.
"""
import statistics
import tempfile
import time

from benchmarks.peers import OURS
from benchmarks.workloads.base import Goal, Row, Table, guarded_rows, run_python

FIRST_CONV2D = """
import {module} as lib
x = lib.randn(2, 3, 8, 8)
y = lib.nn.functional.conv2d(x, lib.randn(4, 3, 3, 3), padding=1)
print(float(y.sum()))
"""


IMPORT_ONLY = """
import {module}
with open("/proc/self/status") as status:  # VmHWM: this process's peak RSS since exec (ru_maxrss spans the fork)
    print(next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024)
"""


def import_cost(module):
    """(seconds, peak RSS in MiB) of a fresh process that imports ``module`` and exits."""
    start = time.perf_counter()
    rss = float(run_python(["-c", IMPORT_ONLY.format(module=module)]))
    return time.perf_counter() - start, rss


def first_conv2d_seconds(module, cache_dir=None):
    start = time.perf_counter()
    run_python(["-c", FIRST_CONV2D.format(module=module)], env=cache_dir and {"NUMBA_CACHE_DIR": cache_dir})
    return time.perf_counter() - start


def start_times(module, cold_runs, warm_runs):
    """(cold seconds, warm seconds): each cold run in a fresh cache folder, then ``warm_runs`` reusing it."""
    cold, warm = [], []
    for _ in range(cold_runs):
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
            cold.append(first_conv2d_seconds(module, cache))
            warm.extend(first_conv2d_seconds(module, cache) for _ in range(warm_runs))
    return cold, warm


def stats_row(name, seconds):
    return Row(name, statistics.median(seconds), min(seconds), max(seconds))


def cold_warm_start(ctx):
    warm_times = {}

    def make_row(name, _, lib):
        if name == OURS:
            cold, warm_times[name] = start_times(lib.__name__, ctx.pick(3, 1), ctx.pick(2, 1))
        else:  # no JIT cache: every start is the same
            cold = warm_times[name] = [first_conv2d_seconds(lib.__name__) for _ in range(ctx.pick(3, 1))]
        return stats_row(name, cold)
    cold_rows = guarded_rows(ctx, {OURS: None, "torch": None}, make_row)
    warm_rows = [stats_row(r.engine, warm_times[r.engine]) if r.measured else r for r in cold_rows]
    what = "fresh process to the first conv2d result (import included)"
    return [Table("startup", f"cold start: {what}, empty Numba cache", "s", cold_rows, label="cold start"),
            Table("startup", f"warm start: {what}, Numba cache filled", "s", warm_rows, label="warm start"),
            *import_tables(ctx)]


def import_tables(ctx):
    """Seconds and peak RSS of a fresh process that only imports the library (issue 14: <= 0.5 s, <= 100 MiB)."""
    costs = {}

    def make_row(name, _, lib):
        costs[name] = [import_cost(lib.__name__) for _ in range(ctx.pick(5, 1))]
        return stats_row(name, [seconds for seconds, _ in costs[name]])
    time_rows = guarded_rows(ctx, {OURS: None, "torch": None}, make_row)
    rss_rows = [stats_row(r.engine, [rss for _, rss in costs[r.engine]]) if r.measured else r for r in time_rows]
    return [Table("startup", "import: a fresh process that imports the library and exits", "s", time_rows,
                  Goal(0.5, reference=None), label="import"),
            Table("startup", "import: peak RSS of that process", "MiB", rss_rows, Goal(100, reference=None),
                  label="import RSS")]
