"""Complex tensors against PyTorch 2.13: dtypes and promotion, creation, printing, parts and conjugates with their
gradients (PyTorch's convention: dL/d(re) + i dL/d(im)), gradcheck on complex inputs, and the ops that work on them."""
import numpy as np
import pytest

import autograd_core as torch
from autograd_core.autograd import gradcheck, gradgradcheck
from autograd_core.autograd.gradcheck import GradcheckError

torch_ref = pytest.importorskip("torch")

VALUES = np.array([[1 + 2j, 3 - 4j, 0.5j], [-2 + 0.25j, 1.5, -1 - 1j]])


def _both(make):
    return make(torch), make(torch_ref)


def _values(t):
    return t.detach().resolve_conj().numpy() if isinstance(t, torch_ref.Tensor) else t.numpy(force=True)


# ----- dtypes -----
def test_complex_dtypes_and_their_aliases_are_pytorchs():
    for name, alias in (("complex64", "cfloat"), ("complex128", "cdouble")):
        ours, theirs = getattr(torch, name), getattr(torch_ref, name)
        assert getattr(torch, alias) is ours and repr(ours) == repr(theirs)
        assert ours.is_complex and not ours.is_floating_point and ours.itemsize == theirs.itemsize
    assert not torch.float32.is_complex


@pytest.mark.parametrize("make", [
    lambda lib: lib.ones(3, dtype=lib.float64) + lib.tensor(1j),
    lambda lib: lib.ones(3) + 1j, lambda lib: lib.ones(3, dtype=lib.float64) + 1j,
    lambda lib: lib.ones(3, dtype=lib.int64) + 1j,
    lambda lib: lib.ones(3, dtype=lib.float64) + lib.ones(3, dtype=lib.complex64),
    lambda lib: lib.ones(3) + lib.ones((), dtype=lib.complex128),
    lambda lib: lib.tensor(2.0, dtype=lib.float64) + lib.ones(3, dtype=lib.complex64),
    lambda lib: lib.ones(3, dtype=lib.complex64) * 2.5, lambda lib: lib.ones(3, dtype=lib.complex128) + lib.ones(3)])
def test_type_promotion_with_complex_is_pytorchs(make):
    ours, theirs = _both(make)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(_values(ours), _values(theirs))


# ----- creation -----
@pytest.mark.parametrize("make", [
    lambda lib: lib.tensor([1 + 2j, 3]), lambda lib: lib.tensor(1j), lambda lib: lib.tensor([1, 2], dtype=lib.cdouble),
    lambda lib: lib.zeros(2, dtype=lib.complex64), lambda lib: lib.tensor(VALUES),
    lambda lib: lib.ones(2).to(lib.complex64), lambda lib: lib.complex(lib.ones(2), lib.arange(2.0)),
    lambda lib: lib.polar(lib.tensor([1.0, 2.0], dtype=lib.float64), lib.tensor([0.5, -3.0], dtype=lib.float64))])
def test_creation_gives_pytorchs_values_and_dtypes(make):
    ours, theirs = _both(make)
    assert str(ours.dtype) == str(theirs.dtype) and ours.is_complex() == theirs.is_complex()
    np.testing.assert_allclose(_values(ours), _values(theirs), rtol=1e-15)


def test_numpy_item_and_tolist_give_python_complex_values():
    t = torch.tensor(VALUES)
    assert t.numpy().dtype == np.complex128 and t[0, 0].item() == 1 + 2j
    assert t.tolist() == VALUES.tolist()
    assert t.type() == "torch.ComplexDoubleTensor"


def test_complex_and_polar_refuse_what_pytorch_refuses():
    for call in (lambda lib: lib.complex(lib.ones(2), lib.ones(2, dtype=lib.float64)),
                 lambda lib: lib.complex(lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64)),
                 lambda lib: lib.polar(lib.ones(2, dtype=lib.complex64), lib.ones(2))):
        with pytest.raises(Exception) as theirs:
            call(torch_ref)
        with pytest.raises(type(theirs.value), match="complex|polar"):
            call(torch)


# ----- printing -----
@pytest.mark.parametrize("make", [
    lambda lib: lib.tensor([1 + 2j, 3 - 4j, 0.5j], dtype=lib.complex128, requires_grad=True),
    lambda lib: lib.tensor([[1.5 + 2j, 3], [1e-5j, 1000]]), lambda lib: lib.tensor(1j),
    lambda lib: lib.tensor([1 + 1j, 2 + 2j]), lambda lib: lib.tensor([], dtype=lib.complex64),
    lambda lib: lib.tensor([float("nan") + 1j, -0.0 - 0.0j, float("inf") * 1j]),
    lambda lib: lib.arange(2000.0).reshape(2, 1000) * (1 + 1j), lambda lib: lib.tensor([-1e10 + 3j]),
    lambda lib: lib.tensor(VALUES, requires_grad=True).real])
def test_complex_tensors_print_as_pytorchs(make):
    ours, theirs = _both(make)
    assert repr(ours) == repr(theirs)


def test_the_default_complex_dtype_follows_the_default_dtype_in_printing():
    torch.set_default_dtype(torch.float64)
    try:
        assert repr(torch.tensor([1j])) == "tensor([0.+1.j])"
        assert repr(torch.tensor([1j], dtype=torch.complex64)) == "tensor([0.+1.j], dtype=torch.complex64)"
    finally:
        torch.set_default_dtype(torch.float32)


# ----- parts, conjugates and their gradients -----
PARTS = {
    "real": lambda lib, z: z.real, "imag": lambda lib, z: z.imag, "torch.real": lambda lib, z: lib.real(z),
    "angle": lambda lib, z: z.angle(), "conj": lambda lib, z: z.conj(),
    "conj_physical": lambda lib, z: lib.conj_physical(z),
    "view_as_real": lambda lib, z: lib.view_as_real(z), "add": lambda lib, z: z + z, "sub": lambda lib, z: z - 2 * z,
    "neg": lambda lib, z: -z, "sum": lambda lib, z: z.sum(dim=1), "reshape": lambda lib, z: z.reshape(3, 2),
    "index": lambda lib, z: z[1, 1:], "cat": lambda lib, z: lib.cat([z, z.conj()]),
    "real_weights": lambda lib, z: z * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64),
}


@pytest.mark.parametrize("name", PARTS)
def test_parts_and_linear_ops_equal_pytorchs_values_gradients_and_nodes(name):
    ours, theirs = torch.tensor(VALUES, requires_grad=True), torch_ref.tensor(VALUES, requires_grad=True)
    y, z = PARTS[name](torch, ours), PARTS[name](torch_ref, theirs)
    assert str(y.dtype) == str(z.dtype)
    np.testing.assert_allclose(_values(y), _values(z), rtol=1e-12)
    assert type(y.grad_fn).__name__ == type(z.grad_fn).__name__
    weights = np.random.default_rng(0).standard_normal(tuple(z.shape) + (2,)) @ (
        np.array([1, 1j]) if z.is_complex() else np.array([1, 0]))
    (gy,) = torch.autograd.grad(y, ours, torch.tensor(weights))
    (gz,) = torch_ref.autograd.grad(z, theirs, torch_ref.tensor(weights))
    np.testing.assert_allclose(gy.numpy(force=True), _values(gz), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["real", "imag", "angle", "conj", "conj_physical", "view_as_real", "sum", "cat"])
def test_parts_pass_gradcheck_and_gradgradcheck_on_complex_inputs(name):
    z = torch.tensor(VALUES, requires_grad=True)
    assert gradcheck(lambda t: PARTS[name](torch, t), (z,))
    assert gradgradcheck(lambda t: PARTS[name](torch, t), (z,))


@pytest.mark.parametrize("make", [lambda lib, a, b: lib.complex(a, b), lambda lib, a, b: lib.polar(a, b),
                                  lambda lib, a, b: lib.view_as_complex(lib.stack([a, b], dim=-1))])
def test_constructors_from_real_parts_equal_pytorchs_and_pass_gradcheck(make):
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.5, 2, (2, 3)), rng.standard_normal((2, 3))  # polar's abs is non-negative
    ours = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    theirs = [torch_ref.tensor(v, requires_grad=True) for v in (a, b)]
    y, z = make(torch, *ours), make(torch_ref, *theirs)
    np.testing.assert_allclose(_values(y), _values(z), rtol=1e-12)
    assert type(y.grad_fn).__name__ == type(z.grad_fn).__name__
    weights = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    for g, h in zip(torch.autograd.grad(y, ours, torch.tensor(weights)),
                    torch_ref.autograd.grad(z, theirs, torch_ref.tensor(weights))):
        np.testing.assert_allclose(g.numpy(), h.numpy(), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda p, q: make(torch, p, q), ours)
    assert gradgradcheck(lambda p, q: make(torch, p, q), ours)


def test_real_and_imag_are_views_and_real_of_a_real_tensor_is_itself():
    z = torch.tensor(VALUES)
    z.real.mul_(2)
    np.testing.assert_allclose(z.numpy().real, 2 * VALUES.real)
    x = torch.ones(2)
    assert torch.real(x) is x and x.conj() is x


def test_view_as_real_and_view_as_complex_invert_each_other():
    z = torch.tensor(VALUES)
    assert tuple(torch.view_as_real(z).shape) == (2, 3, 2)
    np.testing.assert_array_equal(torch.view_as_complex(torch.view_as_real(z)).numpy(), VALUES)
    np.testing.assert_array_equal(torch.view_as_real(z.t()).numpy(), torch_ref.view_as_real(
        torch_ref.tensor(VALUES).t()).numpy())
    np.testing.assert_array_equal(torch.view_as_real(z[0, 0]).numpy(), [1, 2])
    np.testing.assert_array_equal(torch.view_as_complex(torch.ones(2)).numpy(), 1 + 1j)


@pytest.mark.parametrize("call", [
    lambda lib: lib.view_as_real(lib.ones(2)), lambda lib: lib.view_as_complex(lib.ones(2, 3)),
    lambda lib: lib.view_as_complex(lib.ones(2, 2, dtype=lib.int64)), lambda lib: lib.ones(2).imag,
    lambda lib: lib.view_as_complex(lib.ones(2, 3).t())])
def test_parts_refuse_what_pytorch_refuses(call):
    with pytest.raises(Exception) as theirs:
        call(torch_ref)
    with pytest.raises(type(theirs.value)) as ours:
        call(torch)
    assert str(ours.value) == str(theirs.value)


# ----- the engine and gradcheck with complex values -----
def test_a_real_input_of_a_complex_graph_gets_the_real_part_of_the_gradient():
    x, r = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True), torch_ref.tensor(
        [1.0, 2.0], dtype=torch_ref.float64, requires_grad=True)
    for lib, t in ((torch, x), (torch_ref, r)):
        (lib.view_as_real(t + 1j * lib.ones(2, dtype=lib.float64)).sum() * 3).backward()
    assert x.grad.dtype == torch.float64
    np.testing.assert_allclose(x.grad.numpy(), r.grad.numpy())


def test_complex_tensors_require_grad_and_a_complex_output_needs_an_explicit_gradient():
    z = torch.tensor([1j], requires_grad=True)
    assert z.requires_grad and z.sum().grad_fn is not None
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        z.sum().backward()
    z.sum().backward(torch.tensor(1 + 0j))
    np.testing.assert_array_equal(z.grad.numpy(), [1 + 0j])


def test_gradcheck_checks_the_imaginary_direction_too():
    z = torch.tensor(VALUES, requires_grad=True)

    class RealPartOnly(torch.autograd.Function):  # a wrong backward: forgets the imaginary part of the gradient
        @staticmethod
        def forward(ctx, t):
            return t.conj_physical()

        @staticmethod
        def backward(ctx, g):
            return torch.complex(g.real, torch.zeros_like(g.real))

    with pytest.raises(GradcheckError):
        gradcheck(RealPartOnly.apply, (z,))
    assert not gradcheck(RealPartOnly.apply, (z,), raise_exception=False)


# ----- ops on complex tensors -----
@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a @ b,
                                lambda a, b: a * (1 + 1j), lambda a, b: (a @ b).sum(), lambda a, b: a.t()])
def test_arithmetic_and_matmul_values_equal_pytorchs(op):
    a, b = VALUES[:, :2], VALUES[:, 1:]
    np.testing.assert_allclose(_values(op(torch.tensor(a), torch.tensor(b))),
                               _values(op(torch_ref.tensor(a), torch_ref.tensor(b))), rtol=1e-12)


@pytest.mark.parametrize("call", [lambda lib: lib.nn.functional.max_pool1d(lib.ones(1, 1, 4, dtype=lib.cfloat), 2)])
def test_ops_that_refuse_complex_tensors_name_themselves(call):
    with pytest.raises(Exception) as theirs:
        call(torch_ref)
    with pytest.raises(Exception, match="max_pool1d"):
        call(torch)
    assert theirs.value is not None


HOLOMORPHIC = {"mul": lambda z: z * z.conj_physical() * (1 + 1j), "div": lambda z: z / (z + 3),
               "matmul": lambda z: z @ z.t(), "matvec": lambda z: z @ z[0], "exp": lambda z: z.exp(),
               "abs": lambda z: z.abs(), "pow": lambda z: z ** 3, "square": lambda z: z ** 2}


@pytest.mark.parametrize("name", HOLOMORPHIC)
def test_products_quotients_powers_and_abs_have_pytorchs_complex_gradients(name):
    ours, theirs = torch.tensor(VALUES, requires_grad=True), torch_ref.tensor(VALUES, requires_grad=True)
    y, z = HOLOMORPHIC[name](ours), HOLOMORPHIC[name](theirs)
    np.testing.assert_allclose(_values(y), _values(z), rtol=1e-12)
    weights = np.random.default_rng(3).standard_normal(tuple(z.shape)) * (0.3 + 0.7j if z.is_complex() else 1)
    (gy,) = torch.autograd.grad(y, ours, torch.tensor(weights))
    (gz,) = torch_ref.autograd.grad(z, theirs, torch_ref.tensor(weights))
    np.testing.assert_allclose(gy.numpy(), gz.numpy(), rtol=1e-10, atol=1e-12)
    assert gradcheck(HOLOMORPHIC[name], (ours,))


def test_a_real_tensor_cast_to_complex_gets_a_real_gradient_without_warnings():
    import warnings
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.view_as_real(x.to(torch.complex128) * (1 + 2j)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("name", ["sqrt", "rsqrt", "reciprocal", "exp", "expm1", "log", "log1p", "log2", "log10",
                                  "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
                                  "acosh", "atanh", "sigmoid"])
def test_unary_gradients_on_complex_inputs_are_pytorchs(name):
    """Holomorphic ops: gy * conj(f'(z)), as PyTorch's convention gives, for a real loss of both parts."""
    z = np.array([0.3 + 0.7j, -1.2 + 0.4j, 2.0 - 0.5j])

    def grad_of(lib):
        x = lib.tensor(z, requires_grad=True)
        y = getattr(lib, name)(x)
        (y.real.sum() + 2 * y.imag.sum()).backward()
        return y.detach().numpy(), x.grad.numpy(), type(y.grad_fn).__name__

    ours, theirs = grad_of(torch), grad_of(torch_ref)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    assert ours[2] == theirs[2]


@pytest.mark.parametrize("call, message", [
    (lambda lib, z: z < z, '"lt_cpu" not implemented for \'ComplexDouble\''),
    (lambda lib, z: lib.ge(z, z), '"ge_cpu" not implemented for \'ComplexDouble\''),
    (lambda lib, z: lib.clamp(z, 0, 1), "clamp is not supported for complex types"),
    (lambda lib, z: lib.relu(z), "clamp is not supported for complex types"),
])
def test_orderings_of_complex_numbers_are_refused_as_pytorch_refuses_them(call, message):
    for lib in (torch, torch_ref):
        with pytest.raises(NotImplementedError, match=message.replace("(", r"\(").replace(")", r"\)")):
            call(lib, lib.tensor([1 + 2j, 3j], dtype=lib.complex128))
