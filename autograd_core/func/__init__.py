"""``torch.func``: function transforms (grad, vjp, jvp, jacrev, jacfwd, hessian, vmap) and functional_call."""
from .transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp
from .vmap import vmap

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp", "vmap"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the given tensors (a dict by qualified name, or a tuple of dicts) standing
    in for its parameters and buffers, which are back in place afterwards (``nn.utils.stateless``'s)."""
    # nn sits on top of autograd_core: load it on first use
    from nn.utils.stateless import _functional_call
    return _functional_call(module, parameter_and_buffer_dicts, args, kwargs, tie_weights=tie_weights,
                            strict=strict)
