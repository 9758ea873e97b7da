"""``python -m examples.deploy``: the exported CNN gives our predictions under onnxruntime, and both files exist."""
import numpy as np

import autograd_core as torch
from examples import deploy


def test_deploy_exports_and_runs_the_course_cnn(tmp_path, capsys):
    result = deploy.main(["--epochs", "1", "--train-size", "200", "--images", "6", "--repeats", "2",
                          "--out", str(tmp_path)])
    np.testing.assert_allclose(result["onnx"], result["ours"], rtol=1e-5, atol=1e-5)
    assert result["onnx"].argmax(1).tolist() == result["ours"].argmax(1).tolist()
    assert set(result["latency_ms"]) == {"onnxruntime", "autograd_core"}
    assert all(ms > 0 for ms in result["latency_ms"].values())
    state = torch.load(tmp_path / "cnn.safetensors")
    assert state["conv.weight"].shape == (10, 1, 3, 3) and (tmp_path / "cnn.onnx").stat().st_size > 8_000_000
    out = capsys.readouterr().out
    assert "onnxruntime predicts" in out and "ms per image" in out
