"""A picture of one's own made into an example of an image dataset, as its images were made.

Fashion-MNIST (and MNIST, digits) hold grey images of a light object on a dark ground, the
object fitted into the frame. A file is read with Pillow (PNG, JPEG, ...) and converted so:

1. transparent pixels read as white, then colour becomes grey (ITU-R 601 luma, Pillow's ``L``);
2. when the image's border (its outermost pixels) is light on average, it is inverted, so a
   product photographed on a white ground becomes light on dark, as the dataset's images were;
3. it is fitted into the dataset's frame (28x28, 8x8): the longer side scaled to the frame
   (Lanczos), the shorter centred on a dark ground; nothing is trimmed, so crop a photo to the
   object first;
4. pixels are scaled to [0, 1] (digits: 17 levels, 0-16 ink counts, as scikit-learn's).

Colour datasets (CIFAR-10) skip the grey conversion and the inversion. Each step that changed
something is reported as a note.
"""

import dataclasses

import numpy as np
from PIL import Image, UnidentifiedImageError

from jax_zoo.core.errors import ZooError
from jax_zoo.datasets import dataset_info

PIXEL_LEVELS = {
    "digits": 16, "fashion_mnist_local": 255, "fashion_mnist_local_denoising": 255, "fashion_mnist": 255,
    "fashion_mnist_denoising": 255, "mnist": 255, "cifar10": 255,
}
"""The image datasets predictions read files for, and the grey levels of their pixels (1.0 = that many)."""
READABLE_MODES = ("1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "YCbCr")
LIGHT_BORDER = 0.5
"""A border whose mean brightness exceeds this fraction of white is a light ground."""


@dataclasses.dataclass(frozen=True)
class ImageExample:
    pixels: np.ndarray
    """``<float32>[height, width, channels]`` in [0, 1], the dataset's shape."""
    inverted: bool
    notes: tuple[str, ...]


def image_example(path, dataset: str) -> ImageExample:
    """The image file at ``path`` converted to one example of ``dataset`` (see the module's steps)."""
    if dataset not in PIXEL_LEVELS:
        raise ZooError(f"dataset {dataset!r} is not read from image files; expected one of {', '.join(PIXEL_LEVELS)}")
    height, width, channels = dataset_info(dataset).example_spec["inputs"].shape
    image, notes = _read(path)
    if channels == 1:
        grey, inverted, grey_notes = _grey_light_on_dark(image)
        notes += grey_notes
    else:
        grey, inverted = _flattened(image).convert("RGB"), False
    fitted = _fitted(grey, width, height)
    if (image.width, image.height) != (width, height):
        notes.append(f"fitted {image.width}x{image.height} into {width}x{height} (aspect kept, centred on dark)")
    levels = PIXEL_LEVELS[dataset]
    pixels = np.asarray(fitted, np.float32).reshape(height, width, channels)
    pixels = np.round(pixels * (levels / 255)) / levels
    return ImageExample(pixels=pixels.astype(np.float32), inverted=inverted, notes=tuple(notes))


def write_image(path, pixels: np.ndarray, *, inverted: bool) -> None:
    """Writes ``<float>[height, width, 1 or 3]`` in [0, 1] as a PNG (atomically), inverted back
    when the input was, so the image reads as its source did."""
    pixels = np.clip(np.asarray(pixels, np.float32), 0.0, 1.0)
    if inverted:
        pixels = 1.0 - pixels
    array = np.round(pixels * 255).astype(np.uint8)
    image = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
    temporary = path.with_name(path.name + ".tmp")
    image.save(temporary, format="PNG")
    temporary.replace(path)


def _read(path) -> tuple[Image.Image, list[str]]:
    try:
        image = Image.open(path)
        image.load()
    except FileNotFoundError:
        raise ZooError(f"{path}: no such file; expected an image file (PNG, JPEG)") from None
    except (UnidentifiedImageError, OSError) as error:
        raise ZooError(f"{path}: not an image Pillow can read ({error}); expected an image file (PNG, JPEG)") from None
    if image.mode not in READABLE_MODES:
        raise ZooError(
            f"{path}: image mode {image.mode} (e.g. 16-bit or floating-point); expected an 8-bit image "
            f"({', '.join(READABLE_MODES)})"
        )
    notes = []
    if getattr(image, "n_frames", 1) > 1:
        notes.append(f"first of its {image.n_frames} frames read")
    return image, notes


def _flattened(image: Image.Image) -> Image.Image:
    """``image`` with transparent pixels composited over white."""
    if image.mode in ("LA", "PA", "RGBA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba)
    return image


def _grey_light_on_dark(image: Image.Image) -> tuple[Image.Image, bool, list[str]]:
    notes = []
    flattened = _flattened(image)
    if flattened is not image:
        notes.append("transparent pixels read as white")
    grey = flattened.convert("L")
    if image.mode != "L":
        notes.append(f"{image.mode} converted to grey")
    array = np.asarray(grey, np.float32) / 255
    border = np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])
    inverted = bool(border.mean() > LIGHT_BORDER)
    if inverted:
        grey = Image.fromarray(255 - np.asarray(grey))
        notes.append(f"inverted: its border is light (mean {border.mean():.2f}), the dataset's objects are light on dark")
    return grey, inverted, notes


def _fitted(image: Image.Image, width: int, height: int) -> Image.Image:
    if image.size == (width, height):
        return image
    scale = min(width / image.width, height / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    resized = image.resize(size, Image.Resampling.LANCZOS)
    canvas = Image.new(image.mode, (width, height), 0)
    canvas.paste(resized, ((width - size[0]) // 2, (height - size[1]) // 2))
    return canvas
