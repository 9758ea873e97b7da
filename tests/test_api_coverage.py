"""benchmarks/api_coverage.py: it runs, counts each namespace, and finds the attention and Transformer names."""
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from benchmarks import api_coverage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_command_prints_counts_for_every_namespace_and_the_missing_names():
    done = subprocess.run([sys.executable, "-m", "benchmarks.api_coverage"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    for namespace in api_coverage.NAMESPACES:
        assert any(line.split()[:1] == [namespace] and "/" in line for line in done.stdout.splitlines()), namespace
    assert "missing from torch.linalg" in done.stdout


def test_attention_and_transformer_names_count_as_present():
    result = api_coverage.coverage({"torch.nn": "nn", "torch.nn.functional": "nn.functional"})
    present_nn, missing_nn = result["torch.nn"]
    for name in ("MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder",
                 "TransformerEncoderLayer", "TransformerDecoderLayer", "RMSNorm"):
        assert name in present_nn and name not in missing_nn
    present_f, _ = result["torch.nn.functional"]
    for name in ("scaled_dot_product_attention", "multi_head_attention_forward", "rms_norm"):
        assert name in present_f


def test_counts_add_up_and_imports_from_outside_torch_are_left_out():
    result = api_coverage.coverage({"torch.nn.functional": "nn.functional"})
    present, missing = result["torch.nn.functional"]
    assert not set(present) & set(missing)
    assert "Callable" not in present + missing and "Optional" not in present + missing
    assert all(not name.startswith("_") for name in present + missing)


def test_a_namespace_we_lack_counts_nothing_present():
    (present, missing), = api_coverage.coverage({"torch.linalg": "autograd_core.no_such_namespace"}).values()
    assert present == [] and "norm" in missing


def test_summary_leaves_out_the_missing_names(capsys):
    api_coverage.main(["--only", "torch.optim", "--summary"])
    out = capsys.readouterr().out
    assert "torch.optim " in out and "missing from" not in out
