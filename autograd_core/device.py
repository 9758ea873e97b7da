"""``device("cpu")`` and an honest ``cuda`` namespace (no GPU backend yet)."""


class device:
    """Where a tensor lives; only ``cpu`` is backed today."""

    __slots__ = ("type", "index")

    def __init__(self, spec, index=None):
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        kind, _, idx = str(spec).partition(":")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {spec}")
        self.type = kind
        self.index = int(idx) if idx else index

    def check_available(self):
        if self.type != "cpu":
            raise RuntimeError(f"device {self} is not available: this build has only the CPU (numpy) backend; "
                               "cuda.is_available() returns False")

    def __eq__(self, other):
        try:
            other = device(other)
        except RuntimeError:
            return False
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


class cuda:
    """``torch.cuda``: answers honestly that no GPU backend is present."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        pass

    manual_seed_all = manual_seed
