"""Command line: draw a model class's graph.

    python -m viz examples.models:MyNet --input 1,784 -o mynet.svg
    python -m viz examples.models:CNN --input 1,1,28,28 --collapse -o cnn.png
"""
import argparse
import importlib
import sys

import autograd_core as torch

from .model_view import draw_model


def _shape(text):
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a shape such as 1,784, got {text!r}") from None
    if any(size < 0 for size in shape):
        raise argparse.ArgumentTypeError(f"sizes must be non-negative, got {text!r}")
    return shape


def _model_class(target):
    module_path, _, class_name = target.partition(":")
    if not module_path or not class_name:
        raise SystemExit(f"python -m viz: expected MODULE:CLASS (e.g. examples.models:MyNet), got {target!r}")
    try:
        module = importlib.import_module(module_path)
    except ImportError as exc:
        raise SystemExit(f"python -m viz: cannot import {module_path!r}: {exc}") from None
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise SystemExit(f"python -m viz: module {module_path!r} has no {class_name!r}") from None


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m viz", description="Draw the autograd graph of a model class, "
                                     "grouped by module.")
    parser.add_argument("model", help="MODULE:CLASS, built with no arguments (e.g. examples.models:MyNet)")
    parser.add_argument("--input", type=_shape, action="append", required=True, metavar="SHAPE",
                        help="shape of a random float32 input, e.g. 1,784 (repeat for several inputs)")
    parser.add_argument("-o", "--output", help="file to write; its extension picks the format (svg, png, pdf, dot); "
                        "default CLASS.svg")
    parser.add_argument("--collapse", action="store_true", help="one box per module (the architecture diagram)")
    parser.add_argument("--depth", type=int, help="draw the modules this many levels down as one box each")
    parser.add_argument("--renderer", choices=["dot", "graphviz-pure"], help="default: system dot if installed")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    model_class = _model_class(args.model)
    model = model_class()
    inputs = tuple(torch.randn(*shape) for shape in args.input)
    try:
        drawing = draw_model(model, inputs, collapse=args.collapse, depth=args.depth)
        path = drawing.render(args.output or f"{model_class.__name__}.svg", renderer=args.renderer)
    except (RuntimeError, ValueError) as exc:
        raise SystemExit(f"python -m viz: {exc}") from None
    print(path)
    return path


if __name__ == "__main__":
    main()
