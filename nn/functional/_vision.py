"""Image ops of torch.nn.functional: interpolate, grid_sample / affine_grid, pixel and channel shuffles, fold / unfold.

``interpolate`` resamples one spatial axis after another: an output position
is a weighted sum of a few input positions along the axis (1 for nearest, 2
for linear, 4 for cubic), computed as PyTorch's kernels compute them (the
source coordinates in float32 for float32 inputs); the backward adds the
gradient back with ``index_add``, so it can itself be differentiated.
``grid_sample`` gathers the 2**d corners around each sampling point.
"""
import math
import warnings

import numpy as np

import autograd_core
from autograd_core import as_tensor
from autograd_core.arrays import array_module, from_numpy
from autograd_core.autograd import Function, once_differentiable

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample", "affine_grid",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "unfold", "fold"]


# ----- interpolate -----
class Resample(Function):
    """Separable resampling: along each axis of ``plan``, ``y[.., j, ..] = sum_k weights[j, k] * x[.., taps[j, k], ..]``.

    ``plan`` holds ``(axis, input size, taps, weights)`` per resampled axis
    (``weights`` None for nearest: one tap of weight 1); ``label`` is
    PyTorch's node name for the mode.
    """

    def __init__(self, plan, label):
        self.plan, self.label = plan, label

    def forward(self, x):
        if not self.plan:
            return x.copy()
        for axis, _, taps, weights in self.plan:
            x = _gather_along(x, axis, taps, weights)
        return x

    def backward(self, g):
        for axis, size, taps, weights in reversed(self.plan):
            g = _add_back_along(g, axis, size, taps, weights)
        return g

    def name(self):
        return self.label


def _broadcast_along(vector, axis, ndim):
    shape = [1] * ndim
    shape[axis] = -1
    return vector.reshape(shape)


def _gather_along(x, axis, taps, weights):
    """One resampling step on an array."""
    if weights is None:
        return x.take(taps[:, 0], axis=axis)
    out = x.take(taps[:, 0], axis=axis) * _broadcast_along(weights[:, 0], axis, x.ndim)
    for k in range(1, taps.shape[1]):
        out += x.take(taps[:, k], axis=axis) * _broadcast_along(weights[:, k], axis, x.ndim)
    return out


def _add_back_along(g, axis, size, taps, weights):
    """The adjoint of one resampling step, on Tensors: each output's gradient added back at its taps."""
    shape = list(g.shape)
    shape[axis] = size
    grad = g.new_zeros(shape)
    for k in range(taps.shape[1]):
        part = g if weights is None else g * as_tensor(_broadcast_along(weights[:, k], axis, g.dim()))
        grad = grad.index_add(axis, as_tensor(taps[:, k]), part)
    return grad


def _scale_value(size, out_size, factor, dtype):
    """PyTorch's ``compute_scales_value``: 1 / scale_factor when one was given, else in / out."""
    return dtype(1.0 / factor) if factor else dtype(size) / dtype(out_size)


def _nearest_taps(size, out_size, factor, exact, shortcuts):
    """Source index per output (PyTorch's float32 ``floorf`` of ``j * scale``, or of ``(j + 0.5) * scale``).

    With ``shortcuts`` (PyTorch's 2-D nearest kernel), an output as large as
    the input, or twice as large, copies or doubles it whatever the scale factor.
    """
    if shortcuts and out_size in (size, 2 * size):
        return (np.arange(out_size) // (out_size // size))[:, None], None
    scale = _scale_value(size, out_size, factor, np.float32)
    if exact:
        source = ((np.arange(out_size) + 0.5) * scale).astype(np.float32)
    else:
        source = np.arange(out_size, dtype=np.float32) * scale
    return np.minimum(np.floor(source).astype(np.int64), size - 1)[:, None], None


def _source_coordinates(size, out_size, factor, align_corners, cubic, dtype):
    """PyTorch's ``area_pixel_compute_source_index`` for every output position, in ``dtype``."""
    if align_corners:
        scale = dtype(size - 1) / dtype(out_size - 1) if out_size > 1 else dtype(0)
        return np.arange(out_size, dtype=dtype) * scale
    scale = _scale_value(size, out_size, factor, dtype)
    source = scale * (np.arange(out_size, dtype=dtype) + dtype(0.5)) - dtype(0.5)
    return source if cubic else np.maximum(source, dtype(0))


def _index_and_fraction(source, size):
    """PyTorch's ``guard_index_and_lambda``: the index below each coordinate and the fraction past it."""
    index = np.minimum(np.floor(source).astype(np.int64), size - 1)
    return index, np.clip(source - index, 0, 1)


def _linear_taps(size, out_size, factor, align_corners, dtype):
    index, fraction = _index_and_fraction(_source_coordinates(size, out_size, factor, align_corners, False, dtype),
                                          size)
    return np.stack([index, np.minimum(index + 1, size - 1)], 1), np.stack([1 - fraction, fraction], 1)


_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution coefficient


def _cubic_near(t):
    return ((_CUBIC_A + 2) * t - (_CUBIC_A + 3)) * t * t + 1


def _cubic_far(t):
    return ((_CUBIC_A * t - 5 * _CUBIC_A) * t + 8 * _CUBIC_A) * t - 4 * _CUBIC_A


def _cubic_taps(size, out_size, factor, align_corners, dtype):
    index, t = _index_and_fraction(_source_coordinates(size, out_size, factor, align_corners, True, dtype), size)
    taps = np.clip(index[:, None] + np.arange(-1, 3), 0, size - 1)
    return taps, np.stack([_cubic_far(t + 1), _cubic_near(t), _cubic_near(1 - t), _cubic_far(2 - t)], 1)


_NODE_KINDS = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear", "bilinear": "Bilinear",
               "bicubic": "Bicubic", "trilinear": "Trilinear"}
_INTERPOLATING_RANKS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}  # spatial dims each mode needs


def _axis_taps(mode, dim, size, out_size, factor, align_corners, dtype):
    if mode in ("nearest", "nearest-exact"):
        return _nearest_taps(size, out_size, factor, mode == "nearest-exact", mode == "nearest" and dim == 2)
    if mode == "bicubic":
        return _cubic_taps(size, out_size, factor, align_corners, dtype)
    return _linear_taps(size, out_size, factor, align_corners, dtype)


def _spatial_list(value, dim, input, mismatch):
    """``value`` (a number or a sequence) as one entry per spatial dim; ``mismatch`` words the error."""
    if not isinstance(value, (list, tuple)):
        return [value] * dim
    if len(value) != dim:
        raise ValueError(mismatch)
    return list(value)


def _output_sizes(input, dim, size, scale_factor, recompute_scale_factor):
    """The output size of each spatial dim and the scale factor its kernel uses (None: in / out)."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    spatial = list(input.shape[2:])
    if size is not None:
        sizes = _spatial_list(size, dim, input, "Input and output must have the same number of spatial dimensions, "
                              f"but got input with spatial dimensions of {spatial} and output size of {size}. Please "
                              "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                              "...,oK) format.")
        if not all(isinstance(s, (int, np.integer)) for s in sizes):
            raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int], "
                            f"but got size with types {[type(s) for s in sizes]}")
        return [int(s) for s in sizes], [None] * dim
    factors = _spatial_list(scale_factor, dim, input, "Input and scale_factor must have the same number of spatial "
                            f"dimensions, but got input with spatial dimensions of {spatial} and scale_factor of shape "
                            f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                            "scale_factor in (s1, s2, ...,sK) format.")
    factors = [float(f) for f in factors]
    sizes = [math.floor(n * f) for n, f in zip(spatial, factors)]
    return sizes, ([None] * dim if recompute_scale_factor else factors)


def _check_output_sizes(input, sizes):
    if min(input.shape[2:]) > 0 and min(sizes) > 0:
        return
    names = ("D", "H", "W")[3 - len(sizes):]
    shown = lambda values: ", ".join(f"{n}: {v}" for n, v in zip(names, values))  # noqa: E731
    joined = " and" if len(sizes) == 1 else ""  # PyTorch's 1-D message has it
    raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({shown(input.shape[2:])})"
                       f"{joined} output ({shown(sizes)})")


def _check_interpolate_mode(input, mode, antialias):
    dim = input.dim() - 2
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if antialias:
        raise NotImplementedError(f"interpolate: antialias=True is not supported (mode '{mode}'); use antialias=False")
    needed = _INTERPOLATING_RANKS.get(mode)
    if dim in (1, 2, 3) and needed not in (None, dim) and mode != "bicubic":
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {needed + 2}D input")
    if dim not in (1, 2, 3) or (needed is not None and needed != dim) or (mode not in _NODE_KINDS and mode != "area"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                                  "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")


def _area(input, sizes):
    """Mode 'area': adaptive average pooling to ``sizes``, as PyTorch does it."""
    if input.dim() == 4:
        return autograd_core.adaptive_avg_pool2d(input, sizes)
    if input.dim() == 3:
        return autograd_core.adaptive_avg_pool2d(input.unsqueeze(-2), (1, sizes[0])).squeeze(-2)
    raise NotImplementedError("interpolate: mode 'area' of a 5-D input needs adaptive_avg_pool3d, which autograd_core "
                              "does not have")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, *) ``input`` to ``size`` or by ``scale_factor``.

    Modes: 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear' and 'bicubic'
    (4-D), 'trilinear' (5-D), 'area'. ``align_corners`` (interpolating modes)
    maps the corner pixels' centres onto each other; with
    ``recompute_scale_factor`` the kernel uses in / out rather than the factor given.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    else:
        align_corners = bool(align_corners)
    dim = input.dim() - 2
    recompute = recompute_scale_factor or (mode == "area" and size is None)
    sizes, factors = _output_sizes(input, dim, size, scale_factor, recompute)
    _check_interpolate_mode(input, mode, antialias)
    _check_output_sizes(input, sizes)
    if mode == "area":
        return _area(input, sizes)
    if not input.is_floating_point():
        raise NotImplementedError(f"interpolate: mode '{mode}' needs a floating point input, got {input.dtype}")
    opmath = np.float64 if input.dtype == autograd_core.float64 else np.float32
    plan = []
    for axis, (n, m, factor) in enumerate(zip(input.shape[2:], sizes, factors), start=2):
        if m == n and (factor in (None, 1.0) or align_corners or (mode == "nearest" and dim == 2)):
            continue  # this axis stays as it is
        taps, weights = _axis_taps(mode, dim, n, m, factor, align_corners, opmath)
        like = input.array
        weights = None if weights is None else from_numpy(weights.astype(like.dtype), like=like)
        plan.append((axis, n, from_numpy(taps, like=like), weights))
    return Resample(tuple(plan), f"Upsample{_NODE_KINDS[mode]}{dim}DBackward0")(input)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate``."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ----- grid_sample / affine_grid -----
def _unnormalized(coordinate, size, align_corners):
    """Grid coordinates in [-1, 1] as pixel coordinates, and their derivative."""
    if align_corners:
        return (coordinate + 1) / 2 * (size - 1), (size - 1) / 2
    return ((coordinate + 1) * size - 1) / 2, size / 2


def _clipped(xp, coordinate, size):
    """Coordinates clipped to [0, size - 1], and their derivative (0 on and past the bounds, as PyTorch)."""
    inside = (coordinate > 0) & (coordinate < size - 1)
    return xp.clip(coordinate, 0, size - 1), inside.astype(coordinate.dtype)


def _reflected(xp, coordinate, twice_low, twice_high):
    """Coordinates reflected into [low, high] (bounds given doubled), and their derivative (+-1)."""
    if twice_low == twice_high:
        return xp.zeros_like(coordinate), xp.zeros_like(coordinate)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    shifted = coordinate - low
    sign = xp.where(shifted < 0, -1, 1).astype(coordinate.dtype)
    shifted = abs(shifted)
    extra = xp.fmod(shifted, span)
    even = (xp.floor(shifted / span) % 2) == 0
    return xp.where(even, extra + low, span - extra + low), xp.where(even, sign, -sign)


def _source_pixels(xp, coordinate, size, padding_mode, align_corners):
    """PyTorch's ``grid_sampler_compute_source_index_set_grad``: pixel coordinates and d(pixel)/d(grid)."""
    pixel, slope = _unnormalized(coordinate, size, align_corners)
    slope = xp.full(coordinate.shape, slope, dtype=coordinate.dtype)
    if padding_mode == "border":
        pixel, inside = _clipped(xp, pixel, size)
        slope = slope * inside
    elif padding_mode == "reflection":
        bounds = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        pixel, flip = _reflected(xp, pixel, *bounds)
        pixel, inside = _clipped(xp, pixel, size)
        slope = slope * flip * inside
    return pixel, slope


def _corners(xp, pixels, sizes, mode):
    """Per neighbouring input pixel: its flat index (0 where outside), weight (0 outside), d(weight)/d(pixel) per axis.

    ``pixels`` has one (N, Q) coordinate array per spatial axis (input order).
    """
    if mode == "nearest":
        rounded = [xp.rint(p).astype(np.int64) for p in pixels]
        choices = [[(r, xp.ones_like(p), xp.zeros_like(p))] for r, p in zip(rounded, pixels)]
    else:
        choices = []
        for p in pixels:
            low = xp.floor(p)
            fraction = p - low
            low = low.astype(np.int64)
            choices.append([(low, 1 - fraction, -xp.ones_like(p)), (low + 1, fraction, xp.ones_like(p))])
    corners = [[]]
    for axis_choices in choices:
        corners = [corner + [choice] for corner in corners for choice in axis_choices]
    for corner in corners:
        flat, inside = 0, True
        for (index, w, _), size in zip(corner, sizes):
            inside = inside & (index >= 0) & (index < size)
            flat = flat * size + xp.clip(index, 0, size - 1)
        weight = _product([w for _, w, _ in corner]) * inside
        slopes = [_product([dw if a == b else w for b, (_, w, dw) in enumerate(corner)]) * inside
                  for a in range(len(corner))]
        yield flat, weight, slopes


def _product(values):
    result = values[0]
    for v in values[1:]:
        result = result * v
    return result


class GridSampler(Function):
    """Sample (N, C, *S) ``input`` at the grid's points (N, *O, d), coordinates (x, y[, z]) in [-1, 1].

    Bilinear (trilinear) or nearest; ``padding_mode`` says what points outside
    the input see. Backward (to both inputs) is not itself differentiable.
    """

    saves = (0, 1)

    def __init__(self, dims, mode, padding_mode, align_corners):
        self.dims, self.mode, self.padding_mode, self.align_corners = dims, mode, padding_mode, align_corners

    def geometry(self, xp, x, grid):
        """The input's spatial sizes, the (N, Q) pixel coordinate arrays per axis and their slopes."""
        sizes = x.shape[2:]
        d = len(sizes)
        points = grid.reshape(grid.shape[0], int(np.prod(grid.shape[1:-1])), d)
        pixels, slopes = zip(*[_source_pixels(xp, points[..., d - 1 - a], sizes[a], self.padding_mode,
                                              self.align_corners) for a in range(d)])
        return sizes, pixels, slopes

    def forward(self, x, grid):
        xp = array_module(x)
        sizes, pixels, _ = self.geometry(xp, x, grid)
        flat_x = x.reshape(x.shape[0], x.shape[1], int(np.prod(sizes)))
        batch = xp.arange(x.shape[0])[:, None, None]
        channel = xp.arange(x.shape[1])[None, :, None]
        out = xp.zeros((x.shape[0], x.shape[1], pixels[0].shape[1]), dtype=x.dtype)
        for flat, weight, _ in _corners(xp, pixels, sizes, self.mode):
            out += flat_x[batch, channel, flat[:, None, :]] * weight[:, None, :]
        return out.reshape(x.shape[:2] + grid.shape[1:-1])

    @once_differentiable
    def backward(self, gy):
        x, grid = (t.array for t in self.saved_tensors)
        xp = array_module(x)
        sizes, pixels, slopes = self.geometry(xp, x, grid)
        n, c = x.shape[:2]
        points = int(np.prod(sizes))
        g = gy.array.reshape(n, c, pixels[0].shape[1])
        needs = self.needs_input_grad
        grad_x = xp.zeros((n, points, c), dtype=x.dtype) if needs[0] else None
        grad_pixels = [xp.zeros_like(p) for p in pixels]
        flat_x = x.reshape(n, c, points)
        batch = xp.arange(n)[:, None]
        for flat, weight, weight_slopes in _corners(xp, pixels, sizes, self.mode):
            if needs[0]:
                xp.add.at(grad_x, (batch, flat), (g * weight[:, None, :]).transpose(0, 2, 1))
            if needs[1] and self.mode != "nearest":
                seen = (flat_x[batch[:, :, None], xp.arange(c)[None, :, None], flat[:, None, :]] * g).sum(axis=1)
                for a, s in enumerate(weight_slopes):
                    grad_pixels[a] += seen * s
        grad_grid = None
        if needs[1]:
            d = len(sizes)
            grad_grid = xp.stack([grad_pixels[d - 1 - k] * slopes[d - 1 - k] for k in range(d)], axis=-1)
            grad_grid = as_tensor(grad_grid.reshape(grid.shape))
        if grad_x is not None:
            grad_x = as_tensor(grad_x.transpose(0, 2, 1).reshape(x.shape))
        return grad_x, grad_grid

    def name(self):
        return f"GridSampler{self.dims}DBackward0"


def _default_align_corners(align_corners):
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", stacklevel=3)
        return False
    return align_corners


def _check_grid(input, grid, mode, padding_mode):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    d = input.dim() - 2
    if grid.shape[-1] != d:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {d} in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
                           f"{list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.dtype != grid.dtype or not input.is_floating_point():
        raise RuntimeError(f"grid_sampler(): expected input and grid of the same floating point dtype, but got input "
                           f"{input.dtype} and grid {grid.dtype}")
    if min(input.shape[2:]) <= 0:
        raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes "
                           f"{list(input.shape)}")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode 'bicubic' is not supported; use 'bilinear' or 'nearest'")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) or (N, C, D, H, W) at ``grid`` (N, H_out, W_out, 2) or (N, D_out, H_out, W_out, 3).

    Grid coordinates are (x, y[, z]) in [-1, 1] (-1: the left / top edge, or
    the first pixel's centre with ``align_corners``); ``padding_mode`` 'zeros',
    'border' or 'reflection' says what points outside see.
    """
    _check_grid(input, grid, mode, padding_mode)
    align_corners = _default_align_corners(align_corners)
    return GridSampler(input.dim() - 2, mode, padding_mode, align_corners)(input, grid)


def _base_coordinates(size, align_corners):
    """PyTorch's ``linspace_from_neg_one``: n points over [-1, 1] (pulled in by (n - 1) / n unless aligned)."""
    if size <= 1:
        return np.zeros(1)
    points = np.linspace(-1, 1, size)
    return points if align_corners else points * (size - 1) / size


class AffineGridGenerator(Function):
    """The sampling grid (N, *S, d) of affine maps ``theta`` (N, d, d + 1) applied to ``base`` (P, d + 1) points."""

    def __init__(self, base, spatial):
        self.base, self.spatial = base, spatial

    def forward(self, theta):
        out = self.base @ theta.transpose(0, 2, 1)
        return out.reshape((theta.shape[0],) + self.spatial + (theta.shape[1],))

    def backward(self, g):
        n, d = g.shape[0], g.shape[-1]
        return g.reshape(n, -1, d).transpose(1, 2) @ as_tensor(self.base)


def affine_grid(theta, size, align_corners=None):
    """The grid ``grid_sample`` needs to apply the affine maps ``theta`` (N, 2, 3) or (N, 3, 4) to an image of ``size``."""
    align_corners = _default_align_corners(align_corners)
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in size):
        raise TypeError(f"affine_grid: size must be a tuple of ints, but got {tuple(size)}")
    size = tuple(int(s) for s in size)
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) not in (4, 5):
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    d = len(size) - 2
    if theta.dim() != 3 or tuple(theta.shape[1:]) != (d, d + 1):
        raise ValueError(f"Expected a batch of {d}D affine matrices of shape Nx{d}x{d + 1} for size {size}. Got "
                         f"{theta.shape}.")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation of "
                      "affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta holds {theta.shape[0]} affine matrices but size {size} asks for a "
                           f"batch of {size[0]}")
    grids = np.meshgrid(*[_base_coordinates(n, align_corners) for n in spatial], indexing="ij")
    base = np.stack(list(grids[::-1]) + [np.ones(spatial)], axis=-1).reshape(-1, d + 1)  # (x, y[, z], 1): x the last dim
    base = from_numpy(base.astype(theta.array.dtype), like=theta.array)
    return AffineGridGenerator(base, spatial)(theta)


# ----- pixel and channel shuffles -----
def _check_factor(op, factor, what):
    if not isinstance(factor, (int, np.integer)) or factor <= 0:
        raise RuntimeError(f"{op} expects a positive {what}, but got {factor}")


def _check_rank(op, input):
    if input.dim() < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input with {input.dim()} "
                           "dimension(s)")


class _Shuffle(Function):
    """A rearrangement of (*, C, H, W) between channels and space by ``factor``: reshape to tiles, transpose the
    last five dimensions by ``order``, reshape to the output (``_layout`` gives the shapes)."""

    order = None  # set by each subclass

    def __init__(self, factor):
        self.factor = factor

    def forward(self, x):
        lead = x.shape[:-3]
        n = len(lead)
        tiles, out = self._layout(self.factor, *x.shape[-3:])
        order = tuple(range(n)) + tuple(n + i for i in self.order)
        return x.reshape(lead + tiles).transpose(order).reshape(lead + out)


class PixelShuffle(_Shuffle):
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r): each channel block of r * r becomes an r x r tile."""

    order = (0, 3, 1, 4, 2)

    @staticmethod
    def _layout(r, c, h, w):
        return (c // (r * r), r, r, h, w), (c // (r * r), h * r, w * r)

    def backward(self, g):
        return PixelUnshuffle(self.factor)(g)


class PixelUnshuffle(_Shuffle):
    """(*, C, H * r, W * r) -> (*, C * r * r, H, W): the inverse of ``PixelShuffle``."""

    order = (0, 2, 4, 1, 3)

    @staticmethod
    def _layout(r, c, h, w):
        return (c, h // r, r, w // r, r), (c * r * r, h // r, w // r)

    def backward(self, g):
        return PixelShuffle(self.factor)(g)


def pixel_shuffle(input, upscale_factor):
    """Rearrange (*, C * r^2, H, W) into (*, C, H * r, W * r), r = ``upscale_factor`` (sub-pixel convolution)."""
    _check_rank("pixel_shuffle", input)
    _check_factor("pixel_shuffle", upscale_factor, "upscale_factor")
    square = upscale_factor * upscale_factor
    if input.shape[-3] % square:
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={input.shape[-3]} is not divisible by {square}")
    return PixelShuffle(upscale_factor)(input)


def pixel_unshuffle(input, downscale_factor):
    """Rearrange (*, C, H * r, W * r) into (*, C * r^2, H, W), r = ``downscale_factor``."""
    _check_rank("pixel_unshuffle", input)
    _check_factor("pixel_unshuffle", downscale_factor, "downscale_factor")
    for axis, name in ((-2, "height"), (-1, "width")):
        if input.shape[axis] % downscale_factor:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({axis})={input.shape[axis]} is not divisible by {downscale_factor}")
    if input.numel() == 0:  # PyTorch gives an empty input back with its own shape
        return input.clone()
    return PixelUnshuffle(downscale_factor)(input)


class ChannelShuffle(Function):
    """(N, g * k, *) -> the channels read as a (g, k) table column by column (ShuffleNet)."""

    def __init__(self, groups):
        self.groups = groups

    def forward(self, x):
        n, c = x.shape[:2]
        table = x.reshape((n, self.groups, c // self.groups) + x.shape[2:])
        return table.swapaxes(1, 2).reshape(x.shape)

    def backward(self, g):
        return ChannelShuffle(g.shape[1] // self.groups)(g)


def channel_shuffle(input, groups):
    """Interleave the ``groups`` channel groups of (N, C, *) ``input``."""
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
                           f"{groups} groups.")
    return ChannelShuffle(groups)(input)


# ----- unfold / fold -----
class Im2Col(Function):
    """Sliding blocks of (N, C, H, W) (or (C, H, W)) as columns (N, C * kh * kw, L), block by block."""

    def __init__(self, size, kernel_size, dilation, padding, stride):
        self.size, self.kernel_size, self.dilation = size, kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, x):
        batched = x.ndim == 4
        x = x if batched else x[None]
        (ph, pw), (kh, kw) = self.padding, self.kernel_size
        padded = array_module(x).pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        rows, cols = _block_positions(self.size, self.kernel_size, self.dilation, self.padding, self.stride)
        blocks = padded[:, :, from_numpy(rows[:, None, :, None], like=x), from_numpy(cols[None, :, None, :], like=x)]
        out = blocks.reshape(x.shape[0], x.shape[1] * kh * kw, rows.shape[1] * cols.shape[1])
        return out if batched else out[0]

    def backward(self, g):
        return Col2Im(self.size, self.kernel_size, self.dilation, self.padding, self.stride)(g)


class Col2Im(Function):
    """Columns (N, C * kh * kw, L) summed back into the (N, C, H, W) image they tile: the adjoint of ``Im2Col``."""

    def __init__(self, size, kernel_size, dilation, padding, stride):
        self.size, self.kernel_size, self.dilation = size, kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, columns):
        batched = columns.ndim == 3
        columns = columns if batched else columns[None]
        (h, w), (kh, kw), (ph, pw) = self.size, self.kernel_size, self.padding
        (dh, dw), (sh, sw) = self.dilation, self.stride
        rows, cols = _block_positions(self.size, self.kernel_size, self.dilation, self.padding, self.stride)
        oh, ow = rows.shape[1], cols.shape[1]
        n = columns.shape[0]
        blocks = columns.reshape(n, columns.shape[1] // (kh * kw), kh, kw, oh, ow)
        out = array_module(columns).zeros((n, blocks.shape[1], h + 2 * ph, w + 2 * pw), dtype=columns.dtype)
        for i in range(kh):
            for j in range(kw):
                out[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw] += blocks[:, :, i, j]
        out = out[:, :, ph:ph + h, pw:pw + w]
        return out if batched else out[0]

    def backward(self, g):
        return Im2Col(self.size, self.kernel_size, self.dilation, self.padding, self.stride)(g)


def _block_positions(size, kernel_size, dilation, padding, stride):
    """Per spatial dim, the (kernel, blocks) padded positions each kernel offset of each block reads."""
    return [np.arange(k)[:, None] * d + np.arange(_block_count(n, k, d, p, s))[None, :] * s
            for n, k, d, p, s in zip(size, kernel_size, dilation, padding, stride)]


def _block_count(size, kernel, dilation, padding, stride):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _pair(value, name, op):
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) for v in pair):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return tuple(int(v) for v in pair)


def _block_arguments(op, kernel_size, dilation, padding, stride):
    """The four arguments as pairs, checked as PyTorch's im2col / col2im check them."""
    kernel_size, dilation = _pair(kernel_size, "kernel_size", op), _pair(dilation, "dilation", op)
    padding, stride = _pair(padding, "padding", op), _pair(stride, "stride", op)
    for name, (a, b), low in (("kernel", kernel_size, 1), ("stride", stride, 1), ("dilation", dilation, 1),
                              ("pad", padding, 0)):
        if a < low or b < low:
            relation = "greater than zero" if low else "non-negative"
            raise RuntimeError(f"{name} should be {relation}, but got {name}_height: {a} {name}_width: {b}")
    return kernel_size, dilation, padding, stride


def _check_block_counts(size, kernel_size, dilation, padding, stride):
    counts = tuple(_block_count(*args) for args in zip(size, kernel_size, dilation, padding, stride))
    if min(counts) < 1:
        raise RuntimeError(f"Given input with spatial size {tuple(size)}, kernel_size={kernel_size}, "
                           f"dilation={dilation}, padding={padding}, calculated shape of the array of sliding blocks "
                           f"as {counts}, but its components must be at least one.")
    return counts


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks (im2col): (N, C, H, W) -> (N, C * kh * kw, L), L the number of blocks."""
    if input.dim() not in (3, 4) or min(input.shape[-2:]) <= 0 or input.shape[-3] <= 0:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    args = _block_arguments("unfold", kernel_size, dilation, padding, stride)
    size = tuple(input.shape[-2:])
    _check_block_counts(size, *args)
    return Im2Col(size, *args)(input)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into an image (col2im): (N, C * kh * kw, L) -> (N, C, *output_size)."""
    if input.dim() not in (2, 3) or min(input.shape[-2:]) <= 0:
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    size = _pair(output_size, "output_size", "fold")
    kernel_size, dilation, padding, stride = args = _block_arguments("fold", kernel_size, dilation, padding, stride)
    if input.shape[-2] % (kernel_size[0] * kernel_size[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={input.shape[-2]} and kernel_size={kernel_size}.")
    counts = _check_block_counts(size, *args)
    if input.shape[-1] != counts[0] * counts[1]:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel_size}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {counts[0]} * {counts[1]} = {counts[0] * counts[1]}, "
                           f"but got input.size(2)={input.shape[-1]}.")
    return Col2Im(size, *args)(input)
