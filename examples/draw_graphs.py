"""Draw the graphs shown in the docs into docs/images/ (run from the repository root).

    python examples/draw_graphs.py [folder]

graphviz-pure renders them, so the files are the same on every machine.
"""
import sys
from pathlib import Path

import autograd_core as torch
import viz
from examples.models import CNN, MyNet

RENDERER = "graphviz-pure"


def leaf(value, name):
    tensor = torch.tensor(value, requires_grad=True)
    tensor.name = name
    return tensor


def apple_graph():
    """The course's shopping example: 2 apples at 100 each, 10% tax."""
    apple, num, tax = leaf(100.0, "apple"), leaf(2.0, "num"), leaf(1.1, "tax")
    price = apple * num * tax
    price.backward(retain_graph=True)  # keep the saved intermediate 200 to show it
    return viz.make_dot(price, show_values=True, show_grads=True, title="price = apple × num × tax")


def three_variable_graph():
    x1, x2, x3 = leaf(1.0, "x1"), leaf(2.0, "x2"), leaf(3.0, "x3")
    f = (x1 - 2 * x2 - 1) ** 2 + (x2 * x3 - 1) ** 2 + 1
    f.backward(retain_graph=True)
    return viz.make_dot(f, show_values=True, show_grads=True,
                        title="f(x1, x2, x3) = (x1 - 2 x2 - 1)² + (x2 x3 - 1)² + 1")


def main(folder="docs/images"):
    torch.manual_seed(0)
    folder = Path(folder)
    drawings = {
        "apple_values_grads.svg": apple_graph(),
        "f_x1_x2_x3.svg": three_variable_graph(),
        "mlp_modules.svg": viz.draw_model(MyNet(), torch.randn(1, 784)),
        "mlp_architecture.svg": viz.draw_model(MyNet(), torch.randn(1, 784), collapse=True),
        "cnn_architecture.svg": viz.draw_model(CNN(), torch.randn(1, 1, 28, 28), collapse=True),
    }
    for name, drawing in drawings.items():
        print(drawing.render(folder / name, renderer=RENDERER))


if __name__ == "__main__":
    main(*sys.argv[1:])
