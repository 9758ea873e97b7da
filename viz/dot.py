"""Build the graphviz Digraph of a recorded graph, in the course's conventions.

Variables are ellipses (leaves light blue, outputs green), Functions are grey
boxes, edges run from inputs to outputs. Each variable shows its shape and
dtype when its tensor is known, and on request its value and gradient; a
Function can show its arguments and what it saved for backward.
"""
import graphviz
import numpy as np

from autograd_core import Tensor
from autograd_core.dtypes import is_floating
from autograd_core.arrays import to_numpy

from .graph import as_tensors, op_arguments, record_graph, saved_items
from .layout import Layout
from .render import Drawing
from .summary import summarise

__all__ = ["Style", "make_dot", "build_digraph", "variable_lines", "op_lines", "value_lines"]

VALUE_ELEMENTS = 12  # tensors up to this size show every element; larger ones show min/mean/max
FONT_SIZE = 12

COLORS = {"leaf": "lightblue", "output": "darkolivegreen1", "variable": "white", "op": "lightgray",
          "saved": "orange", "module": "lightyellow", "repeat": "khaki", "done": "#ffd9b3", "current": "red"}


class Style:
    """What the labels show."""

    def __init__(self, show_attrs=False, show_saved=False, show_values=False, show_grads=False):
        self.show_attrs = show_attrs
        self.show_saved = show_saved
        self.show_values = show_values
        self.show_grads = show_grads


def _number(value):
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value):.4g}"


def value_lines(array, prefix=""):
    """A numpy array as label lines: every element when small, else min, mean and max."""
    if array.ndim == 0:
        return [prefix + _number(array.item())]
    if array.size <= VALUE_ELEMENTS:
        text = np.array2string(array, separator=", ", formatter={"all": _number}, max_line_width=48)
        lines = text.split("\n")
        return [prefix + lines[0]] + [line.strip() for line in lines[1:]]
    if array.dtype.kind not in "biu" and not is_floating(array.dtype):
        return [f"{prefix}{array.size} elements"]
    values = array.astype(np.float64)
    return [f"{prefix}min {_number(values.min())}, mean {_number(values.mean())}, max {_number(values.max())}"]


def shape_text(array):
    return f"{tuple(array.shape)} {array.dtype.name}"


def variable_lines(var, style, grad=None, own_grad=True):
    """Label lines of a variable; ``grad`` (an array) is shown instead of its ``.grad`` when given,
    and nothing is when ``own_grad`` is False and ``grad`` is None."""
    lines = [var.name] if var.name else []
    values = var.values
    if values is not None:
        lines.append(shape_text(values))
        if style.show_values:
            lines += value_lines(values)
    if style.show_grads:
        if grad is None and own_grad:
            grad = var.grad
        if grad is not None:
            lines += value_lines(grad, "grad ")
    return lines


def op_lines(op, style):
    lines = [op.name]
    if style.show_attrs:
        lines += [f"{name}={text}" for name, text in op_arguments(op.node).items()]
    if style.show_saved and saved_items(op.node) is None:
        lines.append("saved: freed by backward()")
    return lines


def _label(lines):
    return graphviz.nohtml("\\n".join(str(line).replace("\\", "\\\\") for line in lines))


class _Builder:
    """Emits nodes into nested cluster subgraphs, then edges, for one drawing."""

    def __init__(self, graph, style, layout, frame, rankdir, title):
        self.graph = graph
        self.style = style
        self.layout = layout
        self.frame = frame
        self.ids = {}
        self.root = graphviz.Digraph(graph_attr={"rankdir": rankdir, "ranksep": "0.3", "nodesep": "0.25"},
                                     node_attr={"fontsize": str(FONT_SIZE)})
        self.clusters = {(): self.root}
        if title and frame is not None:
            self.caption(title)
        elif title:
            self.root.attr(label=title, labelloc="t", fontsize="16")

    def caption(self, text):
        """A frame's title as a fixed-size node on top: unlike a graph label, its width never moves the graph."""
        with self.root.subgraph() as top:
            top.attr(rank="source")
            top.node("caption", _label([text]), shape="plaintext", fixedsize="true", fontsize="14",
                     width=f"{self.frame.caption_width:.2f}", height="0.4")

    def id_of(self, unit):
        node_id = self.ids.get(unit)
        if node_id is None:
            node_id = self.ids[unit] = f"n{len(self.ids)}"
        return node_id

    def body(self, path):
        """The (sub)graph for cluster ``path``, created with its parents on first use."""
        sub = self.clusters.get(path)
        if sub is None:
            self.body(path[:-1])
            sub = self.clusters[path] = graphviz.Digraph(name=f"cluster_{len(self.clusters)}")
            sub.attr(label=self.layout.cluster_titles.get(path, str(path[-1])), style="rounded", color="gray40",
                     labeljust="l", fontsize=str(FONT_SIZE + 1))
        return sub

    def node(self, unit, path, lines, **attrs):
        frame = self.frame
        if frame is not None:
            if unit in frame.sizes:
                attrs["width"], attrs["height"] = (f"{v:.2f}" for v in frame.sizes[unit])
            if unit == frame.current:
                attrs.update(color=COLORS["current"], penwidth="3")
            elif unit in frame.done:
                attrs["fillcolor"] = COLORS["done"]
        self.body(path).node(self.id_of(unit), _label(lines), **attrs)

    def variable(self, var):
        frame = self.frame
        grad = frame.grads.get(var.key) if frame is not None else None
        lines = variable_lines(var, self.style, grad, own_grad=frame is None)
        if frame is not None and self.style.show_grads and grad is None:
            lines.append("grad ·")  # not arrived yet
        kind = "output" if var.is_output else "leaf" if var.is_leaf else "variable"
        attrs = {"shape": "ellipse", "style": "filled", "fillcolor": COLORS[kind]}
        if not lines:  # an intermediate no one holds any more: a small unlabelled variable
            attrs.update(width="0.3", height="0.2")
        self.node(var.key, self._variable_cluster(var.key), lines, **attrs)

    def _variable_cluster(self, key):
        """A variable sits with what made it: in its cluster, or beside the box its producer is drawn in."""
        box_id = self.layout.box_of.get(self.graph.producer.get(key))
        if box_id is not None:
            return self.layout.boxes[box_id].cluster
        return self.layout.cluster_of.get(key, ())

    def op(self, op):
        path = self.layout.cluster_of.get(op.key, ())
        self.node(op.key, path, op_lines(op, self.style), shape="box", style="filled", fillcolor=COLORS["op"])
        if self.style.show_saved:
            for k, (what, value, _) in enumerate(saved_items(op.node) or ()):
                values = value.numpy(force=True) if isinstance(value, Tensor) else to_numpy(value)
                lines = [f"saved {what}", shape_text(values)]
                if self.style.show_values:
                    lines += value_lines(values)
                saved_id = ("saved", op.key, k)
                self.body(path).node(self.id_of(saved_id), _label(lines), shape="ellipse", style="filled,dashed",
                                     fillcolor=COLORS["saved"])
                self.root.edge(self.id_of(saved_id), self.id_of(op.key), style="dashed", arrowhead="none")

    def box(self, box_id, box):
        self.node(box_id, box.cluster, box.lines, shape="box3d" if box.kind == "repeat" else "box",
                  style="filled,rounded", fillcolor=COLORS[box.kind])

    def build(self):
        layout = self.layout
        skip = layout.dropped
        for key, var in self.graph.variables.items():
            if key not in skip and key not in layout.box_of:
                self.variable(var)
        for key, op in self.graph.ops.items():
            if key not in skip and key not in layout.box_of:
                self.op(op)
        for box_id, box in layout.boxes.items():
            if box_id not in skip:
                self.box(box_id, box)
        if layout.dropped_note:
            self.root.node(self.id_of("dropped"), _label([layout.dropped_note]), shape="note", style="filled",
                           fillcolor="white", color="gray40")
        self.edges()
        for path in sorted(self.clusters, key=len, reverse=True):
            if path:
                self.clusters[path[:-1]].subgraph(self.clusters[path])
        return self.root

    def edges(self):
        layout = self.layout
        seen = set()
        for source, target in self.graph.edges:
            if target in layout.dropped:
                continue
            a = "dropped" if source in layout.dropped else layout.unit(source)
            b = layout.unit(target)
            if a == b or (a == "dropped" and b in layout.dropped):
                continue
            merged = a == "dropped" or a in layout.boxes or b in layout.boxes
            if merged:  # edges into and out of boxes are drawn once
                if (a, b) in seen:
                    continue
                seen.add((a, b))
            self.root.edge(self.id_of(a), self.id_of(b))


def build_digraph(graph, style, layout=None, frame=None, rankdir="TB", title=None):
    """The ``graphviz.Digraph`` of ``graph`` (a ``RecordedGraph``) as ``layout`` arranges it.

    ``frame`` (used by ``backward_steps``) has ``grads`` (variable key -> gradient
    array arrived so far), ``current`` (the key being run), ``done`` (keys already
    run), ``sizes`` (key -> (width, height) in inches) and ``caption_width``
    (inches), which keep every frame's layout the same.
    """
    return _Builder(graph, style, layout or Layout(), frame, rankdir, title).build()


def _backward_roots(forward, show_backward):
    """The gradient tensors whose graph is drawn beside the forward one, with their names."""
    if show_backward is True:
        roots = []
        for var in forward.variables.values():
            grad = var.tensor.grad if var.is_leaf and var.tensor is not None else None
            if grad is not None and grad.grad_fn is not None:
                roots.append((grad, f"{var.name or 'leaf'}.grad"))
        if not roots:
            raise RuntimeError("make_dot(show_backward=True): no leaf has a gradient with a graph; run "
                               "backward(create_graph=True) (or autograd.grad(..., create_graph=True)) first")
        return roots
    tensors = as_tensors(show_backward, "make_dot(show_backward=...)")
    missing = [i for i, t in enumerate(tensors) if not isinstance(t, Tensor) or t.grad_fn is None]
    if missing:
        raise RuntimeError(f"make_dot(show_backward=...): gradient(s) {missing} have no graph; compute them with "
                           "create_graph=True")
    return [(t, t.name or f"gradient {i}") for i, t in enumerate(tensors)]


def _forward_and_backward(output, params, show_backward):
    forward = record_graph(output, params)
    roots = _backward_roots(forward, show_backward)
    graph = record_graph(as_tensors(output, "make_dot") + [t for t, _ in roots], params)
    for tensor, name in roots:
        graph.attach(tensor, name)
    layout = Layout()
    layout.cluster_titles[("forward",)] = "forward"
    layout.cluster_titles[("backward",)] = "backward (recorded by create_graph=True)"
    for key in list(graph.variables) + list(graph.ops):
        forward_part = key in forward.variables or key in forward.ops
        layout.cluster_of[key] = ("forward",) if forward_part else ("backward",)
    return graph, layout


def make_dot(output, params=None, show_attrs=False, show_saved=False, show_values=False, show_grads=False,
             show_backward=False, max_nodes=1000, max_depth=None, rankdir="TB", title=None):
    """Draw the graph autograd recorded for ``output`` (a tensor or a list/tuple of them).

    ``params`` (e.g. ``dict(model.named_parameters())``) names leaves; unnamed
    tensors show their ``name`` attribute. ``show_values`` prints forward values
    of the tensors still reachable, ``show_grads`` their ``.grad``,
    ``show_saved`` what each Function saved, ``show_attrs`` its arguments.
    ``show_backward=True`` (after ``backward(create_graph=True)``), or a list of
    gradient tensors, draws the backward graph beside the forward one.
    Graphs over ``max_nodes`` nodes get repeated blocks folded and are then cut
    to the nodes nearest the output; ``max_depth`` keeps only that many ops from
    the output. Returns a ``Drawing`` (``.render(path)``, ``.source``, inline in
    Jupyter).
    """
    if show_backward is not False and show_backward is not None:
        graph, layout = _forward_and_backward(output, params, show_backward)
    else:
        graph, layout = record_graph(output, params), Layout()
    summarise(graph, layout, max_nodes, max_depth)
    style = Style(show_attrs, show_saved, show_values, show_grads)
    return Drawing(build_digraph(graph, style, layout, rankdir=rankdir, title=title))
