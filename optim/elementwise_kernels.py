"""The device backends' "optim" kernels: each update is one elementwise kernel per parameter per step.

An update is written once, as assignments in the common subset of C and Python
(arithmetic, ``sqrt``, ``fabs``, ``fmax``, ``fmin``, ``where``) chosen by the call's
flags. Under CuPy the statements become the body of one ``cupy.ElementwiseKernel``
(compiled once per update, flag set and dtype); on any other backend they run
as array expressions, so the tests' simulated CUDA device checks the very
statements against the numpy backend's Numba loops (``optim.kernels``, whose
signatures these share). Hyper-parameters arrive in the parameter's dtype;
``lerp`` weights as ``(coefficient, from_start)`` (``optimizer.lerp_weight``).
"""
import functools
import re

from autograd_core.arrays import array_module, backend_of

_FUNCTIONS = ("sqrt", "fabs", "fmax", "fmin", "where")
_PREAMBLE = "#define where(c, a, b) ((c) ? (a) : (b))"
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _grad(o, param="param"):
    """``g``: the signed gradient, with L2 weight decay when ``o.l2``."""
    steps = [("g", "grad * grad_sign")]
    if o.l2:
        steps.append(("g", f"g + weight_decay * {param}"))
    return steps


def _lerp(start, end, weight, o):
    """``torch.lerp(start, end, w)`` as PyTorch's kernel: from ``start`` when |w| < 0.5, else from ``end``."""
    return f"{start} + {weight} * ({end} - {start})" if o[weight + "_from_start"] else \
        f"{end} + {weight} * ({end} - {start})"


def _moments(o):
    """Adam's decayed parameter ``p``, gradient ``g`` and moments ``exp_avg``, ``exp_avg_sq``."""
    return [("p", "param * decay"), *_grad(o, "p"), ("exp_avg", _lerp("exp_avg", "g", "beta1", o)),
            ("exp_avg_sq", "exp_avg_sq * beta2 + one_minus_beta2 * g * g")]


def sgd_steps(o):
    steps = _grad(o)
    if o.use_momentum:
        steps.append(("momentum_buffer", "g" if o.first_step else "momentum_buffer * momentum + "
                                                                  "one_minus_dampening * g"))
        steps.append(("g", "g + momentum * momentum_buffer" if o.nesterov else "momentum_buffer"))
    return steps + [("param", "param - lr * g")]


def adam_steps(o):
    steps = _moments(o) + [("v", "exp_avg_sq")]
    if o.amsgrad:
        steps += [("max_exp_avg_sq", "fmax(max_exp_avg_sq, exp_avg_sq)"), ("v", "max_exp_avg_sq")]
    return steps + [("param", "p - step_size * exp_avg / (sqrt(v) / bias_correction2_sqrt + eps)")]


def nadam_steps(o):
    return _moments(o) + [("denom", "sqrt(exp_avg_sq / bias_correction2) + eps"),
                          ("param", "p - grad_step * g / denom - exp_avg_step * exp_avg / denom")]


def adamax_steps(o):
    return [*_grad(o), ("exp_avg", _lerp("exp_avg", "g", "beta1", o)),
            ("exp_inf", "fmax(exp_inf * beta2, fabs(g) + eps)"), ("param", "param - clr * exp_avg / exp_inf")]


def adagrad_steps(o):
    return [*_grad(o), ("state_sum", "state_sum + g * g"), ("param", "param - clr * g / (sqrt(state_sum) + eps)")]


def adadelta_steps(o):
    return [*_grad(o), ("square_avg", "square_avg * rho + one_minus_rho * g * g"),
            ("delta", "sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g"),
            ("acc_delta", "acc_delta * rho + one_minus_rho * delta * delta"), ("param", "param - lr * delta")]


def rmsprop_steps(o):
    steps = [*_grad(o), ("square_avg", "square_avg * alpha + one_minus_alpha * g * g")]
    if o.centered:
        steps += [("grad_avg", _lerp("grad_avg", "g", "grad_avg_weight", o)),
                  ("avg", "sqrt(square_avg - grad_avg * grad_avg) + eps")]
    else:
        steps.append(("avg", "sqrt(square_avg) + eps"))
    if o.use_momentum:
        return steps + [("momentum_buffer", "momentum_buffer * momentum + g / avg"),
                        ("param", "param - lr * momentum_buffer")]
    return steps + [("param", "param - lr * g / avg")]


def radam_steps(o):
    steps = _moments(o) + [("update", "exp_avg / bias_correction1 * lr")]
    if o.rectified:
        steps.append(("update", "update * (one / (sqrt(exp_avg_sq) + eps) * bias_correction2_sqrt) * rect"))
    return steps + [("param", "p - update")]


def rprop_steps(o):
    return [("g", "grad * grad_sign"), ("s", "g * prev"),
            ("factor", "where(s > 0, etaplus, where(s < 0, etaminus, where(s == 0, one, s)))"),
            ("step_size", "fmin(fmax(step_size * factor, step_size_min), step_size_max)"),
            ("g", "where(factor == etaminus, one - one, g)"),
            ("param", "param - where(g > 0, one, where(g < 0, -one, g)) * step_size"), ("prev", "g")]


def asgd_steps(o):
    return [*_grad(o), ("param", "param * decay + neg_eta * g"),
            ("ax", "ax + (param - ax) * mu" if o.average else "param")]


def lerp__steps(o):
    return [("start", _lerp("start", "end", "weight", o))]


def add__steps(o):
    return [("a", "a + alpha * b")]


class _Options(dict):
    __getattr__ = dict.__getitem__


def _update(name, arrays, steps):
    """The kernel-family function ``name(*arrays, **options)`` running ``steps(flags)``."""
    def run(*values, **options):
        flags, scalars = _Options(), {}
        for key, value in options.items():
            if isinstance(value, bool):
                flags[key] = value
            elif isinstance(value, tuple):  # a lerp weight
                scalars[key], flags[key + "_from_start"] = value
            else:
                scalars[key] = value
        kernel = _kernel(name, tuple(arrays), tuple(steps(flags)), values[0].dtype.name,
                         backend_of(values[0]).name == "cupy")
        kernel(dict(zip(arrays, values)), scalars)
    run.__name__ = run.__qualname__ = name
    run.__doc__ = f"``optim.kernels.{name}`` as one elementwise kernel (see the module docstring)."
    return run


@functools.cache
def _kernel(name, arrays, steps, dtype, on_cupy):
    """Run ``steps`` over the ``arrays`` a call names: one CuPy ElementwiseKernel, or array expressions."""
    used = {n for _, expression in steps for n in _NAME.findall(expression)} | {target for target, _ in steps}
    written = [a for a in arrays if a in {target for target, _ in steps}]
    read = [a for a in arrays if a in used and a not in written]
    scalars = sorted(used - set(arrays) - {target for target, _ in steps} - set(_FUNCTIONS))
    return (_cupy_kernel if on_cupy else _array_kernel)(name, steps, read, written, scalars)


def _cupy_kernel(name, steps, read, written, scalars):
    import cupy
    declared, body = set(written), []
    for target, expression in steps:
        body.append(f"{'' if target in declared else 'T '}{target} = {expression};")
        declared.add(target)
    kernel = cupy.ElementwiseKernel(", ".join(f"T {n}" for n in read + scalars), ", ".join(f"T {n}" for n in written),
                                    "\n".join(body), f"autograd_core_{name.strip('_')}", preamble=_PREAMBLE)

    def launch(arrays, values):
        kernel(*(arrays[n] for n in read), *(values[n] for n in scalars), *(arrays[n] for n in written))
    return launch


def _array_kernel(name, steps, read, written, scalars):
    source = "\n".join(f"{target} = {expression}" for target, expression in steps)
    code = compile(source, f"<optim elementwise kernel {name}>", "exec")

    def launch(arrays, values):
        xp = array_module(arrays[written[0]])
        namespace = {"sqrt": xp.sqrt, "fabs": xp.abs, "fmax": xp.fmax, "fmin": xp.fmin, "where": xp.where,
                     **{n: arrays[n] for n in read + written}, **{n: values[n] for n in scalars}}
        exec(code, namespace)  # noqa: S102  (this module's own statements, compiled above)
        for n in written:
            arrays[n][...] = namespace[n]
    return launch


_SIGNATURES = {"sgd": ("param", "grad", "momentum_buffer"),
               "adam": ("param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
               "nadam": ("param", "grad", "exp_avg", "exp_avg_sq"), "adamax": ("param", "grad", "exp_avg", "exp_inf"),
               "adagrad": ("param", "grad", "state_sum"), "adadelta": ("param", "grad", "square_avg", "acc_delta"),
               "rmsprop": ("param", "grad", "square_avg", "grad_avg", "momentum_buffer"),
               "radam": ("param", "grad", "exp_avg", "exp_avg_sq"), "rprop": ("param", "grad", "prev", "step_size"),
               "asgd": ("param", "grad", "ax"), "lerp_": ("start", "end"), "add_": ("a", "b")}

for _name, _arrays in _SIGNATURES.items():
    globals()[_name] = _update(_name, _arrays, globals()[_name + "_steps"])
