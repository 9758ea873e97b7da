"""viz: draw what the autograd engine recorded, through Graphviz.

``make_dot(output)`` draws the graph behind a tensor, ``draw_model(model, x)``
groups it by nn.Module, ``backward_steps(output, path)`` shows the backward
pass node by node; ``python -m viz`` draws a model class from the command line.
"""
from .dot import make_dot
from .model_view import draw_model
from .render import Drawing, find_renderer
from .steps import backward_steps

__all__ = ["make_dot", "draw_model", "backward_steps", "Drawing", "find_renderer"]
