"""Sample transforms in the torchvision style: ToTensor, Normalize, Compose, Lambda, Flatten."""
import numpy as np

from .arrays import from_numpy
from .creation import from_numpy as tensor_from_numpy
from .tensor import Tensor, _new

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "Flatten"]


class Compose:
    """Apply ``transforms`` one after another."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, sample):
        for transform in self.transforms:
            sample = transform(sample)
        return sample

    def __repr__(self):
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


class ToTensor:
    """An image array (H x W or H x W x C) as a C x H x W tensor; uint8 becomes float32 in [0, 1].

    Other dtypes keep their values and dtype, as in torchvision. PIL images work too.
    The image is moved to the default backend before the conversion to float.
    """

    def __call__(self, pic):
        if not isinstance(pic, np.ndarray):
            if not hasattr(pic, "__array_interface__"):
                raise TypeError(f"ToTensor: pic should be an ndarray (H x W or H x W x C) or a PIL image, "
                                f"got {type(pic).__name__}")
            pic = np.asarray(pic)
        if pic.ndim not in (2, 3):
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional (H x W or H x W x C), got {pic.ndim} "
                             f"dimensions (shape {pic.shape})")
        image = tensor_from_numpy(np.ascontiguousarray(pic[None] if pic.ndim == 2 else pic.transpose(2, 0, 1)))
        if image.array.dtype == np.uint8:
            return _new(image.array.astype(np.float32) * np.float32(1 / 255))
        return image

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel c of a (..., C, H, W) float tensor."""

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor) or not tensor.is_floating_point():
            raise TypeError(f"Normalize: expected a float tensor image, got "
                            f"{getattr(tensor, 'dtype', type(tensor).__name__)}")
        if tensor.ndim < 3:
            raise ValueError(f"Normalize: expected a tensor image of size (..., C, H, W), got shape "
                             f"{tuple(tensor.shape)}")
        dtype = tensor.array.dtype
        mean = np.asarray(self.mean, dtype=dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=dtype).reshape(-1, 1, 1)
        if np.any(std == 0):
            raise ValueError(f"Normalize: std evaluated to zero after conversion to {dtype}, leading to "
                             f"division by zero (std={self.std})")
        if len(mean) not in (1, tensor.shape[-3]) or len(std) not in (1, tensor.shape[-3]):
            raise ValueError(f"Normalize: {len(mean)} means and {len(std)} stds for an image with "
                             f"{tensor.shape[-3]} channels")
        mean, std = _new(from_numpy(mean, like=tensor.array)), _new(from_numpy(std, like=tensor.array))
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function as a transform."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: argument should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, sample):
        return self.lambd(sample)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Flatten:
    """Flatten a tensor from ``start_dim`` on (a C x H x W image becomes a vector of C * H * W)."""

    def __init__(self, start_dim=0):
        self.start_dim = start_dim

    def __call__(self, tensor):
        return tensor.flatten(self.start_dim)

    def __repr__(self):
        return f"{type(self).__name__}(start_dim={self.start_dim})"
