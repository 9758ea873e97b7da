"""How a recorded graph is arranged on the page: clusters, nodes merged into boxes, nodes left out.

``model_view`` fills clusters and module boxes, ``summary`` adds boxes for
repeated blocks and leaves out what a size or depth limit cuts; ``dot`` draws
whatever the layout says.
"""

__all__ = ["Box", "Layout"]


class Box:
    """Several ops (and the variables between them) drawn as one box."""

    __slots__ = ("lines", "cluster", "kind")

    def __init__(self, lines, cluster=(), kind="module"):
        self.lines = lines  # label lines
        self.cluster = cluster  # path of the cluster the box sits in
        self.kind = kind  # "module" or "repeat"


class Layout:
    """Clusters, boxes and dropped keys for one drawing of a ``RecordedGraph``."""

    def __init__(self):
        self.cluster_of = {}  # node key -> cluster path (tuple of cluster ids, outermost first)
        self.cluster_titles = {}  # cluster path -> title
        self.box_of = {}  # node key -> box id
        self.boxes = {}  # box id -> Box
        self.dropped = set()  # keys a size or depth limit leaves out
        self.dropped_note = None  # label of the node that stands for them

    def unit(self, key):
        """What ``key`` is drawn as: its box id, or the key itself."""
        return self.box_of.get(key, key)

    def add_box(self, box_id, box, op_keys):
        self.boxes[box_id] = box
        for key in op_keys:
            self.box_of[key] = box_id

    def absorb_variables(self, graph, leaves):
        """Hide the variables that live inside boxes.

        An intermediate variable made in a box disappears when every op using it
        is in a box too (the edge then runs box to box). With ``leaves``, a leaf
        used only inside one box disappears into it. Outputs always stay.
        """
        absorbed = {}
        for key, var in graph.variables.items():
            if key in self.box_of or var.is_output:
                continue
            users = {self.box_of.get(op) for op in graph.consumers.get(key, ())}
            if not users or None in users:
                continue
            if var.is_leaf:
                if leaves and len(users) == 1:
                    absorbed[key] = users.pop()
            else:
                home = self.box_of.get(graph.producer[key])
                if home is not None:
                    absorbed[key] = home
        self.box_of.update(absorbed)
        return absorbed

    def cluster_of_keys(self, keys):
        """The deepest cluster holding all of ``keys`` (their common path prefix)."""
        paths = [self.cluster_of.get(key, ()) for key in keys]
        if not paths:
            return ()
        common = paths[0]
        for path in paths[1:]:
            n = 0
            while n < min(len(common), len(path)) and common[n] == path[n]:
                n += 1
            common = common[:n]
        return common
