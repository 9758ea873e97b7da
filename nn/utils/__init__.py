"""nn.utils: gradient clipping, parameter/vector conversion, weight and spectral norm, parametrizations, fusion,
functional_call, skip_init and packed sequences."""
from .clip_grad import *  # noqa: F401,F403
from .convert_parameters import *  # noqa: F401,F403
from .fusion import *  # noqa: F401,F403
from .weight_norm import weight_norm, remove_weight_norm  # noqa: F401
from .spectral_norm import spectral_norm, remove_spectral_norm  # noqa: F401
from .init import skip_init  # noqa: F401
from . import parametrize, parametrizations, stateless, fusion  # noqa: F401
from . import rnn  # noqa: F401
