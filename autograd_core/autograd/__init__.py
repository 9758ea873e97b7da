"""``torch.autograd``: grad, backward, the custom-Function protocol, gradcheck, anomaly detection, functional
autograd (``functional``) and forward-mode AD (``forward_ad``)."""
from ..engine import grad, backward
from ..grad_mode import (detect_anomaly, set_detect_anomaly, set_grad_enabled, no_grad, enable_grad,
                         inference_mode)
from ..tensor import Variable  # old tutorials' torch.autograd.Variable(x, requires_grad=True)
from .function import Function, FunctionCtx, once_differentiable
from . import graph, forward_ad, functional
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["grad", "backward", "Function", "FunctionCtx", "once_differentiable", "gradcheck", "gradgradcheck",
           "no_grad", "enable_grad", "set_grad_enabled", "detect_anomaly", "set_detect_anomaly", "graph", "forward_ad",
           "functional", "inference_mode", "Variable"]
