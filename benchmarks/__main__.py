"""Run every benchmark workload for autograd_core and each installed peer (PyTorch CPU, DeZero, micrograd).

    python -m benchmarks [--quick] [--only NAME ...] [--data-dir DIR] [--out DIR] [--device cpu|cuda]

Prints one table per workload (median, min, max, ratio to PyTorch; lower is better) with
autograd_core's goal. A full run writes benchmarks/results.md and benchmarks/ratios.png;
--quick (a small smoke run) and --only write them only where --out says. ``--device cuda``
runs the GPU workloads (benchmarks/workloads/gpu.py) against PyTorch CUDA instead, and a full
run writes results-cuda.md and ratios-cuda.png; it exits with a message where no GPU is usable.
"""
import argparse
import datetime
import os
import platform
import sys
import time
import traceback
from pathlib import Path

import numba
import numpy as np

from benchmarks import bench_train, peers
from benchmarks.peers import OURS
from benchmarks.workloads import WORKLOADS, gpu
from benchmarks.workloads.base import REFERENCE, Context, Table, error_text

HERE = Path(__file__).resolve().parent
COLUMNS = ("engine", "median", "min", "max", f"ratio to {REFERENCE}", "", "goal")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            return next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def machine():
    """(label, value) pairs describing where the numbers were taken."""
    versions = [(name, peers.version(name) or "not installed")
                for name in ("numpy", "numba", "torch", "dezero", "micrograd")]
    return [("date", datetime.datetime.now().strftime("%Y-%m-%d %H:%M")), ("CPU", cpu_model()),
            ("cores", os.cpu_count()), ("threads (Numba; torch set to the same)", numba.get_num_threads()),
            ("load average (1 min) at start", f"{os.getloadavg()[0]:.2f}"),
            ("python", platform.python_version())] + versions


def number(value):
    """A value with as many decimals as its size deserves (about 3 significant digits)."""
    size = abs(value)
    text = f"{value:.{3 if size < 1 else 2 if size < 10 else 1 if size < 100 else 0}f}"
    return text.lstrip("-") if float(text) == 0 else text


def cells(table):
    """The table's header and one list of cells per row; a row without numbers carries its status."""
    header = list(COLUMNS)
    header[1:4] = [f"{c} {table.unit}" for c in COLUMNS[1:4]]
    header[5] = table.extra_label
    rows = []
    for row in table.rows:
        if not row.measured:
            rows.append([row.engine, row.status, "", "", "", "", ""])
            continue
        ratio = table.ratio(row.engine) if table.ratios else None
        rows.append([row.engine, number(row.median), number(row.low), number(row.high),
                     "" if ratio is None else f"{ratio:.2f}", row.extra, table.verdict() if row.engine == OURS else ""])
    return header, rows


def render_text(table):
    lines = [f"\n{table.title}"]
    if table.status:
        return "\n".join(lines + [f"  {table.status}"])
    header, rows = cells(table)
    measured = [r for row, r in zip(table.rows, rows) if row.measured]
    widths = [max(len(r[i]) for r in [header] + measured) for i in range(len(header))]

    def line(r):
        return "  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    lines.append(line(header))
    for row, r in zip(table.rows, rows):  # a status spans the numeric columns
        lines.append(line(r) if row.measured else f"  {row.engine:<{widths[0]}}  {row.status}")
    if table.note:
        lines.append(f"  ({table.note})")
    return "\n".join(lines)


def render_markdown(tables, info, chart_name, device="cpu"):
    reference = "PyTorch's (CPU, same thread count)" if device == "cpu" else "PyTorch CUDA's (same GPU)"
    out = ["# Benchmark results", "", f"Written by `python -m benchmarks --device {device}`. Lower is better: each "
           f"ratio is the engine's median over {reference}. Each time is the median of repeated runs after "
           "warm-up, with min and max; the engines take turns in rounds, each turn after a short pause so that no "
           "library pays for another's still-spinning threads. On a busy machine PyTorch's OpenMP "
           "threads wait for busy cores, which inflates its times: see the load average below.", "",
           "| machine | |", "|---|---|"]
    out += [f"| {label} | {value} |" for label, value in info]
    out += ["", "## Goals (autograd_core)", "", "| workload | result |", "|---|---|"]
    out += [f"| {t.title} | {t.verdict() or t.status} |" for t in tables if t.goal or t.status]
    if chart_name:
        out += ["", f"![ratios to PyTorch]({chart_name})"]
    for table in tables:
        out += ["", f"## {table.title}", ""]
        if table.status:
            out.append(table.status)
            continue
        header, rows = cells(table)
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        if table.note:
            out += ["", f"({table.note})"]
    return "\n".join(out) + "\n"


def write_chart(tables, path):
    """Horizontal bars of each engine's ratio to PyTorch per workload (log scale), with our goals marked.
    Returns False (and writes nothing) when no table has a ratio."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    groups = [(t, {r.engine: t.ratio(r.engine) for r in t.rows if r.engine != REFERENCE and t.ratio(r.engine)})
              for t in tables if t.ratios]
    groups = [(t, ratios) for t, ratios in groups if ratios]
    if not groups:
        return False
    colors = dict(zip(dict.fromkeys(e for _, ratios in groups for e in ratios), plt.get_cmap("tab10").colors))
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.2 * sum(len(r) + 1 for _, r in groups)))
    y, ticks, labelled = 0, [], set()
    for table, ratios in groups:
        ticks.append((y + (len(ratios) - 1) / 2, table.label or table.workload))
        for engine, ratio in ratios.items():
            ax.barh(y, ratio, height=0.8, color=colors[engine], label=None if engine in labelled else engine)
            labelled.add(engine)
            goal = table.goal if engine == OURS else None
            scale = table.ratio(goal.reference) if goal and goal.reference else None
            if scale:
                ax.plot([goal.limit * scale], [y], "|", color="red", markersize=12, markeredgewidth=2,
                        label=None if "goal" in labelled else "autograd_core goal")
                labelled.add("goal")
            y += 1
        y += 1
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_yticks([t for t, _ in ticks], [label for _, label in ticks])
    ax.invert_yaxis()
    ax.set_xlabel("median relative to PyTorch (= 1), log scale; lower is better")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def run_workloads(names, ctx, workloads=WORKLOADS):
    tables = []
    for name in names:
        print(f"\n=== {name}", flush=True)
        start = time.perf_counter()
        try:
            new = workloads[name](ctx)
        except Exception as error:  # a broken workload is reported, the run goes on
            traceback.print_exc(file=sys.stderr)
            new = [Table(name, name, "", status=f"failed: {error_text(error)}")]
        for table in new:
            print(render_text(table), flush=True)
        print(f"  [{name}: {time.perf_counter() - start:.1f} s]")
        tables += new
    return tables


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small, fast version of each workload (smoke test)")
    parser.add_argument("--only", action="append", choices=list(WORKLOADS), metavar="NAME",
                        help=f"run only this workload (repeatable): {', '.join(WORKLOADS)}")
    default_data = bench_train.DEFAULT_DATA if bench_train.DEFAULT_DATA.is_dir() else None
    parser.add_argument("--data-dir", type=Path, default=default_data,
                        help=f"Fashion-MNIST folder for the epoch workload (default: {default_data})")
    parser.add_argument("--out", type=Path, help="folder for results.md and ratios.png "
                        "(default: benchmarks/ on a full run, none with --quick or --only)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help=f"cuda: the GPU workloads ({', '.join(gpu.WORKLOADS)}) against PyTorch CUDA")
    args = parser.parse_args(argv)
    if args.device == "cuda" and args.only and set(args.only) - set(gpu.WORKLOADS):
        parser.error(f"--device cuda runs only {', '.join(gpu.WORKLOADS)}")
    if args.out is None and not (args.quick or args.only):
        args.out = HERE
    return args


def cuda_info():
    """The GPU rows of the machine table; exits with a message where autograd_core sees no GPU."""
    import autograd_core
    if not autograd_core.cuda.is_available():
        sys.exit("python -m benchmarks --device cuda: no CUDA GPU here (autograd_core.cuda.is_available() is False: "
                 "CuPy is not importable or sees no device; on a GPU machine: pip install -e \".[cuda]\")")
    return [("device", f"cuda: {autograd_core.cuda.get_device_name()}"),
            ("cupy", peers.version("cupy-cuda12x") or "not installed")]


def main(argv=None):
    args = parse_args(argv)
    on_gpu = args.device == "cuda"
    workloads = gpu.WORKLOADS if on_gpu else WORKLOADS
    device_rows = cuda_info() if on_gpu else []
    engines, missing = peers.load_all()
    engines["numpy"] = np  # the no-autograd baseline of the matmul workload
    info = machine() + device_rows
    for label, value in info:
        print(f"{label}: {value}")
    for name, reason in missing.items():
        print(f"peer {name}: {reason}")
    ctx = Context(engines, missing, quick=args.quick, data_dir=args.data_dir)
    tables = run_workloads(args.only or list(workloads), ctx, workloads)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        suffix = "-cuda" if on_gpu else ""
        try:
            chart = f"ratios{suffix}.png" if write_chart(tables, args.out / f"ratios{suffix}.png") else None
        except Exception as error:  # the tables matter more than the picture
            print(f"chart not written: {error_text(error)}", file=sys.stderr)
            chart = None
        results = args.out / f"results{suffix}.md"
        results.write_text(render_markdown(tables, info, chart, args.device))
        print(f"\nwrote {results}" + (f" and {args.out / chart}" if chart else ""))
    return tables


if __name__ == "__main__":
    main()
