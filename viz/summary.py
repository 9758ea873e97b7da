"""Keep large graphs readable: fold repeated blocks of ops into one box, then cut at a depth or size.

Both steps only fill a ``Layout``; the recorded graph is never changed. Every
step is linear in the graph's size, so a 10,000-node chain is summarised in
well under a second.
"""
from collections import deque

from .graph import output_key
from .layout import Box

__all__ = ["summarise", "fold_repeats", "truncate", "drawn_size"]

MAX_PERIOD = 8  # longest block of ops looked for when folding repeats
MIN_REPEATS = 3  # a block must repeat this often in a row to be folded
MAX_LEAVES_SHOWN = 3  # a folded block's leaves stay drawn when there are at most this many


def drawn_size(graph, layout):
    """How many nodes the drawing would have."""
    units = {layout.unit(key) for key in graph.variables}
    units.update(layout.unit(key) for key in graph.ops)
    return len(units - layout.dropped)


def summarise(graph, layout, max_nodes=None, max_depth=None):
    """Fold repeats when the graph has more than ``max_nodes`` nodes, then cut to the limits."""
    if max_nodes is not None and drawn_size(graph, layout) > max_nodes:
        fold_repeats(graph, layout)
    if max_depth is not None or (max_nodes is not None and drawn_size(graph, layout) > max_nodes):
        truncate(graph, layout, max_nodes, max_depth)


def _chains(graph, layout):
    """Maximal runs of ops where each one's only op input is the previous one, its sole user."""
    following = {}
    preceded = set()
    for key, op in graph.ops.items():
        if key in layout.box_of:
            continue
        producers = {graph.producer.get(var) for var in graph.inputs.get(key, ())} - {None}
        if len(producers) != 1:
            continue
        previous = producers.pop()
        if previous in layout.box_of:
            continue
        previous_op = graph.ops[previous]
        outputs_shown = any(graph.variables[var].is_output for var in _output_vars(graph, previous_op))
        if not outputs_shown and set(graph.consumer_ops(previous_op)) == {key}:
            following[previous] = key
            preceded.add(key)
    for head in following:
        if head in preceded:
            continue
        chain = [head]
        while chain[-1] in following:
            chain.append(following[chain[-1]])
        yield chain


def _output_vars(graph, op):
    return [key for key in (output_key(op.node, i) for i in range(op.node.n_outputs)) if key in graph.variables]


def _repeated_runs(names):
    """``(start, period, repeats)`` for each run of a block repeated at least MIN_REPEATS times."""
    runs = []
    i = 0
    while i < len(names):
        best = None
        for period in range(1, MAX_PERIOD + 1):
            block = names[i:i + period]
            repeats = 1
            while names[i + repeats * period:i + (repeats + 1) * period] == block:
                repeats += 1
            if len(block) == period and repeats >= MIN_REPEATS and (best is None or repeats * period > best[0] * best[1]):
                best = (period, repeats)
        if best is None:
            i += 1
        else:
            runs.append((i, best[0], best[1]))
            i += best[0] * best[1]
    return runs


def fold_repeats(graph, layout):
    """Draw each chain of a block of ops repeated MIN_REPEATS+ times as one box ``block × n``."""
    for chain in list(_chains(graph, layout)):
        names = [graph.ops[key].name for key in chain]
        for start, period, repeats in _repeated_runs(names):
            members = chain[start:start + period * repeats]
            box_id = ("repeat", members[0])
            block = " → ".join(names[start:start + period])
            title = f"[{block}] × {repeats}" if period > 1 else f"{block} × {repeats}"
            layout.add_box(box_id, Box([title, f"({len(members)} ops folded)"], layout.cluster_of_keys(members),
                                       "repeat"), members)
    absorbed = layout.absorb_variables(graph, leaves=True)
    leaves_inside = {}
    for key, box_id in absorbed.items():
        if graph.variables[key].is_leaf:
            leaves_inside.setdefault(box_id, []).append(key)
    for box_id, leaves in leaves_inside.items():
        if len(leaves) <= MAX_LEAVES_SHOWN:  # a few shared leaves (weights, the input) stay in sight
            for key in leaves:
                del layout.box_of[key]
        else:
            layout.boxes[box_id].lines.append(f"{len(leaves):,} leaf inputs inside")


def _unit_feeders(graph, layout):
    """For each op unit (op or box), the op units whose outputs it uses."""
    feeders = {}
    for key in graph.ops:
        unit = layout.unit(key)
        entry = feeders.setdefault(unit, set())
        for var in graph.inputs.get(key, ()):
            producer = graph.producer.get(var)
            if producer is not None and layout.unit(producer) != unit:
                entry.add(layout.unit(producer))
    return feeders


def truncate(graph, layout, max_nodes=None, max_depth=None):
    """Keep the ops nearest the outputs: at most ``max_depth`` ops deep and about ``max_nodes`` nodes."""
    feeders = _unit_feeders(graph, layout)
    kept = set()
    budget = float("inf") if max_nodes is None else max(1, max_nodes // 2)  # an op comes with about one variable
    depth_limit = float("inf") if max_depth is None else max_depth
    queue = deque()
    for key, var in graph.variables.items():
        if var.is_output and not var.is_leaf:
            queue.append((layout.unit(graph.producer[key]), 1))
    while queue:
        unit, depth = queue.popleft()
        if unit in kept or depth > depth_limit or len(kept) >= budget:
            continue
        kept.add(unit)
        queue.extend((feeder, depth + 1) for feeder in feeders.get(unit, ()))
    dropped = {key for key in graph.ops if layout.unit(key) not in kept}
    for key, var in graph.variables.items():
        if var.is_output:
            continue
        users = graph.consumers.get(key, ())
        if not any(layout.unit(op) in kept for op in users):
            dropped.add(key)
    for box_id in {layout.box_of[key] for key in dropped if key in layout.box_of}:
        if box_id not in kept and box_id in layout.boxes:
            dropped.add(box_id)
    if dropped:
        layout.dropped |= dropped
        hidden = sum(1 for key in dropped if key in graph.ops or key in graph.variables)
        layout.dropped_note = f"⋯ {hidden:,} earlier nodes not drawn"
