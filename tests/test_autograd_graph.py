"""autograd.graph: Node, AccumulateGrad, increment_version and the observer hook point, against PyTorch."""
import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import graph

torch_ref = pytest.importorskip("torch")


class _Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * grad


def test_grad_fns_and_accumulators_are_nodes():
    x = torch.ones(3, requires_grad=True)
    y = (x * 2).sum()
    ref_x = torch_ref.ones(3, requires_grad=True)
    ref_y = (ref_x * 2).sum()
    assert isinstance(y.grad_fn, graph.Node) is isinstance(ref_y.grad_fn, torch_ref.autograd.graph.Node) is True
    accumulate = y.grad_fn.next_functions[0][0].next_functions[0][0]
    ref_accumulate = ref_y.grad_fn.next_functions[0][0].next_functions[0][0]
    assert isinstance(accumulate, graph.AccumulateGrad) and isinstance(accumulate, graph.Node)
    assert isinstance(ref_accumulate, torch_ref.autograd.graph.Node)
    assert accumulate.variable is x and ref_accumulate.variable is ref_x
    assert isinstance(_Cube.apply(x).grad_fn, graph.Node)
    assert not isinstance(x, graph.Node) and not isinstance(3, graph.Node)
    assert x.grad_fn is None and ref_x.grad_fn is None


def test_node_names_and_edges_match_torch():
    x, ref_x = torch.ones(3, requires_grad=True), torch_ref.ones(3, requires_grad=True)
    y, ref_y = x * torch.ones(3), ref_x * torch_ref.ones(3)
    assert y.grad_fn.name() == ref_y.grad_fn.name() == "MulBackward0"
    assert type(y.grad_fn).__name__ == type(ref_y.grad_fn).__name__ == "MulBackward0"
    edges = [(type(n).__name__ if n is not None else None, i) for n, i in y.grad_fn.next_functions]
    ref_edges = [(type(n).__name__ if n is not None else None, i) for n, i in ref_y.grad_fn.next_functions]
    assert edges == ref_edges == [("AccumulateGrad", 0), (None, 0)]
    assert _Cube.apply(x).grad_fn.name() == "_CubeBackward"


def _versions(module, steps):
    """Run ``steps`` on a base tensor and its views with ``module``; the version counters after each."""
    base = module.zeros(4)
    view, detached, data = base[1:], base.detach(), base.data
    seen = []
    for step in steps:
        step(module.autograd.graph, base, view, detached, data)
        seen.append((base._version, view._version, detached._version, data._version))
    return seen


_STEPS = [
    lambda g, base, view, detached, data: g.increment_version(view),
    lambda g, base, view, detached, data: g.increment_version(base),
    lambda g, base, view, detached, data: g.increment_version([base, view]),
    lambda g, base, view, detached, data: g.increment_version((t for t in [detached])),
    lambda g, base, view, detached, data: g.increment_version(data),
    lambda g, base, view, detached, data: g.increment_version([]),
]


def test_increment_version_counts_as_torch_views_and_detach_share_data_does_not():
    assert _versions(torch, _STEPS) == _versions(torch_ref, _STEPS)
    assert _versions(torch, _STEPS)[-1] == (5, 5, 5, 1)


@pytest.mark.parametrize("argument", [3, [torch.zeros(1), 3], None])
def test_increment_version_refuses_non_tensors(argument):
    ref_argument = [torch_ref.zeros(1), 3] if isinstance(argument, list) else argument
    with pytest.raises(RuntimeError):
        torch_ref.autograd.graph.increment_version(ref_argument)
    with pytest.raises(RuntimeError, match="increment_version: expected"):
        graph.increment_version(argument)


def test_refused_iterable_changes_nothing():
    t = torch.zeros(1)
    with pytest.raises(RuntimeError, match="got int"):
        graph.increment_version([t, 3])
    assert t._version == 0


def test_increment_version_is_seen_by_saved_tensor_checks():
    def run(module):
        x = module.ones(3, requires_grad=True)
        w = module.ones(3, requires_grad=True)
        y = (x * w).sum()
        w.detach().numpy()[0] = 2.0  # a write autograd cannot see ...
        module.autograd.graph.increment_version(w)  # ... until it is announced
        with pytest.raises(RuntimeError) as error:
            y.backward()
        return str(error.value)

    ours, ref = run(torch), run(torch_ref)
    prefix = "one of the variables needed for gradient computation has been modified by an inplace operation"
    assert ours.startswith(prefix) and ref.startswith(prefix)
    assert "is at version 1; expected version 0 instead" in ours and "is at version 1; expected version 0" in ref


def test_increment_version_through_a_view_invalidates_the_base():
    x = torch.ones(3, requires_grad=True)
    w = torch.ones(4)
    y = (x * w[1:]).sum()
    graph.increment_version(w)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_observer_hears_every_node_in_backward_order():
    class Recorder(graph.Observer):
        def __init__(self):
            self.before_names, self.after_counts = [], []

        def before(self, node, grads):
            self.before_names.append(node.name())

        def after(self, node, grads):
            self.after_counts.append((node.name(), len(grads)))

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * 3).sum()
    with graph.observe(Recorder()) as recorder:
        loss.backward()
    assert recorder.before_names == ["SumBackward0", "MulBackward0", "ExpBackward0", "torch::autograd::AccumulateGrad"]
    assert recorder.after_counts == [("SumBackward0", 1), ("MulBackward0", 2), ("ExpBackward0", 1),
                                     ("torch::autograd::AccumulateGrad", 0)]
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.exp([1.0, 2.0]), rtol=1e-6)
    x.grad = None
    (x * 2).sum().backward()  # outside the block: no longer observed
    assert len(recorder.before_names) == 4


def test_graph_exports():
    assert set(graph.__all__) == {"Node", "AccumulateGrad", "GradientEdge", "get_gradient_edge", "increment_version",
                                  "observe", "Observer", "saved_tensors_hooks", "save_on_cpu",
                                  "disable_saved_tensors_hooks"}
    assert torch.autograd.graph is graph


def test_get_gradient_edge_matches_torch():
    torch_ref = pytest.importorskip("torch")
    for lib in (torch, torch_ref):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        values, indices = x.max(0)
        edge = lib.autograd.graph.get_gradient_edge(values)
        assert edge.node is values.grad_fn and edge.output_nr == 0
        leaf_edge = lib.autograd.graph.get_gradient_edge(x)
        assert type(leaf_edge.node).__name__ == "AccumulateGrad" and leaf_edge.output_nr == 0
        with pytest.raises(RuntimeError, match="does not require gradients"):
            lib.autograd.graph.get_gradient_edge(lib.tensor([1.0]))
