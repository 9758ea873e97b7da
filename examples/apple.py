"""The apple-shopping graph: 2 apples at 100 yen each with 10% tax cost 220 yen.

Backward gives how much the total moves per unit of each input: 2.2 per yen
of price, 110 per apple, 200 per unit of tax (and 1.1 per yen of subtotal).
The drawing shows every value and gradient on the graph.

    python -m examples.apple [--out DIR]
"""
import argparse

import autograd_core as torch
from examples._plots import output_dir


def apple_shopping(price=100.0, count=2.0, tax=1.1):
    """The total and the gradients of the total with respect to the inputs and the subtotal."""
    inputs = {"apple price": torch.tensor(price, requires_grad=True),
              "apples": torch.tensor(count, requires_grad=True),
              "tax": torch.tensor(tax, requires_grad=True)}
    subtotal = inputs["apple price"] * inputs["apples"]
    subtotal.retain_grad()
    total = subtotal * inputs["tax"]
    total.backward()
    return {"total": total, "subtotal": subtotal, "inputs": inputs,
            "grads": {name: t.grad.item() for name, t in inputs.items()} | {"subtotal": subtotal.grad.item()}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out", help="folder for the drawing (default ./out)")
    args = parser.parse_args(argv)
    result = apple_shopping()
    print(f"total = {result['total'].item():g} yen")
    for name, grad in result["grads"].items():
        print(f"d total / d {name} = {grad:g}")
    import viz
    named = result["inputs"] | {"subtotal": result["subtotal"], "total": result["total"]}
    drawing = viz.make_dot(result["total"], params=named, show_values=True, show_grads=True,
                           rankdir="LR", title="apple shopping: values and gradients")
    result["graph"] = drawing.render(str(output_dir(args.out) / "apple.svg"))
    print(f"graph: {result['graph']}")
    return result


if __name__ == "__main__":
    main()
