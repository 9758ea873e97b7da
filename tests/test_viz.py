"""viz: render real files with both renderers and read them back (SVG through xml.etree)."""
import re
import shutil
import struct
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd_core as torch
import nn
import viz
from autograd_core import engine
from examples.models import CNN, MyNet
from viz import render
from viz.__main__ import main as cli_main

SVG = "{http://www.w3.org/2000/svg}"
# graphviz-pure comes with the package, so it is always exercised; the system dot when installed
RENDERERS = ["graphviz-pure"] + (["dot"] if shutil.which("dot") else [])


@pytest.fixture(params=RENDERERS)
def renderer(request):
    return request.param


class Svg:
    """A rendered SVG read back: nodes, clusters and edges with their texts."""

    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.nodes, self.clusters, self.edges = [], [], []
        for group in root.iter(f"{SVG}g"):
            kind = group.get("class")
            title = group.findtext(f"{SVG}title")
            texts = [t.text or "" for t in group.iter(f"{SVG}text")]
            if kind == "node":
                shape = "ellipse" if group.find(f"{SVG}ellipse") is not None else "box"
                self.nodes.append({"id": title, "shape": shape, "texts": texts, "group": group})
            elif kind == "cluster":
                self.clusters.append({"id": title, "label": " ".join(texts), "box": _bbox(group)})
            elif kind == "edge":
                self.edges.append(tuple(title.split("->")))

    def find(self, *texts):
        """The nodes whose label has all of ``texts`` as lines."""
        return [n for n in self.nodes if all(t in n["texts"] for t in texts)]

    def one(self, *texts):
        found = self.find(*texts)
        assert len(found) == 1, (texts, [n["texts"] for n in self.nodes])
        return found[0]

    def shapes(self, shape):
        return [n for n in self.nodes if n["shape"] == shape]

    def in_degree(self, node):
        return sum(1 for _, b in self.edges if b == node["id"])

    def out_degree(self, node):
        return sum(1 for a, _ in self.edges if a == node["id"])

    def cluster(self, label):
        found = [c for c in self.clusters if c["label"] == label]
        assert len(found) == 1, (label, [c["label"] for c in self.clusters])
        return found[0]

    def inside(self, node, cluster):
        x, y = _center(node["group"])
        x0, y0, x1, y1 = cluster["box"]
        return x0 <= x <= x1 and y0 <= y <= y1


def _points(element):
    """The coordinates of a polygon's points or a path's (rounded clusters are paths)."""
    values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", element.get("points") or element.get("d"))]
    return values[0::2], values[1::2]


def _bbox(group):
    outline = group.find(f"{SVG}polygon")
    xs, ys = _points(outline if outline is not None else group.find(f"{SVG}path"))
    return min(xs), min(ys), max(xs), max(ys)


def _center(group):
    ellipse = group.find(f"{SVG}ellipse")
    if ellipse is not None:
        return float(ellipse.get("cx")), float(ellipse.get("cy"))
    outline = group.find(f"{SVG}polygon")
    if outline is None:  # plain text
        text = group.find(f"{SVG}text")
        return float(text.get("x")), float(text.get("y"))
    xs, ys = _points(outline)
    return sum(xs) / len(xs), sum(ys) / len(ys)


def rendered(drawing, tmp_path, renderer, name="graph.svg"):
    return Svg(drawing.render(tmp_path / name, renderer=renderer))


def leaf(value, name):
    t = torch.tensor(value, requires_grad=True)
    t.name = name
    return t


def apple_graph():
    apple, num, tax = leaf(100.0, "apple"), leaf(2.0, "num"), leaf(1.1, "tax")
    return apple * num * tax, (apple, num, tax)


# ----- make_dot: the course's examples -----

def test_apple_graph_shows_values_and_gradients(tmp_path, renderer):
    price, _ = apple_graph()
    price.backward()
    svg = rendered(viz.make_dot(price, show_values=True, show_grads=True), tmp_path, renderer)
    assert len(svg.shapes("ellipse")) == 5 and len(svg.shapes("box")) == 2
    assert len(svg.find("MulBackward0")) == 2 and len(svg.edges) == 6
    apple = svg.one("apple", "() float32", "100", "grad 2.2")
    assert svg.one("num", "2", "grad 110") and svg.one("tax", "1.1", "grad 200")
    output = svg.one("() float32", "220")
    assert svg.in_degree(apple) == 0 and svg.out_degree(apple) == 1
    assert svg.out_degree(output) == 0 and svg.in_degree(output) == 1


def test_intermediate_value_known_while_saved(tmp_path):
    price, _ = apple_graph()
    price.backward(retain_graph=True)  # the second Mul still holds apple * num
    svg = rendered(viz.make_dot(price, show_values=True), tmp_path, "graphviz-pure")
    intermediate = svg.one("() float32", "200")
    assert svg.in_degree(intermediate) == 1 and svg.out_degree(intermediate) == 1


def test_f_of_three_variables(tmp_path, renderer):
    x1, x2, x3 = leaf(1.0, "x1"), leaf(2.0, "x2"), leaf(3.0, "x3")
    f = (x1 - 2 * x2 - 1) ** 2 + (x2 * x3 - 1) ** 2 + 1
    f.backward()
    svg = rendered(viz.make_dot(f, show_values=True, show_grads=True), tmp_path, renderer)
    assert len(svg.shapes("box")) == 9  # 2 mul, 3 sub, 2 pow, 2 add
    assert len(svg.shapes("ellipse")) == 12  # 3 leaves, 8 intermediates, the output
    assert svg.one("x1", "grad -8") and svg.one("x3", "grad 20")
    x2 = svg.one("x2", "grad 46")
    assert svg.out_degree(x2) == 2  # used by two products
    assert svg.one("() float32", "42")
    assert [n["texts"] for n in svg.shapes("box")].count(["PowBackward0"]) == 2


def test_fan_out_sums_gradients(tmp_path, renderer):
    x = leaf([0.5, 1.0], "x")
    y = (x * x + x.exp()).sum()
    y.backward()
    expected = 2 * x.numpy(force=True) + np.exp(x.numpy(force=True))
    svg = rendered(viz.make_dot(y, show_grads=True), tmp_path, renderer)
    node = svg.one("x", "(2,) float32")
    assert svg.out_degree(node) == 3  # x * x takes it twice, exp once
    grad_line = [t for t in node["texts"] if t.startswith("grad")][0]
    assert np.allclose([float(v) for v in re.findall(r"[-\d.]+", grad_line)], expected, rtol=1e-3)


def test_params_names_leaves_and_attrs_and_saved(tmp_path):
    w = torch.randn(3, 2, requires_grad=True)
    w.name = "w"  # params take precedence over the name attribute
    x = torch.randn(2, 3)
    y = (x @ w).sum(dim=1, keepdim=True) * 2
    drawing = viz.make_dot(y, params={"weight": w}, show_attrs=True, show_saved=True)
    svg = rendered(drawing, tmp_path, "graphviz-pure")
    assert svg.one("weight", "(3, 2) float32") and not svg.find("w")
    assert svg.find("axes=(1,)", "keepdim=True")
    saved = [n for n in svg.nodes if n["texts"] and n["texts"][0].startswith("saved input")]
    assert len(saved) >= 3  # matmul saves both inputs, mul its tensor operands
    y.backward(torch.ones(2, 1))
    svg = rendered(viz.make_dot(y, show_saved=True), tmp_path, "graphviz-pure", "after.svg")
    assert not [n for n in svg.nodes if n["texts"] and n["texts"][0].startswith("saved input")]
    assert any("saved: freed by backward()" in n["texts"] for n in svg.nodes)


def test_convolution_shows_stride_and_padding(tmp_path):
    conv = nn.Conv2d(1, 2, 3, stride=2, padding=1)
    y = conv(torch.randn(1, 1, 5, 5))
    svg = rendered(viz.make_dot(y, dict(conv.named_parameters()), show_attrs=True), tmp_path, "graphviz-pure")
    assert svg.one("ConvolutionBackward0", "stride=(2, 2)", "padding=(1, 1)", "kernel=(3, 3)")
    assert svg.one("weight", "(2, 1, 3, 3) float32") and svg.one("(1, 2, 3, 3) float32")


def test_large_values_are_summarised(tmp_path):
    x = leaf(np.arange(20, dtype=np.float32), "x")
    svg = rendered(viz.make_dot(x * 2, show_values=True), tmp_path, "graphviz-pure")
    assert svg.one("x", "(20,) float32", "min 0, mean 9.5, max 19")


def test_several_outputs_and_bad_arguments():
    a = leaf(1.0, "a")
    drawing = viz.make_dot([a * 2, (a.exp(), a.sin())])
    assert drawing.source.count("darkolivegreen1") == 3
    hidden = a * 3  # an intermediate that nothing saves: params names it and gives its value
    drawing = viz.make_dot(hidden + 1, params={"hidden": hidden}, show_values=True)
    assert 'label="hidden\\n() float32\\n3"' in drawing.source
    with pytest.raises(TypeError, match="make_dot: expected a Tensor"):
        viz.make_dot("not a tensor")
    with pytest.raises(TypeError, match="params must be a dict"):
        viz.make_dot(a * 2, params=[a])


def test_backward_graph_beside_forward(tmp_path, renderer):
    x = leaf(2.0, "x")
    y = x ** 3
    y.backward(create_graph=True)
    svg = rendered(viz.make_dot(y, show_backward=True, show_values=True), tmp_path, renderer)
    forward, backward = svg.cluster("forward"), svg.cluster("backward (recorded by create_graph=True)")
    assert svg.inside(svg.one("x", "2"), forward) and svg.inside(svg.one("() float32", "8"), forward)
    assert svg.inside(svg.one("x.grad", "() float32", "12"), backward)
    assert svg.inside(svg.one("() float32", "4"), backward)  # x ** 2, recorded by the backward pass
    assert svg.out_degree(svg.one("x", "2")) == 2  # the backward graph uses x too
    with pytest.raises(RuntimeError, match="create_graph=True"):
        z = leaf(1.0, "z")
        (z * 2).backward()
        viz.make_dot(z * 2, show_backward=True)


# ----- rendering -----

def test_png_is_a_valid_image(tmp_path, renderer):
    price, _ = apple_graph()
    data = viz.make_dot(price).render(tmp_path / "g.png", renderer=renderer).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert 50 < width < 5000 and 100 < height < 5000


def test_pdf_needs_system_dot(tmp_path):
    drawing = viz.make_dot(apple_graph()[0])
    with pytest.raises(RuntimeError, match="graphviz-pure cannot write 'pdf'"):
        drawing.render(tmp_path / "g.pdf", renderer="graphviz-pure")
    if "dot" in RENDERERS:
        assert drawing.render(tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"


def test_dot_source_and_jupyter_display(tmp_path):
    drawing = viz.make_dot(apple_graph()[0])
    text = drawing.render(tmp_path / "g.dot").read_text()
    assert text.startswith("digraph") and text == drawing.source
    assert "<svg" in drawing._repr_svg_()
    assert set(drawing._repr_mimebundle_()) == {"image/svg+xml"}
    assert drawing._repr_mimebundle_(exclude={"image/svg+xml"}) == {}
    with pytest.raises(ValueError, match="cannot tell the format"):
        drawing.render(tmp_path / "noextension")


def test_render_with_a_format_follows_graphvizs_convention(tmp_path):
    """torchviz users write ``dot.format = "png"; dot.render("graph")``: graph (the DOT source) and graph.png."""
    drawing = viz.make_dot(apple_graph()[0])
    drawing.format = "png"
    path = drawing.render("graph", directory=tmp_path)
    assert path == tmp_path / "graph.png" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "graph").read_text() == drawing.source
    path = drawing.render(tmp_path / "other", format="svg", cleanup=True)
    assert path == tmp_path / "other.svg" and "<svg" in path.read_text() and not (tmp_path / "other").exists()
    with pytest.raises(ValueError, match=r"view=True\) would open a viewer"):
        drawing.render(tmp_path / "g", view=True)


def test_renderer_choice_and_missing_renderer(tmp_path, monkeypatch):
    real = render._find_program
    monkeypatch.setattr(render, "_find_program", lambda name: None if name == "dot" else real(name))
    drawing = viz.make_dot(apple_graph()[0])
    assert viz.find_renderer().name == "graphviz-pure"
    assert b"graphviz-pure" in drawing.pipe("svg")
    with pytest.raises(RuntimeError, match="needs the system Graphviz"):
        drawing.render(tmp_path / "g.pdf")
    monkeypatch.setattr(render, "_find_program", lambda name: None)
    with pytest.raises(RuntimeError, match="pip install graphviz-pure"):
        drawing.render(tmp_path / "g.svg")
    with pytest.raises(ValueError, match="unknown renderer"):
        drawing.render(tmp_path / "g.svg", renderer="neato")


# ----- large graphs -----

@pytest.fixture(scope="module")
def long_chain():
    y = leaf([1.0, 2.0], "x")
    for _ in range(10_000):
        y = y * 1.0001
    return y


def test_ten_thousand_node_chain_is_folded_quickly(tmp_path, renderer, long_chain):
    y = long_chain
    start = time.perf_counter()
    svg = rendered(viz.make_dot(y), tmp_path, renderer)
    assert time.perf_counter() - start < 60  # sanity bound only; the README states the measured time
    box = svg.one("MulBackward0 × 10000", "(10000 ops folded)")
    assert svg.one("x", "(2,) float32") and len(svg.nodes) == 3
    assert svg.in_degree(box) == 1 and svg.out_degree(box) == 1


def test_depth_and_size_limits_cut_near_the_output(tmp_path):
    x = leaf(0.5, "x")
    y = x
    for i in range(600):
        y = y.sin() if i % 2 else y * 1.5 + 0.1
    svg = rendered(viz.make_dot(y), tmp_path, "graphviz-pure")  # 1,801 nodes: over max_nodes, so folded
    assert svg.one("[MulBackward0 → AddBackward0 → SinBackward0] × 300", "(900 ops folded)")
    svg = rendered(viz.make_dot(y, max_nodes=None, max_depth=3), tmp_path, "graphviz-pure", "cut.svg")
    assert [n["texts"] for n in svg.shapes("box")] == [["MulBackward0"], ["AddBackward0"], ["SinBackward0"],
                                                       ["⋯ 1,794 earlier nodes not drawn"]]
    assert svg.in_degree(svg.one("MulBackward0")) == 1  # its input variable, fed by the note
    drawing = viz.make_dot(y, max_nodes=None)
    assert drawing.source.count("SinBackward0") == 300


def test_branching_graph_over_the_limit_is_cut(tmp_path):
    x = leaf(0.5, "x")
    ys = [x]
    for i in range(1500):
        ys.append(ys[-1] * ys[-2 if i else -1] if i % 3 == 0 else ys[-1].sin() + ys[i // 2])
    svg = rendered(viz.make_dot(ys[-1], max_nodes=300), tmp_path, "graphviz-pure")
    assert len(svg.nodes) < 400
    assert len([n for n in svg.nodes if "earlier nodes not drawn" in " ".join(n["texts"])]) == 1


# ----- backward step by step -----

class _Order(engine.Observer):
    def __init__(self):
        self.names = []

    def before(self, node, grads):
        self.names.append(type(node).__name__)


def _engine_order(build):
    with engine.observe(_Order()) as order:
        build().backward()
    return order.names


def test_backward_steps_html_follows_engine_order(tmp_path):
    order = _engine_order(lambda: apple_graph()[0])
    price, (apple, num, tax) = apple_graph()
    page = viz.backward_steps(price, tmp_path / "steps.html", renderer="graphviz-pure")
    text = page.read_text()
    assert float(apple.grad) == pytest.approx(2.2) and float(tax.grad) == pytest.approx(200)
    assert re.search(r'<input id="slider" type="range" min="0" max="5"', text)
    captions = re.findall(r'data-caption="([^"]*)"', text)
    assert len(captions) == 6 == len(order) + 1
    ran = [re.search(r"(AccumulateGrad|\w+Backward0)", c).group(1) for c in captions[1:]]
    assert ran == order
    assert "tax.grad" in captions[2] and "200" in captions[2]
    frames = [ET.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", text, re.S)]
    assert len(frames) == 6
    last = [t.text for t in frames[-1].iter(f"{SVG}text")]
    assert "grad 2.2" in last and "grad 110" in last and "grad 200" in last and "grad 1.1" in last
    first = [t.text for t in frames[0].iter(f"{SVG}text")]
    assert "grad 2.2" not in first and first.count("grad ·") == 5


def test_backward_steps_svg_frames_keep_the_layout(tmp_path, renderer):
    x1, x2, x3 = leaf(1.0, "x1"), leaf(2.0, "x2"), leaf(3.0, "x3")
    f = (x1 - 2 * x2 - 1) ** 2 + (x2 * x3 - 1) ** 2 + 1
    paths = viz.backward_steps(f, tmp_path / "frames", renderer=renderer)
    assert len(paths) == 13  # the forward graph, then 9 ops and 3 leaves
    positions = []
    for path in paths:
        svg = Svg(path)
        positions.append(sorted(_center(n["group"]) for n in svg.nodes))
        current = [n for n in svg.nodes if any(e.get("stroke") == "red" for e in n["group"])]
        assert len(current) == (0 if path is paths[0] else 1)
    assert all(p == positions[0] for p in positions)
    assert float(x2.grad) == pytest.approx(46)
    with pytest.raises(RuntimeError, match="requires grad"):
        viz.backward_steps(torch.tensor(1.0), tmp_path / "x.html")


# ----- the module view -----

def test_draw_model_mlp_clusters_hold_their_parameters(tmp_path, renderer):
    svg = rendered(viz.draw_model(MyNet(), torch.randn(1, 784)), tmp_path, renderer)
    titles = sorted(c["label"] for c in svg.clusters)
    assert titles == ["fc1: Linear", "fc2: Linear", "relu: ReLU"]
    fc1, fc2 = svg.cluster("fc1: Linear"), svg.cluster("fc2: Linear")
    assert svg.inside(svg.one("fc1.weight", "(300, 784) float32"), fc1)
    assert svg.inside(svg.one("fc1.bias", "(300,) float32"), fc1)
    assert svg.inside(svg.one("fc2.weight", "(10, 300) float32"), fc2)
    assert not svg.inside(svg.one("fc2.weight", "(10, 300) float32"), fc1)
    assert not svg.inside(svg.one("input", "(1, 784) float32"), fc1)
    assert svg.one("(1, 10) float32")
    assert "MyNet" in [t.text for t in ET.parse(tmp_path / "graph.svg").getroot().iter(f"{SVG}text")]


def test_draw_model_collapsed_is_the_architecture_diagram(tmp_path, renderer):
    svg = rendered(viz.draw_model(MyNet(), torch.randn(1, 784), collapse=True), tmp_path, renderer)
    assert not svg.clusters
    fc1 = svg.one("fc1: Linear", "(1, 784) → (1, 300)", "235,500 parameters")
    relu = svg.one("relu: ReLU", "(1, 300) → (1, 300)")
    fc2 = svg.one("fc2: Linear", "(1, 300) → (1, 10)", "3,010 parameters")
    ids = {n["id"]: n["texts"][0] for n in svg.nodes}
    assert sorted((ids[a], ids[b]) for a, b in svg.edges) == sorted(
        [("input", "fc1: Linear"), ("fc1: Linear", "relu: ReLU"), ("relu: ReLU", "fc2: Linear"),
         ("fc2: Linear", "(1, 10) float32")])
    assert fc1 and relu and fc2


@pytest.fixture(scope="module")
def cnn():
    return CNN()


def test_draw_model_course_cnn(tmp_path, renderer, cnn):
    model = cnn
    svg = rendered(viz.draw_model(model, torch.randn(1, 1, 28, 28)), tmp_path, renderer)
    assert sorted(c["label"] for c in svg.clusters) == sorted(
        ["conv: Conv2d", "relu1: ReLU", "flatten: Flatten", "fc1: Linear", "relu2: ReLU", "fc2: Linear"])
    assert svg.inside(svg.one("conv.weight", "(10, 1, 3, 3) float32"), svg.cluster("conv: Conv2d"))
    assert svg.one("(1, 6760) float32")
    svg = rendered(viz.draw_model(model, torch.randn(1, 1, 28, 28), collapse=True), tmp_path, renderer, "c.svg")
    assert svg.one("conv: Conv2d", "(1, 1, 28, 28) → (1, 10, 26, 26)", "100 parameters")
    assert svg.one("flatten: Flatten", "(1, 10, 26, 26) → (1, 6760)")
    assert len(svg.shapes("box")) == 6


class _Tagger(nn.Module):
    """An LSTM inside a model, to check clusters around a many-op module."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 3)
        self.head = nn.Linear(3, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out)


def test_draw_model_lstm(tmp_path, renderer):
    model = _Tagger()
    svg = rendered(viz.draw_model(model, torch.randn(3, 1, 4)), tmp_path, renderer)
    lstm = svg.cluster("lstm: LSTM")
    assert svg.inside(svg.one("lstm.weight_ih_l0", "(12, 4) float32"), lstm)
    assert svg.inside(svg.one("lstm.weight_hh_l0", "(12, 3) float32"), lstm)
    inner = [n for n in svg.shapes("box") if svg.inside(n, lstm)]
    assert [n["texts"] for n in inner] == [["MkldnnRnnLayerBackward0"]]  # one fused node, as PyTorch records
    head = svg.cluster("head: Linear")
    assert not any(svg.inside(n, head) for n in inner)
    svg = rendered(viz.draw_model(model, torch.randn(3, 1, 4), collapse=True), tmp_path, renderer, "c.svg")
    assert svg.one("lstm: LSTM", "(3, 1, 4) → (3, 1, 3), (1, 1, 3), (1, 1, 3)", "108 parameters")


class _Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.fc(x))


class _Deep(nn.Module):
    def __init__(self, blocks=6):
        super().__init__()
        self.inp = nn.Linear(4, 8)
        self.blocks = nn.Sequential(*[_Block() for _ in range(blocks)])
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.blocks(self.inp(x)))


def test_draw_model_folds_repeated_blocks_and_limits_depth(tmp_path):
    model = _Deep()
    svg = rendered(viz.draw_model(model, torch.randn(2, 4), fold_repeats=True), tmp_path, "graphviz-pure")
    box = svg.one("blocks.0 … blocks.5: _Block × 6", "(2, 8) → (2, 8)", "432 parameters")
    assert svg.inside(box, svg.cluster("blocks: Sequential"))
    assert not svg.find("blocks.3.fc.weight", "(8, 8) float32")
    detailed = rendered(viz.draw_model(model, torch.randn(2, 4)), tmp_path, "graphviz-pure", "d.svg")
    assert len(detailed.find("TanhBackward0")) == 6 and len(detailed.clusters) == 3 + 6 * 3
    shallow = rendered(viz.draw_model(model, torch.randn(2, 4), depth=1), tmp_path, "graphviz-pure", "s.svg")
    assert [n["texts"][0] for n in shallow.shapes("box")] == ["inp: Linear", "blocks: Sequential", "out: Linear"]
    with pytest.raises(ValueError, match="depth must be a positive int"):
        viz.draw_model(model, torch.randn(2, 4), depth=0)


def test_draw_model_errors():
    with pytest.raises(TypeError, match="expected an nn.Module"):
        viz.draw_model(lambda x: x, torch.randn(2))
    with pytest.raises(RuntimeError, match="nothing was recorded"):
        viz.draw_model(nn.Flatten(), torch.ones(1, 2, 2, dtype=torch.int64))  # integers never require grad


# ----- command line -----

def test_cli_draws_a_model_class(tmp_path, capsys):
    out = tmp_path / "mynet.svg"
    cli_main(["examples.models:MyNet", "--input", "1,784", "-o", str(out), "--renderer", "graphviz-pure"])
    assert capsys.readouterr().out.strip() == str(out)
    svg = Svg(out)
    assert len(svg.clusters) == 3 and svg.one("input", "(1, 784) float32")
    png = tmp_path / "cnn.png"
    cli_main(["examples.models:CNN", "--input", "1,1,28,28", "--collapse", "-o", str(png), "--renderer",
              "graphviz-pure"])
    assert png.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(SystemExit, match="has no 'Nope'"):
        cli_main(["examples.models:Nope", "--input", "1,784"])
    with pytest.raises(SystemExit, match="expected MODULE:CLASS"):
        cli_main(["examples.models", "--input", "1,784"])
