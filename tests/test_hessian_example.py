"""examples/hessian.py: the course's f(x1, x2, x3) Hessian at (1, 2, 3), three ways, equal to PyTorch's."""
import numpy as np
import pytest

from examples import hessian
from examples.numerical_diff import three_variable_function

torch_ref = pytest.importorskip("torch")

EXPECTED = np.array([[2.0, -4.0, 0.0], [-4.0, 26.0, 22.0], [0.0, 22.0, 8.0]])


def test_the_example_prints_the_hessian_by_each_way(capsys):
    result = hessian.main([])
    for way in ("functional", "func", "double_backward"):
        np.testing.assert_array_equal(result[way], EXPECTED)
    out = capsys.readouterr().out
    assert "double backward" in out and "f(1, 2, 3) = 42" in out


def test_pytorch_gives_the_same_hessian():
    theirs = torch_ref.autograd.functional.hessian(three_variable_function,
                                                   torch_ref.tensor([1.0, 2.0, 3.0], dtype=torch_ref.float64))
    np.testing.assert_array_equal(theirs.numpy(), EXPECTED)
