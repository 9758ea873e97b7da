"""The nested containers ``torch.func`` transforms walk: tuples, lists and dicts of Tensors (and other leaves)."""


def flatten(tree):
    """``(leaves, rebuild)``: the leaves of ``tree`` in order and ``rebuild(new_leaves)`` giving the same structure."""
    if isinstance(tree, (tuple, list)):
        parts = [flatten(item) for item in tree]
        return _joined(parts, lambda items: _same_sequence(tree, items))
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [flatten(tree[k]) for k in keys]
        return _joined(parts, lambda items: type(tree)(zip(keys, items)))
    return [tree], lambda leaves: leaves[0]


def _same_sequence(tree, items):
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # a namedtuple
        return type(tree)(*items)
    return type(tree)(items)


def _joined(parts, build):
    counts = [len(leaves) for leaves, _ in parts]
    leaves = [leaf for part, _ in parts for leaf in part]

    def rebuild(new_leaves):
        items, start = [], 0
        for (_, rebuild_part), n in zip(parts, counts):
            items.append(rebuild_part(new_leaves[start:start + n]))
            start += n
        return build(items)

    return leaves, rebuild
