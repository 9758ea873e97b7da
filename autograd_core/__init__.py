"""autograd_core: a define-by-run autograd engine with PyTorch's API, on numpy and Numba.

``import autograd_core as torch`` gives ``torch.tensor``, ``torch.nn``, ``torch.optim``...
"""
from . import _aliases
from ._allocator import keep_freed_memory
from . import dtypes
from .dtypes import complex64, cfloat, complex128, cdouble
from .dtypes import (dtype, float16, half, bfloat16, float32, float, float64, double, uint8, int8, int16, short,
                     int32, int, int64, long, bool, get_default_dtype, set_default_dtype)
from .device import device, set_default_device, get_default_device
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                        detect_anomaly, set_detect_anomaly)
from .tensor import Tensor, Variable, Size
from .function import Function
from . import ops
from .ops.arithmetic import *  # noqa: F401,F403
from .ops.elementwise import *  # noqa: F401,F403
from .ops.reduce import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.compare import *  # noqa: F401,F403
from .ops.index import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.conv import *  # noqa: F401,F403
from .ops.pool import *  # noqa: F401,F403
from .ops.complex import *  # noqa: F401,F403
from .ops import transfer  # noqa: F401  (Tensor.pin_memory, is_pinned)
from . import linalg, fft  # noqa: F401
from .linalg._torch_functions import (det, inverse, logdet, slogdet, cholesky, matrix_exp, matrix_power, pinverse,
                                      svd, qr)
from .ops.special import *  # noqa: F401,F403
from .ops.combine import *  # noqa: F401,F403
from .ops.statistics import *  # noqa: F401,F403
from .ops.indexed import *  # noqa: F401,F403
from .ops.search import *  # noqa: F401,F403
from .creation import *  # noqa: F401,F403
from .legacy import *  # noqa: F401,F403  (FloatTensor, LongTensor...)
from .random import manual_seed, seed, initial_seed, get_rng_state, set_rng_state, Generator, default_generator
from .random import rand, randn, randint, randperm, normal, rand_like, randn_like, randint_like, bernoulli
from .random import poisson, multinomial
from . import distributions  # noqa: F401
from .distributions._special import lgamma, digamma, polygamma, erfinv, xlogy
from . import autograd, utils, datasets, transforms, accelerator, backends, distributed, cuda  # noqa: F401
from . import func  # noqa: F401
from .serialization import save, load
from .numerical import numerical_diff, numerical_gradient
from .threads import set_num_threads, get_num_threads

from .tensor import check_tensor_arguments as _check_tensor_arguments
# torch.exp([1.0]): "exp(): argument 'input' (position 1) must be Tensor, not list", as PyTorch's
_check_tensor_arguments(globals())

__version__ = "0.1.0"

keep_freed_memory()  # glibc keeps the blocks a training step frees for the next step (see _allocator)


_aliases.install()  # autograd_core.nn / autograd_core.optim are the top-level nn / optim packages


def __getattr__(name):
    # nn and optim import autograd_core, so they load on first use (``torch.nn``), not with it
    if name in _aliases.ALIASED:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'autograd_core' has no attribute '{name}'")
