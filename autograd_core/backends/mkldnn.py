"""``torch.backends.mkldnn``: oneDNN is not used by this build (convolutions run on Numba kernels)."""
from ._flags import Flag, with_flags


def is_available():
    """Whether oneDNN (MKL-DNN) kernels are built in: no."""
    return False


with_flags(__name__, enabled=Flag(True, "set_enabled_mkldnn"))
