"""The chain rule on z = u v with u = x^2 + y^2 and v = sin(x y), at (x, y) = (1, 2).

By hand: dz/dx = 2x v + u y cos(xy) = 2 sin 2 + 10 cos 2 and
dz/dy = 2y v + u x cos(xy) = 4 sin 2 + 5 cos 2; autograd must agree.

    python -m examples.chain_rule [--out DIR]
"""
import argparse
import math

import autograd_core as torch
from examples._plots import output_dir


def chain_rule(x0=1.0, y0=2.0):
    """z and its gradient at (x0, y0), by autograd and by hand."""
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(y0, dtype=torch.float64, requires_grad=True)
    u = x ** 2 + y ** 2
    v = torch.sin(x * y)
    z = u * v
    z.backward()
    by_hand = (2 * x0 * math.sin(x0 * y0) + (x0 ** 2 + y0 ** 2) * y0 * math.cos(x0 * y0),
               2 * y0 * math.sin(x0 * y0) + (x0 ** 2 + y0 ** 2) * x0 * math.cos(x0 * y0))
    return {"z": z, "dz/dx": x.grad.item(), "dz/dy": y.grad.item(), "by_hand": by_hand,
            "inputs": {"x": x, "y": y}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out", help="folder for the graph drawing (default ./out)")
    args = parser.parse_args(argv)
    result = chain_rule()
    print(f"z = {result['z'].item():.6f}")
    print(f"dz/dx = {result['dz/dx']:.6f}  (2 sin 2 + 10 cos 2 = {result['by_hand'][0]:.6f})")
    print(f"dz/dy = {result['dz/dy']:.6f}  (4 sin 2 + 5 cos 2 = {result['by_hand'][1]:.6f})")
    import viz
    path = viz.make_dot(result["z"], params=result["inputs"], show_values=True, show_grads=True).render(
        str(output_dir(args.out) / "chain_rule.svg"))
    print(f"graph: {path}")
    result["graph"] = path
    return result


if __name__ == "__main__":
    main()
