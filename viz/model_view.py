"""The module view: run a model once and group its ops by the nn.Module that ran them.

Forward pre-hooks and hooks on every module note what each call received and
returned. A call's ops are those reachable from its outputs without passing
its inputs; each op goes to the innermost module that ran it, and each
parameter to the module that owns it. Modules become nested clusters, or,
collapsed, one box showing their input and output shapes.
"""
from autograd_core import Tensor

from .dot import Style, build_digraph, shape_text
from .graph import leaf_key, op_key, record_graph
from .layout import Box, Layout
from .render import Drawing
from .summary import MIN_REPEATS, drawn_size, summarise

__all__ = ["draw_model"]


class _Call:
    """One call of one module: what went in (and which ops made it) and what came out."""

    __slots__ = ("name", "module", "inputs", "input_ops", "outputs")

    def __init__(self, name, module, inputs, input_ops):
        self.name = name
        self.module = module
        self.inputs = inputs
        self.input_ops = input_ops  # keys of the ops behind the inputs, before forward (in-place safe)
        self.outputs = []


def _tensors_in(value):
    """The Tensors in a value made of tensors, tuples, lists and dicts."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors_in(item)]
    return []


def _run_recorded(model, inputs):
    """Call ``model(*inputs)`` with hooks on every module; returns (output, calls)."""
    calls, open_calls, handles = [], [], []

    def before(name):
        def hook(module, args):
            tensors = _tensors_in(args)
            input_ops = {op_key(t.grad_fn) for t in tensors if t.grad_fn is not None}
            open_calls.append(_Call(name, module, tensors, input_ops))
        return hook

    def after(module, args, output):
        call = open_calls.pop()
        call.outputs = _tensors_in(output)
        calls.append(call)

    try:
        for name, module in model.named_modules():
            handles.append(module.register_forward_pre_hook(before(name)))
            handles.append(module.register_forward_hook(after))
        output = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return output, calls


def _region(graph, call):
    """The ops a call ran: reachable from its outputs without going past the ops behind its inputs."""
    stack = [op_key(t.grad_fn) for t in call.outputs if t.grad_fn is not None]
    region = set()
    while stack:
        key = stack.pop()
        if key in region or key in call.input_ops or key not in graph.ops:
            continue
        region.add(key)
        stack.extend(graph.producer[var] for var in graph.inputs.get(key, ()) if var in graph.producer)
    return region


def _module_paths(names):
    """Cluster path of each module: the qualified names of its ancestors and itself, root left out."""
    paths = {}
    for name in names:
        parts = name.split(".") if name else []
        paths[name] = tuple(".".join(parts[:i + 1]) for i in range(len(parts)))
    return paths


def _shapes(tensors):
    return ", ".join(str(tuple(t.shape)) for t in tensors) or "()"


def _signature(module, call):
    """What makes two sibling modules 'the same block': type, parameter shapes, input and output shapes."""
    params = tuple((name, tuple(p.shape)) for name, p in module.named_parameters())
    return (type(module).__name__, params, tuple(shape_text(t.array) for t in call.inputs),
            tuple(shape_text(t.array) for t in call.outputs))


def _repeated_siblings(model, first_calls):
    """Runs of MIN_REPEATS+ consecutive identical sibling modules: [[name, ...], ...]."""
    runs = []
    for parent_name, parent in model.named_modules():
        prefix = parent_name + "." if parent_name else ""
        run, previous = [], None
        for child_name, child in list(parent.named_children()) + [(None, None)]:
            name = prefix + child_name if child_name is not None else None
            call = first_calls.get(name)
            signature = _signature(child, call) if call is not None else None
            if signature is not None and signature == previous:
                run.append(name)
                continue
            if len(run) >= MIN_REPEATS:
                runs.append(run)
            run, previous = ([name], signature) if signature is not None else ([], None)
    return runs


def _box_lines(title, modules, first_call, last_call):
    n_params = sum(p.numel() for module in modules for p in module.parameters())
    lines = [title, f"{_shapes(first_call.inputs)} → {_shapes(last_call.outputs)}"]
    if n_params:
        lines.append(f"{n_params:,} parameters")
    return lines


def _plan_boxes(model, names, paths, first_calls, collapse, depth, fold_repeats):
    """Which modules are drawn as one box: {module name: box id}, and the boxes."""
    modules = dict(model.named_modules())
    box_of_module, boxes = {}, {}
    runs = _repeated_siblings(model, first_calls) if fold_repeats else []
    for run in runs:
        box_id = ("run", run[0])
        module = modules[run[0]]
        title = f"{run[0]} … {run[-1]}: {type(module).__name__} × {len(run)}"
        boxes[box_id] = Box(_box_lines(title, [modules[name] for name in run], first_calls[run[0]],
                                       first_calls[run[-1]]), paths[run[0]][:-1])
        for name in run:
            box_of_module[name] = box_id
    for name in names:
        if not name or name in box_of_module or name not in first_calls:
            continue
        module = modules[name]
        at_depth = depth is not None and len(paths[name]) >= depth
        if at_depth or (collapse and not any(True for _ in module.children())):
            box_id = ("module", name)
            boxes[box_id] = Box(_box_lines(f"{name}: {type(module).__name__}", [module], first_calls[name],
                                           first_calls[name]), paths[name][:-1])
            box_of_module[name] = box_id
    return box_of_module, boxes


def _owner_box(path, box_of_module):
    """The box of the outermost collapsed module on ``path``, if any."""
    for name in path:
        if name in box_of_module:
            return box_of_module[name]
    return None


def draw_model(model, example_input, collapse=False, depth=None, fold_repeats=None, show_values=False,
               show_grads=False, show_attrs=False, show_saved=False, max_nodes=1000, rankdir="TB"):
    """Run ``model`` once on ``example_input`` (a tensor or a tuple of arguments) and draw it by module.

    Each module's ops sit in a cluster titled ``name: Type`` (nested as the
    modules are), with its parameters inside. ``collapse=True`` draws every
    module without children as one box with its input and output shapes (the
    architecture diagram); ``depth=d`` does so for the modules ``d`` levels
    down (1: the model's children). ``fold_repeats`` draws runs of identical
    consecutive sibling modules as one box ``× n`` (by default only when the
    drawing would exceed ``max_nodes``). Floating inputs are drawn as leaves
    named ``input``. The model runs in its current mode (in training mode,
    dropout is drawn and BatchNorm updates its running statistics).
    """
    if not hasattr(model, "named_modules") or not callable(model):
        raise TypeError(f"draw_model: expected an nn.Module, got {type(model).__name__}")
    if depth is not None and (not isinstance(depth, int) or depth < 1):
        raise ValueError(f"draw_model: depth must be a positive int (1 = the model's children), got {depth!r}")
    args = tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)
    args = tuple(_as_leaf(a, i, len(args)) for i, a in enumerate(args))
    output, calls = _run_recorded(model, args)
    outputs = [t for t in _tensors_in(output) if t.requires_grad]
    if not outputs:
        raise RuntimeError(f"draw_model: {type(model).__name__}'s output does not depend on anything that requires "
                           "grad, so nothing was recorded (are all its parameters frozen?)")
    params = dict(model.named_parameters())
    params.update({t.name: t for t in args if getattr(t, "name", None) and getattr(t, "requires_grad", False)})
    graph = record_graph(outputs, params, [t for call in calls for t in call.inputs + call.outputs],
                         caller="draw_model")
    layout = _module_layout(model, graph, calls, params, collapse, depth, fold_repeats, max_nodes)
    summarise(graph, layout, max_nodes)
    style = Style(show_attrs, show_saved, show_values, show_grads)
    title = type(model).__name__
    return Drawing(build_digraph(graph, style, layout, rankdir=rankdir, title=title))


def _as_leaf(value, index, count):
    """A floating tensor argument as a fresh leaf that requires grad, so the drawing shows it."""
    if not isinstance(value, Tensor) or not value.is_floating_point():
        return value
    leaf = value.detach().requires_grad_(True)
    leaf.name = "input" if count == 1 else f"input {index}"
    return leaf


def _module_layout(model, graph, calls, params, collapse, depth, fold_repeats, max_nodes):
    names = [name for name, _ in model.named_modules()]
    paths = _module_paths(names)
    layout = Layout()
    for name, module in model.named_modules():
        if name:
            layout.cluster_titles[paths[name]] = f"{name}: {type(module).__name__}"
    for call in sorted(calls, key=lambda c: len(paths[c.name])):  # deeper calls overwrite: innermost wins
        for key in _region(graph, call):
            layout.cluster_of[key] = paths[call.name]
    for name, param in params.items():
        owner = name.rpartition(".")[0]
        if owner in paths and leaf_key(param) in graph.variables:
            layout.cluster_of[leaf_key(param)] = paths[owner]
    for key in graph.variables:
        producer = graph.producer.get(key)
        if producer is not None and producer in layout.cluster_of:
            layout.cluster_of[key] = layout.cluster_of[producer]
    first_calls = {}
    for call in calls:
        first_calls.setdefault(call.name, call)
    if fold_repeats is None:
        fold_repeats = max_nodes is not None and drawn_size(graph, layout) > max_nodes
    box_of_module, boxes = _plan_boxes(model, names, paths, first_calls, collapse, depth, fold_repeats)
    if boxes:
        for key in list(graph.ops) + list(graph.variables):
            path = layout.cluster_of.get(key)
            box_id = _owner_box(path, box_of_module) if path else None
            if box_id is not None and (key in graph.ops or graph.variables[key].is_leaf):
                layout.box_of[key] = box_id
        layout.boxes.update((box_id, box) for box_id, box in boxes.items()
                            if box_id in set(layout.box_of.values()))
        layout.absorb_variables(graph, leaves=False)
    return layout
