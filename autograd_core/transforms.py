"""Sample transforms in the torchvision style: Compose, ToTensor, Normalize, Resize, CenterCrop, RandomCrop,
RandomHorizontalFlip, Lambda, Flatten.

The geometric ones take a PIL image (and return one) or a tensor image of shape
(..., H, W) (and return a tensor), as torchvision's do. Tensor resizing goes
through Pillow channel by channel (mode "F"), whose antialiased filters are what
torchvision's ``antialias=True`` reproduces; the random ones draw from
autograd_core's global generator, so ``manual_seed`` (and DataLoader workers'
seeding) repeats them.
"""
import enum
import numbers

import numpy as np

from . import random as _random
from .arrays import array_module, from_numpy, to_numpy
from .creation import from_numpy as tensor_from_numpy
from .dtypes import get_default_dtype
from .tensor import Tensor, _new

__all__ = ["Compose", "ToTensor", "Normalize", "Resize", "CenterCrop", "RandomCrop", "RandomHorizontalFlip",
           "InterpolationMode", "Lambda", "Flatten"]


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
    """An image array (H x W or H x W x C) as a C x H x W tensor; uint8 becomes the default float dtype in
    [0, 1] (``x / 255``, torchvision's numbers).

    Other dtypes keep their values and dtype, as in torchvision. PIL images work too (a
    1-bit image counts as 0 and 255). The image is moved to the default backend before
    the conversion to float.
    """

    def __call__(self, pic):
        if not isinstance(pic, np.ndarray):
            if not hasattr(pic, "__array_interface__"):
                raise TypeError(f"ToTensor: pic should be an ndarray (H x W or H x W x C) or a PIL image, "
                                f"got {type(pic).__name__}")
            pic = np.asarray(pic)
            if pic.dtype == np.bool_:  # PIL mode "1"
                pic = pic.astype(np.uint8) * np.uint8(255)
        if pic.ndim not in (2, 3):
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional (H x W or H x W x C), got {pic.ndim} "
                             f"dimensions (shape {pic.shape})")
        image = tensor_from_numpy(np.ascontiguousarray(pic[None] if pic.ndim == 2 else pic.transpose(2, 0, 1)))
        if image.array.dtype == np.uint8:
            float_dtype = get_default_dtype().numpy
            return _new(image.array.astype(float_dtype) / float_dtype.type(255))
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


# ----- geometry -----
class InterpolationMode(enum.Enum):
    """torchvision's interpolation modes (the values are their names)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _is_pil(img):
    return hasattr(img, "getbands") and hasattr(img, "crop")


def _check_image(img, op):
    if not (_is_pil(img) or isinstance(img, Tensor)):
        raise TypeError(f"{op}: img should be PIL Image or Tensor. Got {type(img)}")
    if isinstance(img, Tensor) and img.dim() < 2:
        raise ValueError(f"{op}: a tensor image should have at least 2 dimensions (..., H, W), got shape "
                         f"{tuple(img.shape)}")


def _image_size(img):
    """``(height, width)`` of a PIL or tensor image."""
    if _is_pil(img):
        width, height = img.size
        return height, width
    return tuple(img.shape[-2:])


def _size_pair(size, op):
    """An int or a sequence of one or two ints as ``(height, width)``."""
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) in (1, 2):
        return (int(size[0]), int(size[0])) if len(size) == 1 else (int(size[0]), int(size[1]))
    raise ValueError(f"{op}: please provide only two dimensions (h, w) for size, got {size!r}")


def _pil_resample(interpolation):
    from PIL import Image
    names = {InterpolationMode.NEAREST: "NEAREST", InterpolationMode.NEAREST_EXACT: "NEAREST",
             InterpolationMode.BILINEAR: "BILINEAR", InterpolationMode.BICUBIC: "BICUBIC",
             InterpolationMode.BOX: "BOX", InterpolationMode.HAMMING: "HAMMING", InterpolationMode.LANCZOS: "LANCZOS"}
    return getattr(Image.Resampling, names[interpolation])


def resized_size(image_size, size, max_size=None):
    """torchvision's output ``[height, width]``: ``size`` (h, w), or an int (one-element sequence) for the
    smaller edge, keeping the aspect ratio, the longer edge capped at ``max_size``."""
    height, width = image_size
    if isinstance(size, (tuple, list)) and len(size) == 2:
        if max_size is not None:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, i.e. "
                             "size should be an int or a sequence of length 1 in torchscript mode.")
        return [int(size[0]), int(size[1])]
    requested = int(size if isinstance(size, numbers.Number) else size[0])
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                             f"smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    new_width, new_height = (new_short, new_long) if width <= height else (new_long, new_short)
    return [new_height, new_width]


def _resize_tensor(img, height, width, interpolation):
    """A tensor image (..., H, W) resized on the host: nearest modes by index, the others channel by channel with
    Pillow's antialiased filters; integer images are rounded back to their dtype."""
    host = to_numpy(img.array)
    planes = host.reshape((-1,) + host.shape[-2:])
    in_height, in_width = planes.shape[1:]
    if interpolation in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        shift = 0.5 if interpolation is InterpolationMode.NEAREST_EXACT else 0.0
        rows = np.minimum(((np.arange(height) + shift) * (in_height / height)).astype(np.int64), in_height - 1)
        columns = np.minimum(((np.arange(width) + shift) * (in_width / width)).astype(np.int64), in_width - 1)
        resized = planes[:, rows][:, :, columns]
    else:
        from PIL import Image
        resample = _pil_resample(interpolation)
        resized = np.stack([np.asarray(Image.fromarray(plane.astype(np.float32), mode="F")
                                       .resize((width, height), resample)) for plane in planes])
        if host.dtype.kind in "iub":
            info = np.iinfo(host.dtype) if host.dtype.kind != "b" else None
            resized = np.round(resized)
            resized = resized.clip(info.min, info.max) if info is not None else resized
        resized = resized.astype(host.dtype, copy=False)
    shaped = np.ascontiguousarray(resized.reshape(host.shape[:-2] + (height, width)))
    return _new(from_numpy(shaped, like=img.array))


class Resize:
    """Resize to ``size``: (h, w), or an int for the smaller edge keeping the aspect ratio (``max_size`` caps
    the longer one)."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        if not isinstance(size, (numbers.Number, tuple, list)) or (isinstance(size, (tuple, list))
                                                                   and len(size) not in (1, 2)):
            raise TypeError(f"Resize: size should be int or sequence of length 1 or 2. Got {size!r}")
        if isinstance(interpolation, int):
            raise TypeError("Resize: argument interpolation should be an InterpolationMode")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = InterpolationMode(interpolation)

    def __call__(self, img):
        _check_image(img, "Resize")
        height, width = resized_size(_image_size(img), self.size, self.max_size)
        if [height, width] == list(_image_size(img)):
            return img
        if _is_pil(img):
            return img.resize((width, height), _pil_resample(self.interpolation))
        return _resize_tensor(img, height, width, self.interpolation)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


def _padding_ltrb(padding, op):
    """torchvision's padding argument (int, (lr, tb) or (l, t, r, b)) as (left, top, right, bottom)."""
    if isinstance(padding, numbers.Number):
        return (int(padding),) * 4
    if isinstance(padding, (tuple, list)) and len(padding) in (1, 2, 4):
        if len(padding) == 1:
            return (int(padding[0]),) * 4
        if len(padding) == 2:
            return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
        return tuple(int(p) for p in padding)
    raise ValueError(f"{op}: padding must be an int or a 1, 2, or 4 element tuple, not {padding!r}")


_NUMPY_PAD_MODES = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


def pad(img, padding, fill=0, padding_mode="constant"):
    """``img`` padded by (left, top, right, bottom) ``padding`` with ``fill`` or by copying its border."""
    if padding_mode not in _NUMPY_PAD_MODES:
        raise ValueError(f"Padding mode should be either constant, edge, reflect or symmetric, got {padding_mode!r}")
    left, top, right, bottom = _padding_ltrb(padding, "pad")
    extra = {"constant_values": fill} if padding_mode == "constant" else {}
    if _is_pil(img):
        from PIL import Image
        host = np.asarray(img)
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (host.ndim - 2)
        padded = Image.fromarray(np.pad(host, widths, mode=_NUMPY_PAD_MODES[padding_mode], **extra), mode=img.mode)
        return padded
    xp = array_module(img.array)
    widths = [(0, 0)] * (img.dim() - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        extra = {"constant_values": img.array.dtype.type(fill)}
    return _new(xp.pad(img.array, widths, mode=_NUMPY_PAD_MODES[padding_mode], **extra))


def crop(img, top, left, height, width):
    """The ``height`` x ``width`` region at (``top``, ``left``); outside the image it is zero, as torchvision's."""
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    image_height, image_width = _image_size(img)
    if top < 0 or left < 0 or top + height > image_height or left + width > image_width:
        padding = [max(-left, 0), max(-top, 0), max(left + width - image_width, 0),
                   max(top + height - image_height, 0)]
        img = pad(img, padding)
        top, left = max(top, 0), max(left, 0)
    return img[..., top:top + height, left:left + width]


def center_crop(img, output_size):
    """The central ``output_size`` (h, w) region; a smaller image is zero-padded first (the odd pixel after)."""
    crop_height, crop_width = output_size
    image_height, image_width = _image_size(img)
    if crop_height > image_height or crop_width > image_width:
        grow_height, grow_width = max(crop_height - image_height, 0), max(crop_width - image_width, 0)
        img = pad(img, [grow_width // 2, grow_height // 2, (grow_width + 1) // 2, (grow_height + 1) // 2])
        image_height, image_width = _image_size(img)
    top = int(round((image_height - crop_height) / 2.0))
    left = int(round((image_width - crop_width) / 2.0))
    return crop(img, top, left, crop_height, crop_width)


class CenterCrop:
    """Crop the center: ``size`` (h, w) or an int for a square."""

    def __init__(self, size):
        self.size = _size_pair(size, "CenterCrop")

    def __call__(self, img):
        _check_image(img, "CenterCrop")
        return center_crop(img, self.size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class RandomCrop:
    """Crop a random ``size`` region, after an optional ``padding`` (and with ``pad_if_needed``, enough padding
    for the crop to fit)."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = _size_pair(size, "RandomCrop")
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img, output_size):
        """``(top, left, height, width)`` of a random crop of ``output_size``."""
        height, width = _image_size(img)
        crop_height, crop_width = output_size
        if height < crop_height or width < crop_width:
            raise ValueError(f"Required crop size {(crop_height, crop_width)} is larger than input image size "
                             f"{(height, width)}")
        if (height, width) == (crop_height, crop_width):
            return 0, 0, height, width
        top = _random.randint(0, height - crop_height + 1, size=(1,)).item()
        left = _random.randint(0, width - crop_width + 1, size=(1,)).item()
        return top, left, crop_height, crop_width

    def __call__(self, img):
        _check_image(img, "RandomCrop")
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        height, width = _image_size(img)
        if self.pad_if_needed and width < self.size[1]:
            img = pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return crop(img, *self.get_params(img, self.size))

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


def hflip(img):
    """The image mirrored left to right."""
    if _is_pil(img):
        from PIL import Image
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return img.flip(-1)


class RandomHorizontalFlip:
    """Mirror the image left to right with probability ``p``."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        _check_image(img, "RandomHorizontalFlip")
        return hflip(img) if _random.rand(1).item() < self.p else img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"
