"""``torch.backends.cudnn``: cuDNN is not in this build; its flags keep their values and change nothing."""
from ._flags import Flag, with_flags


def is_available():
    """Whether cuDNN can be used: never without CUDA."""
    return False


def version():
    """cuDNN's version: None, as it is not built in."""
    return None


with_flags(__name__, enabled=Flag(True, "set_enabled_cudnn"), benchmark=Flag(False, "set_benchmark_cudnn"),
           deterministic=Flag(False, "set_deterministic_cudnn"), allow_tf32=Flag(True, "set_allow_tf32_cudnn"))
