"""Timing helpers shared by the benchmark scripts: warm-up, repeats, median/min/max, ratios."""
import statistics
import time


def measure(fn, repeats=7, warmup=2):
    """Run ``fn`` ``warmup`` times, then time ``repeats`` runs; return (median, min, max) seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def report(title, rows, reference="torch"):
    """Print a table of (engine, (median, min, max)) with each median's ratio to ``reference``."""
    timings = dict(rows)
    ref = timings.get(reference)
    print(f"\n{title}")
    print(f"{'engine':<16}{'median ms':>12}{'min ms':>10}{'max ms':>10}{'ratio':>9}")
    for name, (med, lo, hi) in rows:
        ratio = f"{med / ref[0]:.2f}" if ref else "-"
        print(f"{name:<16}{med * 1e3:>12.3f}{lo * 1e3:>10.3f}{hi * 1e3:>10.3f}{ratio:>9}")
    return {name: t[0] for name, t in rows}
