"""The benchmark harness (``python -m benchmarks``): it runs, reports tables, and survives broken parts.

No timing assertions: only that the harness measures, reports and writes what it should.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_core
from benchmarks import peers
from benchmarks.__main__ import machine, render_markdown, render_text, run_workloads, write_chart
from benchmarks.peers import OURS
from benchmarks.workloads import WORKLOADS
from benchmarks.workloads.base import Context, Goal, Row, Table, timed_rows
from benchmarks.workloads.memory import measure_training_memory
from benchmarks.workloads.training import MODELS, STEP_BUILDERS

ROOT = Path(__file__).resolve().parents[1]
NO_PEERS = {name: "missing: not installed (test)" for name in ("torch", "dezero", "micrograd")}


@pytest.fixture
def ours_only():
    """A quick context with autograd_core alone, every peer reported missing."""
    return Context({OURS: autograd_core, "numpy": np}, dict(NO_PEERS), quick=True)


def test_quick_run_prints_and_writes_results_table(tmp_path):
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "per-op", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "per-op overhead" in done.stdout and "autograd_core" in done.stdout
    results = (tmp_path / "results.md").read_text()
    assert "| cores |" in results and "## Goals (autograd_core)" in results
    ours = next(line for line in results.splitlines() if line.startswith("| autograd_core |"))
    float(ours.split("|")[2])  # a measured median, not a status
    engines, missing = peers.load_all()
    for peer, reason in missing.items():
        if peer != "micrograd":  # the per-op workload times torch and dezero; micrograd only scalar graphs
            assert f"| {peer} | {reason}" in results
    if "torch" in engines:  # ratios exist only with the reference
        assert (tmp_path / "ratios.png").read_bytes()[:4] == b"\x89PNG"


def test_missing_peers_are_listed_not_dropped(ours_only):
    table, = WORKLOADS["per-op"](ours_only)
    status = {row.engine: row.status for row in table.rows}
    assert set(status) == {OURS, "torch", "dezero"}
    assert status["torch"].startswith("missing: not installed")
    assert table.median(OURS) > 0
    assert table.verdict() == "n/a (goal <= 1x torch)"
    assert "missing: not installed (test)" in render_text(table)


@pytest.mark.parametrize("error, reason", [
    (ImportError("No module named 'micrograd'"), "missing: not installed (No module named 'micrograd'); pip install"),
    (AttributeError("module 'numpy' has no attribute 'int'"), "failed to load: AttributeError: module 'numpy'"),
])
def test_peer_that_cannot_load_is_reported_with_the_reason(monkeypatch, error, reason):
    def broken():
        raise error
    monkeypatch.setitem(peers._LOADERS, "micrograd", broken)
    engines, missing = peers.load_all()
    assert "micrograd" not in engines and missing["micrograd"].startswith(reason)


def test_failing_engine_gives_failed_row_and_others_still_measured(ours_only):
    def broken(lib):
        raise ValueError("layer not written yet")
    ours_only.engines["torch"] = object()
    del ours_only.missing["torch"]
    rows = timed_rows(ours_only, {OURS: lambda lib: lambda: None, "torch": broken}, repeats=2, warmup=1)
    assert rows[0].measured and rows[0].low <= rows[0].median <= rows[0].high
    assert rows[1].status == "failed: ValueError: layer not written yet"


def test_failing_workload_is_reported_and_run_goes_on(ours_only, monkeypatch):
    def broken(ctx):
        raise RuntimeError("conv kernels missing")
    monkeypatch.setitem(WORKLOADS, "conv2d", broken)
    tables = run_workloads(["conv2d", "adam"], ours_only)
    assert tables[0].status == "failed: RuntimeError: conv kernels missing"
    assert tables[1].workload == "adam" and tables[1].median(OURS) > 0


def test_goal_verdicts():
    table = Table("x", "x", "ms", [Row(OURS, 3.0, 2.0, 4.0), Row("torch", 2.0, 2.0, 2.0)], Goal(2.0))
    assert table.ratio(OURS) == 1.5
    assert table.verdict() == "1.50x torch (goal <= 2): met"
    table.goal = Goal(1.2)
    assert table.verdict().endswith("MISSED")
    table.goal = Goal(1.0, reference=None)
    assert table.verdict() == "3.00 ms (goal <= 1): MISSED"


def test_markdown_and_chart(tmp_path):
    tables = [Table("per-op", "per-op overhead", "ms", [Row(OURS, 3.0, 2.0, 4.0), Row("torch", 2.0, 1.5, 2.5),
                                                        Row("dezero", status="missing: not installed")], Goal(2.0)),
              Table("fashion-mnist", "epoch", "s", status="skipped: no data directory")]
    text = render_markdown(tables, machine(), "ratios.png")
    assert "| autograd_core | 3.00 | 2.00 | 4.00 | 1.50 |  | 1.50x torch (goal <= 2): met |" in text
    assert "| dezero | missing: not installed |" in text
    assert "skipped: no data directory" in text and "![ratios to PyTorch](ratios.png)" in text
    assert write_chart(tables, tmp_path / "ratios.png")
    assert (tmp_path / "ratios.png").read_bytes()[:4] == b"\x89PNG"
    assert not write_chart(tables[1:], tmp_path / "none.png")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.workload)
def test_training_step_runs_in_each_installed_engine(model):
    engines, _ = peers.load_all()
    for name, build in STEP_BUILDERS.items():
        if name in engines and not (name == "dezero" and model.build_dezero is None):  # no DeZero GRU/RNN
            build(engines[name], model, *model.batch(np.random.default_rng(0)))()


def test_dezero_loader_leaves_numpy_without_old_aliases():
    pytest.importorskip("dezero")
    dezero = peers.load("dezero")
    assert dezero.layers.Linear and dezero.optimizers.Adam
    assert not {"int", "float"} & set(np.__dict__)


def test_memory_measurement_reports_peak_and_growth():
    result = measure_training_memory(OURS, 4)
    assert set(result) == {"peak_delta", "growth"}
    assert result["peak_delta"] >= 0


def test_distributed_workload_runs_its_mpi_and_torch_jobs_quickly():
    engines, missing = peers.load_all()
    tables = WORKLOADS["distributed"](Context(engines, missing, quick=True))
    assert [t.label for t in tables] == ["all-reduce 1 MiB", "DDP step (CNN)", "epoch, 1 rank", "epoch, 2 ranks"]
    for table in tables:
        assert table.median(OURS) > 0, render_text(table)
        assert ("torch" in missing) != (table.median("torch") is not None), render_text(table)
    allreduce, step, _, scaling = tables
    assert allreduce.median("mpi4py") > 0 and allreduce.median(f"{OURS}, gradient_as_bucket_view") > 0
    assert allreduce.verdict().endswith(("met", "MISSED")) and "mpi4py" in allreduce.verdict()
    ours = {row.engine: row for row in step.rows}[OURS]
    assert ours.extra.endswith("%") and "hidden" in step.note
    assert "efficiency" in scaling.extra_label
