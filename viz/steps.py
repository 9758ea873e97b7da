"""Backprop step by step: one frame per node, in the exact order the engine ran backward.

An observer (``autograd_core.autograd.graph.observe``) records each node and the
gradients arriving at its outputs as backward runs; each frame then shows the
graph with the gradients arrived so far, the node being run outlined in red
and the nodes already run shaded. Every frame keeps every node's size, so the
layout stays still while the slider moves.
"""
import html
from pathlib import Path

from autograd_core import Tensor
from autograd_core.autograd.graph import AccumulateGrad, Observer, observe

from .dot import FONT_SIZE, Style, build_digraph, op_lines, value_lines, variable_lines
from .graph import leaf_key, op_key, output_key, record_graph
from .render import Drawing

__all__ = ["backward_steps"]

CHAR_WIDTH = FONT_SIZE * 0.62 / 72  # inches per character, a little more than the font's average
LINE_HEIGHT = FONT_SIZE * 1.25 / 72
CAPTION_CHAR_WIDTH = 14 * 0.5 / 72


class _Frame:
    """What one frame shows (the protocol ``build_digraph`` reads)."""

    def __init__(self, grads, current, done, sizes, caption):
        self.grads = grads
        self.current = current
        self.done = done
        self.sizes = sizes
        self.caption = caption
        self.caption_width = 0.0  # set once every caption is known


class _Step:
    __slots__ = ("key", "name", "grads")

    def __init__(self, key, name, grads):
        self.key = key  # the op run, or the leaf whose AccumulateGrad ran
        self.name = name
        self.grads = grads  # {variable key: gradient array} arriving at this node


class _StepRecorder(Observer):
    """Notes each node the engine runs and the gradients arriving at it."""

    def __init__(self, graph):
        self.graph, self.steps = graph, []

    def before(self, node, grads):
        if type(node) is AccumulateGrad:
            key = leaf_key(node.variable)
            arrived = {key: grads[0].numpy(force=True).copy()} if grads and grads[0] is not None else {}
        else:
            key = op_key(node)
            arrived = {output_key(node, i): g.numpy(force=True).copy()
                       for i, g in enumerate(grads or ()) if g is not None}
        drawn = {k: v for k, v in arrived.items() if k in self.graph.variables}
        self.steps.append(_Step(key, type(node).__name__, drawn))


def _record_backward(graph, output, gradient, retain_graph):
    """Run ``output.backward`` and return the steps the engine took, in order."""
    with observe(_StepRecorder(graph)) as recorder:
        output.backward(gradient, retain_graph=retain_graph)
    return recorder.steps


def _caption(step, graph, number, total):
    grads = "; ".join(" ".join(value_lines(g)) for g in step.grads.values()) or "no gradient"
    if step.key[0] == "leaf":
        name = graph.variables[step.key].name or "the leaf"
        return f"Step {number} of {total}: AccumulateGrad adds {grads} into {name}.grad"
    return f"Step {number} of {total}: {step.name} runs with the gradient of its output: {grads}"


def _sizes(graph, style, final_grads):
    """Each node's size with every gradient shown, so that no frame moves a node."""
    sizes = {}
    for key, var in graph.variables.items():
        lines = variable_lines(var, style, final_grads.get(key)) or [""]
        sizes[key] = (CHAR_WIDTH * max(len(line) for line in lines) + 0.45, LINE_HEIGHT * len(lines) + 0.25)
    for key, op in graph.ops.items():
        lines = op_lines(op, style)
        sizes[key] = (CHAR_WIDTH * max(len(line) for line in lines) + 0.3, LINE_HEIGHT * len(lines) + 0.15)
    return sizes


def _frames(graph, steps, style):
    final_grads = {}
    for step in steps:
        final_grads.update(step.grads)
    sizes = _sizes(graph, style, final_grads)
    total = len(steps)
    frames = [_Frame({}, None, set(), sizes, f"The forward graph; backward will run {total} nodes.")]
    grads, done = {}, set()
    for number, step in enumerate(steps, 1):
        grads = {**grads, **step.grads}
        frames.append(_Frame(grads, step.key, set(done), sizes, _caption(step, graph, number, total)))
        done = done | {step.key}
    caption_width = CAPTION_CHAR_WIDTH * max(len(frame.caption) for frame in frames)
    for frame in frames:
        frame.caption_width = caption_width
    return frames


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
#controls {{ display: flex; gap: .5em; align-items: center; margin-bottom: .5em; }}
#slider {{ flex: 1; max-width: 40em; }}
.frame {{ display: none; }} .frame.shown {{ display: block; }}
</style></head>
<body>
<h1>{title}</h1>
<div id="controls"><button id="previous">&#9664;</button>
<input id="slider" type="range" min="0" max="{last}" value="0"><button id="next">&#9654;</button></div>
<p id="caption"></p>
{frames}
<script>
const frames = document.querySelectorAll(".frame");
const slider = document.getElementById("slider");
function show(i) {{
  i = Math.max(0, Math.min(frames.length - 1, i));
  frames.forEach((f, k) => f.classList.toggle("shown", k === i));
  slider.value = i;
  document.getElementById("caption").textContent = frames[i].dataset.caption;
}}
slider.addEventListener("input", () => show(+slider.value));
document.getElementById("previous").addEventListener("click", () => show(+slider.value - 1));
document.getElementById("next").addEventListener("click", () => show(+slider.value + 1));
document.addEventListener("keydown", e => {{
  if (e.key === "ArrowLeft") show(+slider.value - 1);
  if (e.key === "ArrowRight") show(+slider.value + 1);
}});
show(0);
</script>
</body></html>
"""


def _inline_svg(svg_bytes):
    """SVG text without its XML prolog and doctype, to sit inside HTML."""
    text = svg_bytes.decode("utf-8")
    return text[text.index("<svg"):]


def _write_html(path, drawings, frames, renderer, title):
    blocks = []
    for drawing, frame in zip(drawings, frames):
        svg = _inline_svg(drawing.pipe("svg", renderer))
        blocks.append(f'<div class="frame" data-caption="{html.escape(frame.caption)}">\n{svg}</div>')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_PAGE.format(title=html.escape(title), last=len(frames) - 1, frames="\n".join(blocks)),
                    encoding="utf-8")
    return path


def backward_steps(output, path, params=None, gradient=None, retain_graph=False, show_values=True,
                   renderer=None, rankdir="TB"):
    """Run ``output.backward()`` and draw one frame per node the engine runs, in its order.

    ``path`` ending in ``.html`` gets one self-contained page with a slider
    (returns that Path); a path without an extension is a folder that gets
    ``step_000.svg``, ``step_001.svg``... (returns their Paths). Frame 0 is the forward graph; frame k shows the gradient arriving
    at the k-th node run. ``params`` names leaves as in ``make_dot``.
    """
    if not isinstance(output, Tensor) or not output.requires_grad:
        raise RuntimeError("backward_steps: expected one Tensor that requires grad (the output to run backward from), "
                           f"got {output!r:.80}")
    graph = record_graph(output, params, caller="backward_steps")
    steps = _record_backward(graph, output, gradient, retain_graph)
    style = Style(show_values=show_values, show_grads=True)
    frames = _frames(graph, steps, style)
    drawings = [Drawing(build_digraph(graph, style, frame=frame, rankdir=rankdir, title=frame.caption))
                for frame in frames]
    path = Path(path)
    if path.suffix.lower() == ".html":
        return _write_html(path, drawings, frames, renderer, "Backward pass, step by step")
    if path.suffix:
        raise ValueError(f"backward_steps: {str(path)!r} should end in .html (one page) or be a folder for SVG frames")
    return [drawing.render(path / f"step_{k:03d}.svg", renderer=renderer) for k, drawing in enumerate(drawings)]
