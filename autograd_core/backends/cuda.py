"""``torch.backends.cuda``: not built here; ``matmul``'s TF32 switch keeps its value for scripts that set it."""
from ._flags import Flag


def is_built():
    """Whether this build has CUDA support: no."""
    return False


class cuBLASModule:
    """``torch.backends.cuda.matmul``: cuBLAS settings (no effect without CUDA); unknown names raise."""

    allow_tf32 = Flag(False, "set_allow_tf32_cublas")

    def __getattr__(self, name):
        raise AttributeError("Unknown attribute " + name)

    def __setattr__(self, name, value):
        if not isinstance(getattr(type(self), name, None), Flag):
            raise AttributeError("Unknown attribute " + name)
        object.__setattr__(self, name, value)


matmul = cuBLASModule()
