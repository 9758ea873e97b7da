"""(being written)"""


def numerical_diff(f, x, eps=1e-4):
    raise NotImplementedError


def numerical_gradient(f, x, h=1e-4):
    raise NotImplementedError
