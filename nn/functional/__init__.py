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
from ._vision import *  # noqa: F401,F403
from ._attention import *  # noqa: F401,F403
from ._shrink import *  # noqa: F401,F403
from ._distance import *  # noqa: F401,F403
from ._ranking import *  # noqa: F401,F403
from ._likelihood import *  # noqa: F401,F403
from ._ctc import *  # noqa: F401,F403

from autograd_core.tensor import check_tensor_arguments as _check_tensor_arguments
_check_tensor_arguments(globals())  # F.relu(None): PyTorch's TypeError naming relu and 'input'
