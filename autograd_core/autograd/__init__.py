"""``torch.autograd``: grad, backward, the custom-Function protocol, gradcheck and anomaly detection."""
from ..engine import grad, backward
from ..grad_mode import detect_anomaly, set_detect_anomaly, set_grad_enabled, no_grad, enable_grad
from .function import Function, FunctionCtx, once_differentiable
from . import graph
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["grad", "backward", "Function", "FunctionCtx", "once_differentiable", "gradcheck", "gradgradcheck",
           "no_grad", "enable_grad", "set_grad_enabled", "detect_anomaly", "set_detect_anomaly", "graph"]
