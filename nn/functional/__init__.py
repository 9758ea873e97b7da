"""nn.functional: the stateless ops that nn modules call (mirrors torch.nn.functional)."""
from ._activation import *  # noqa: F401,F403
from ._loss import *  # noqa: F401,F403
from ._linear import *  # noqa: F401,F403
from ._dropout import *  # noqa: F401,F403
from ._embedding import *  # noqa: F401,F403
from ._conv import *  # noqa: F401,F403
from ._pooling import *  # noqa: F401,F403
from ._normalization import *  # noqa: F401,F403
from ._rnn import *  # noqa: F401,F403
from ._misc import *  # noqa: F401,F403
