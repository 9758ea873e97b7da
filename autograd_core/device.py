"""``device("cpu")``, the default device and an honest ``cuda`` namespace (no GPU backend yet)."""

_NO_ACCELERATOR = "Cannot access accelerator device when none is available."


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
_default_device = CPU


def no_accelerator():
    """PyTorch's error for asking a build without an accelerator for one."""
    return RuntimeError(_NO_ACCELERATOR)


def _as_default_device(spec):
    if spec is None:
        return CPU
    if isinstance(spec, int) and not isinstance(spec, bool):  # an index means a device of the accelerator
        raise no_accelerator()
    chosen = device(spec)
    chosen.check_available()
    return chosen


def set_default_device(device):
    """Make ``device`` the default of new tensors (None: back to the CPU); only the CPU exists here."""
    global _default_device
    _default_device = _as_default_device(device)


def get_default_device():
    """The device set by :func:`set_default_device` (the CPU unless changed)."""
    return _default_device


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
