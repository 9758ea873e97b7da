"""``device("cpu")`` / ``device("cuda:0")`` and the default device.

A device is backed by an array backend (``arrays.device_backend``): the CPU
always, "cuda" when CuPy and a GPU are present (``autograd_core.cuda``).
"""

_NO_ACCELERATOR = "Cannot access accelerator device when none is available."
_NO_CUDA = ("Torch not compiled with CUDA enabled (CUDA is not available here: it needs CuPy and an NVIDIA GPU, "
            "install the cuda extra, cupy-cuda12x)")


class CudaUnavailable(AssertionError, RuntimeError):
    """PyTorch's error (an AssertionError in a CPU build) for using CUDA where it is absent; also a RuntimeError,
    as a CUDA build's "No CUDA GPUs are available"."""


class device:
    """Where a tensor lives: ``device("cpu")``, ``device("cuda")``, ``device("cuda:1")``, ``device("cuda", 1)``."""

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
        """Raise PyTorch's error unless tensors can be made on this device; returns the device."""
        if self.type == "cpu":
            return self
        from . import arrays
        backend = arrays.device_backend(self.type)
        if backend is None:
            raise no_cuda()
        if self.index is not None and not 0 <= self.index < backend.device_count():
            raise RuntimeError(f"CUDA error: invalid device ordinal (device {self}; "
                               f"{backend.device_count()} device(s) present)")
        return self

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


def no_cuda():
    """PyTorch's error (a CPU build's) for using CUDA where CuPy or a GPU is missing."""
    return CudaUnavailable(_NO_CUDA)


def check_same_device(*tensors):
    """Raise PyTorch's error when the tensors among ``tensors`` (others are skipped) sit on two devices.

    Ops call it up front, or where an array library refused to mix arrays (CuPy's
    TypeError for a numpy array) so that it costs nothing when devices agree; the
    error then replaces the library's (``raise ... from None``).
    """
    devices = []
    for t in tensors:
        found = getattr(t, "device", None) if hasattr(t, "array") else None
        if isinstance(found, device) and found not in devices:
            devices.append(found)
    if len(devices) > 1:
        first, second = sorted(devices, key=lambda d: d.type == "cpu")[:2]  # a device first, then the CPU
        error = RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                             f"{first} and {second}!")
        error.__suppress_context__ = True
        raise error


def as_device(spec):
    """``spec`` (a device, a string, or an index of a CUDA device) as an available ``device``."""
    if isinstance(spec, int) and not isinstance(spec, bool):
        spec = device("cuda", spec)
    return device(spec).check_available()


def _as_default_device(spec):
    if spec is None:
        return CPU
    if isinstance(spec, int) and not isinstance(spec, bool):  # an index means a device of the accelerator
        from . import accelerator
        if not accelerator.is_available():
            raise no_accelerator()
    return as_device(spec)


def set_default_device(device):
    """Make ``device`` the default of new tensors (None: back to the CPU); only the CPU exists here."""
    global _default_device
    _default_device = _as_default_device(device)


def get_default_device():
    """The device set by :func:`set_default_device` (the CPU unless changed)."""
    return _default_device
