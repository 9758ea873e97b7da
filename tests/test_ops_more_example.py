"""The worked example of the tensor ops (examples/kmeans.py): k-means finds the three blobs, and one Lloyd step
gives PyTorch's numbers on the same points."""
import numpy as np
import pytest

from examples import kmeans

torch_ref = pytest.importorskip("torch")


def test_kmeans_finds_the_blobs_at_a_stationary_point_of_the_soft_loss():
    result = kmeans.main(["--points", "100", "--iterations", "10"])
    found = sorted(result["centroids"].tolist())
    np.testing.assert_allclose(found, sorted(kmeans.CENTRES), atol=0.25)
    assert result["sizes"].tolist() == [100, 100, 100]
    assert result["gradient"].abs().max().item() < 1e-3
    assert 0 < result["spread"][0].item() < result["spread"][1].item()


def test_one_lloyd_step_matches_pytorch():
    x, _ = kmeans.blobs(20, 1)
    start = x[:3].clone()
    ours = kmeans.update(x, kmeans.assign(x, start), start)
    tx, tstart = torch_ref.tensor(x.numpy(force=True)), torch_ref.tensor(start.numpy(force=True))
    labels = torch_ref.cdist(tx, tstart).argmin(dim=1)
    theirs = tstart.scatter_reduce(0, labels.unsqueeze(1).expand(-1, 2), tx, "mean", include_self=False)
    np.testing.assert_allclose(ours.numpy(force=True), theirs.numpy(), rtol=1e-12)
