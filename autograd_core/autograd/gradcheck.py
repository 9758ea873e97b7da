"""Compare autograd's gradients with central finite differences (``torch.autograd.gradcheck``).

Complex inputs and outputs are checked as pairs of real coordinates (the real parts, then the imaginary
parts): each input is perturbed along both, and each output's real and imaginary parts are seeded in turn
(a seed of 1 or 1j gives, by PyTorch's convention, the gradient of the real or the imaginary part).
"""
import warnings

import numpy as np

from ..arrays import from_numpy, to_numpy
from ..engine import grad as autograd_grad
from ..tensor import Tensor, _new


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical Jacobians differ."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def _real_coordinates(array):
    """A host array as a flat float64 vector: its values, or for a complex array its real then imaginary parts."""
    flat = array.reshape(-1)
    if flat.dtype.kind == "c":
        return np.concatenate([flat.real, flat.imag]).astype(np.float64)
    return flat.astype(np.float64)


def _coordinate_count(array):
    return array.size * (2 if array.dtype.kind == "c" else 1)


def _host_values(outputs):
    return [_real_coordinates(to_numpy(o.array)) for o in outputs]


def _numerical_jacobians(func, inputs, eps):
    """For each differentiable input, the (n_in x n_out) Jacobian per output by central differences.

    Each input is perturbed on a host copy, and ``func`` runs on tensors of the input's own backend.
    """
    # evaluated with grad mode on: gradgradcheck's func itself calls autograd.grad
    outputs = _outputs(func, inputs)
    result = []
    for x in inputs:
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        original = x.array
        point = np.array(to_numpy(original), copy=True)  # 0-d stays 0-d
        flat = point.reshape(-1)  # a view: perturbations write through
        jac = [np.zeros((_coordinate_count(point), _coordinate_count(o.array))) for o in outputs]
        try:
            for i in range(_coordinate_count(point)):
                step = eps if i < flat.size else eps * 1j  # a complex input: its real parts, then its imaginary
                at = i % flat.size
                value = flat[at]
                flat[at] = value + step
                x.array = from_numpy(point.copy(), like=original)
                plus = _host_values(_outputs(func, inputs))
                flat[at] = value - step
                x.array = from_numpy(point.copy(), like=original)
                minus = _host_values(_outputs(func, inputs))
                flat[at] = value
                for k in range(len(outputs)):
                    jac[k][i] = (plus[k] - minus[k]) / (2 * eps)
        finally:
            x.array = original
        result.append(jac)
    return outputs, result


def _analytical_jacobians(func, inputs):
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    outputs = _outputs(func, inputs)
    jacs = [[np.zeros((_coordinate_count(x.array), _coordinate_count(o.array))) for o in outputs]
            for x in diff_inputs]
    for k, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        size = out.array.size
        for j in range(_coordinate_count(out.array)):
            seed = np.zeros(size, dtype=out.array.dtype)
            seed[j % size] = 1 if j < size else 1j  # the real part of output element j, then its imaginary part
            seed = _new(from_numpy(seed.reshape(out.array.shape), like=out.array))
            grads = autograd_grad(out, diff_inputs, seed, retain_graph=True, allow_unused=True)
            for i, g in enumerate(grads):
                if g is not None:
                    jacs[i][k][:, j] = _real_coordinates(to_numpy(g.array))
    return jacs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **unused_options):
    """True when every analytical Jacobian matches the numerical one within ``atol + rtol * |numerical|``."""
    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.array.dtype not in (np.float64, np.complex128):
            warnings.warn(f"gradcheck: input {i} is {x.dtype}, not float64; finite differences will be inaccurate")
    _, numerical = _numerical_jacobians(func, inputs, eps)
    analytical = _analytical_jacobians(func, inputs)
    for i, (num_per_out, ana_per_out) in enumerate(zip(numerical, analytical)):
        for k, (num, ana) in enumerate(zip(num_per_out, ana_per_out)):
            if not np.allclose(ana, num, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(f"Jacobian mismatch for output {k} with respect to input {i},\n"
                                     f"numerical:{num}\nanalytical:{ana}\n")
    return True


def _random_like(rng, array):
    """Standard normal values shaped as ``array`` (complex ones for a complex array)."""
    values = rng.standard_normal(array.shape)
    if array.dtype.kind == "c":
        values = values + 1j * rng.standard_normal(array.shape)
    return values


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **unused_options):
    """gradcheck of the gradient itself: checks second derivatives through ``create_graph=True``."""
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(_new(from_numpy(_random_like(rng, o.array), like=o.array)).requires_grad_()
                             for o in _outputs(func, inputs))
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_derivatives(*args):
        xs, gos = args[:n_in], args[n_in:]
        outs = _outputs(func, xs)
        return autograd_grad(outs, [xs[i] for i in diff_positions], gos, create_graph=True,
                             allow_unused=True, materialize_grads=True)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
