"""Image folders in the torchvision layout (``root/<class>/**/<image>``): DatasetFolder and ImageFolder.

Classes are the sub-folders of ``root`` in sorted order (``class_to_idx``); the
samples are the files under each with an accepted extension, walked in sorted
order. ImageFolder opens them with Pillow as RGB images.
"""
import os

from ..utils.data import Dataset

__all__ = ["DatasetFolder", "ImageFolder", "IMG_EXTENSIONS", "default_loader", "pil_loader"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path):
    """The image at ``path`` as an RGB PIL image (the file is closed afterwards)."""
    from PIL import Image
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


default_loader = pil_loader


def find_classes(directory):
    """``(classes, class_to_idx)``: the sorted sub-folder names of ``directory`` and their indices."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
    """``[(path, class_index), ...]`` for the accepted files under each class folder, in sorted order."""
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if is_valid_file is None:
        is_valid_file = lambda path: path.lower().endswith(tuple(extensions))  # noqa: E731
    samples, empty = [], []
    for name in sorted(class_to_idx):
        found = [os.path.join(folder, file)
                 for folder, _, files in sorted(os.walk(os.path.join(directory, name), followlinks=True))
                 for file in sorted(files) if is_valid_file(os.path.join(folder, file))]
        samples += [(path, class_to_idx[name]) for path in found]
        if not found:
            empty.append(name)
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            message += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
        raise FileNotFoundError(message)
    return samples


class DatasetFolder(Dataset):
    """Samples ``(loader(path), class_index)`` from the files under the class folders of ``root``."""

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None, is_valid_file=None,
                 allow_empty=False):
        self.root = os.fspath(root)
        self.loader, self.extensions = loader, extensions
        self.transform, self.target_transform = transform, target_transform
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = make_dataset(self.root, self.class_to_idx, extensions, is_valid_file, allow_empty)
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def find_classes(directory):
        return find_classes(directory)

    def __getitem__(self, index):
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self):
        return len(self.samples)

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}"]
        if self.transform is not None:
            lines.append("    Transform: " + repr(self.transform).replace("\n", "\n    "))
        if self.target_transform is not None:
            lines.append("    Target transform: " + repr(self.target_transform).replace("\n", "\n    "))
        return "\n".join(lines)


class ImageFolder(DatasetFolder):
    """An image classification dataset: ``root/<class>/<image>`` files (PNG, JPEG... read with Pillow)."""

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None,
                 allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform,
                         target_transform, is_valid_file, allow_empty)
        self.imgs = self.samples
