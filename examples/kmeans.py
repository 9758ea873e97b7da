"""k-means on three Gaussian blobs with the tensor ops of PyTorch's long tail.

Lloyd's algorithm: each point joins its nearest centroid (``torch.cdist`` then ``argmin``), each
centroid moves to the mean of its points (``scatter_reduce(..., "mean", include_self=False)``);
``bincount`` counts the clusters. The fitted centroids are then a stationary point of the soft
k-means loss ``-tau * sum(logsumexp(-d^2 / tau))``: its gradient, by autograd through ``cdist``,
is close to zero there. ``quantile`` summarises how far points lie from their centroid.

    python -m examples.kmeans [--points 300] [--iterations 20] [--seed 0]
"""
import argparse

import autograd_core as torch

CENTRES = ((0.0, 0.0), (4.0, 4.0), (-4.0, 4.0))


def blobs(points, seed):
    """``points`` samples around each of the three CENTRES (standard deviation 0.7), and their true labels."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.tensor(CENTRES, dtype=torch.float64)
    labels = torch.arange(len(CENTRES)).unsqueeze(1).expand(len(CENTRES), points).reshape(-1)
    noise = 0.7 * torch.randn(len(labels), 2, generator=generator, dtype=torch.float64)
    return centres[labels] + noise, labels


def assign(x, centroids):
    return torch.cdist(x, centroids).argmin(dim=1)


def update(x, labels, centroids):
    """Each centroid moved to the mean of its points (one without points stays)."""
    index = labels.unsqueeze(1).expand(-1, x.shape[1])
    return centroids.scatter_reduce(0, index, x, "mean", include_self=False)


def lloyd(x, k, iterations, seed):
    generator = torch.Generator().manual_seed(seed)
    centroids = x[torch.randperm(x.shape[0], generator=generator)[:k]]
    for _ in range(iterations):
        centroids = update(x, assign(x, centroids), centroids)
    return centroids


def soft_loss_gradient(x, centroids, tau=0.5):
    """The gradient of the soft k-means loss with respect to the centroids."""
    centroids = centroids.clone().requires_grad_(True)
    loss = -tau * torch.logsumexp(-torch.cdist(x, centroids) ** 2 / tau, dim=1).sum()
    (grad,) = torch.autograd.grad(loss, centroids)
    return grad


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=300, help="points per blob")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    x, _ = blobs(args.points, args.seed)
    centroids = lloyd(x, len(CENTRES), args.iterations, args.seed)
    labels = assign(x, centroids)
    sizes = torch.bincount(labels, minlength=len(CENTRES))
    distances = torch.take_along_dim(torch.cdist(x, centroids), labels.unsqueeze(1), 1).squeeze(1)
    spread = torch.quantile(distances, torch.tensor([0.5, 0.9], dtype=torch.float64))
    gradient = soft_loss_gradient(x, centroids)
    order = centroids[:, 0].argsort()
    print("centroids (sorted by x):", [[round(v, 3) for v in row] for row in centroids[order].tolist()])
    print("cluster sizes:", sizes.tolist())
    print(f"median / 90% distance to the centroid: {spread[0].item():.3f} / {spread[1].item():.3f}")
    print(f"largest soft k-means gradient at the centroids: {gradient.abs().max().item():.2e}")
    return {"centroids": centroids, "sizes": sizes, "spread": spread, "gradient": gradient}


if __name__ == "__main__":
    main()
