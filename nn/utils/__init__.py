"""nn.utils: gradient clipping and parameter/vector conversion."""
from .clip_grad import *  # noqa: F401,F403
from .convert_parameters import *  # noqa: F401,F403
from .fusion import *  # noqa: F401,F403
from .weight_norm import weight_norm, remove_weight_norm  # noqa: F401
from . import parametrize, parametrizations, stateless, fusion  # noqa: F401
from . import rnn  # noqa: F401
