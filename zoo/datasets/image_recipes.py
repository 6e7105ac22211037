"""How each image dataset's pictures were made, redone on a picture of one's own.

A model reads what it was trained on; a user's picture is converted the way its dataset's
images were made, so it meets the model in that form. Each recipe takes a Pillow image (any
size, transparent pixels already white) and a frame ``(height, width, channels)`` and returns
``<float32>[height, width, channels]`` pixels in [0, 1], whether it inverted the picture, and
a note for each step that changed something.

- ``optdigits`` (scikit-learn's digits, the UCI optdigits test set): NIST's programs cut each
  digit from a form as a 32x32 bitmap normalised to the frame, then counted its on pixels in
  4x4 blocks, giving 8x8 values 0-16 (the dataset's description). NIST's normalisation
  (NISTIR 5469) is not spelled out there; the shape below is read off the 1,797 digits
  themselves: every one has ink in all 8 rows, 1,388 are 6 columns wide, a "1" 5.2 on
  average. So the ink's bounding box is scaled to 32 rows, its width by the same factor but
  to at most 20 columns, and centred.
- ``mnist``: NIST's digits fitted into 20x20 keeping their aspect (anti-aliased, hence grey
  levels), then placed in 28x28 so their centre of mass is the frame's centre (LeCun et al.).
- ``fashion_mnist``: Zalando's conversion of its 51x73 product thumbnails (Xiao et al. 2017,
  section 2): trim the edges within 5% of the corner colour, subsample the longest edge to 28,
  sharpen (Gaussian, radius and sigma 1), extend the shortest edge to 28 around the centre,
  negate, make 8-bit grey. A picture larger than the thumbnails is first reduced to their size
  (area averaging), and a ground that is not white is made black like theirs once negated.
- ``fit``: colour photos (CIFAR-10): the whole picture, its longer side scaled to the frame.

Written by hand with Pillow and numpy: Otsu's threshold (``ink_threshold``) because Pillow
has none and scikit-image is not a dependency; the steps because no library ships them.
"""

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter

from jax_zoo.core.errors import ZooError

LIGHT_BORDER = 0.5
"""A ground (by default the border's mean) brighter than this fraction of white is light."""
OPTDIGITS_BITMAP, OPTDIGITS_BLOCK, OPTDIGITS_MAX_WIDTH = 32, 4, 20
MNIST_BOX = 20
FASHION_THUMBNAIL = 73
"""The longest edge of Zalando's thumbnails, which the conversion was fed."""
FASHION_TRIM_DISTANCE = 0.05
"""Edges closer than this (of the largest RGB distance) to the corner colour are trimmed."""

GREY_MODES = ("1", "L", "LA")
Converted = tuple[np.ndarray, bool, list[str]]


def light_on_dark(image: Image.Image, ground: float | None = None) -> tuple[np.ndarray, bool, list[str]]:
    """``(<uint8>[h, w] grey, inverted, notes)``: ITU-R 601 luma (Pillow's ``L``), inverted when
    the ground is light (``ground``, its brightness in [0, 1], defaults to the border's mean), so
    the object is light on a dark ground as in the datasets."""
    notes = [] if image.mode == "L" else [f"{image.mode} converted to grey"]
    grey = np.asarray(image.convert("L"))
    if ground is None:
        ground = float(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]]).mean() / 255)
    inverted = ground > LIGHT_BORDER
    if inverted:
        grey = 255 - grey
        notes.append(f"inverted: its ground is light ({ground:.2f}), the dataset's objects are light on dark")
    return grey, inverted, notes


def ink_threshold(grey: np.ndarray) -> int:
    """Otsu's threshold of ``<uint8>[h, w]``: the level that best separates ink from ground."""
    probabilities = np.bincount(grey.ravel(), minlength=256) / grey.size
    below = np.cumsum(probabilities)
    mean_below = np.cumsum(probabilities * np.arange(256))
    between = (mean_below[-1] * below - mean_below) ** 2 / np.maximum(below * (1 - below), 1e-12)
    return int(np.argmax(between))


def ink_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` (exclusive ends) of the true pixels of ``<bool>[h, w]``."""
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not rows.size:
        raise ZooError("the picture is one shade: expected an object darker or lighter than its ground")
    return rows[0], rows[-1] + 1, columns[0], columns[-1] + 1


def optdigits(image: Image.Image, frame: tuple[int, int, int]) -> Converted:
    """The digit's ink as optdigits' 32x32 bitmap, counted in 4x4 blocks: 8x8 values 0-16."""
    grey, inverted, notes = light_on_dark(image)
    ink = grey > ink_threshold(grey)
    if ink.all():
        raise ZooError("the picture is one shade: expected a digit darker or lighter than its ground")
    top, bottom, left, right = ink_box(ink)
    height, width = bottom - top, right - left
    scaled_width = max(1, min(OPTDIGITS_MAX_WIDTH, round(width * OPTDIGITS_BITMAP / height)))
    crop = Image.fromarray(ink[top:bottom, left:right].astype(np.uint8) * 255)
    scaled = np.asarray(crop.resize((scaled_width, OPTDIGITS_BITMAP), Image.Resampling.BOX)) >= 128
    bitmap = np.zeros((OPTDIGITS_BITMAP, OPTDIGITS_BITMAP), bool)
    start = (OPTDIGITS_BITMAP - scaled_width) // 2
    bitmap[:, start : start + scaled_width] = scaled
    blocks = OPTDIGITS_BITMAP // OPTDIGITS_BLOCK
    counts = bitmap.reshape(blocks, OPTDIGITS_BLOCK, blocks, OPTDIGITS_BLOCK).sum(axis=(1, 3))
    notes.append(
        f"ink {width}x{height} (of {image.width}x{image.height}) scaled to {scaled_width}x{OPTDIGITS_BITMAP} in a "
        f"32x32 bitmap, on pixels counted in 4x4 blocks (0-16), as optdigits"
    )
    pixels = counts.astype(np.float32) / OPTDIGITS_BLOCK**2
    return _in_frame(pixels, frame), inverted, notes


def mnist(image: Image.Image, frame: tuple[int, int, int]) -> Converted:
    """The ink fitted into 20x20 (aspect kept, anti-aliased), centred by mass in the frame."""
    grey, inverted, notes = light_on_dark(image)
    top, bottom, left, right = ink_box(grey > ink_threshold(grey))
    crop = Image.fromarray(grey[top:bottom, left:right])
    scale = MNIST_BOX / max(crop.width, crop.height)
    size = (max(1, round(crop.width * scale)), max(1, round(crop.height * scale)))
    box = np.asarray(crop.resize(size, Image.Resampling.LANCZOS), np.float32)
    height, width = frame[:2]
    mass_row, mass_column = _centre_of_mass(box)
    row = int(np.clip(round((height - 1) / 2 - mass_row), 0, height - size[1]))
    column = int(np.clip(round((width - 1) / 2 - mass_column), 0, width - size[0]))
    pixels = np.zeros((height, width), np.float32)
    pixels[row : row + size[1], column : column + size[0]] = box / 255
    notes.append(f"ink {right - left}x{bottom - top} fitted into {size[0]}x{size[1]}, centred by mass in {width}x{height}, as MNIST")
    return _in_frame(pixels, frame), inverted, notes


def fashion_mnist(image: Image.Image, frame: tuple[int, int, int]) -> Converted:
    """Zalando's conversion: trim to the product, subsample to 28, sharpen, extend, negate, grey."""
    height, width = frame[:2]
    notes = []
    rgb = image.convert("RGB")
    if max(rgb.size) > FASHION_THUMBNAIL:
        rgb.thumbnail((FASHION_THUMBNAIL, FASHION_THUMBNAIL), Image.Resampling.BOX)
        notes.append(f"reduced from {image.width}x{image.height} to {rgb.width}x{rgb.height}, the thumbnails' size")
    array = np.asarray(rgb, np.float32)
    corner = np.median(array[[0, 0, -1, -1], [0, -1, 0, -1]], axis=0)
    distance = np.sqrt(((array - corner) ** 2).sum(axis=-1)) / (255 * np.sqrt(3))
    top, bottom, left, right = ink_box(distance > FASHION_TRIM_DISTANCE)
    if (bottom - top, right - left) != array.shape[:2]:
        rgb = rgb.crop((left, top, right, bottom))
        notes.append(f"trimmed to the product, {rgb.width}x{rgb.height}")
    scale = min(width / rgb.width, height / rgb.height)
    size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
    sharpened = rgb.resize(size, Image.Resampling.NEAREST).filter(ImageFilter.UnsharpMask(radius=1, percent=100, threshold=0))
    canvas = Image.new("RGB", (width, height), tuple(int(value) for value in corner))
    canvas.paste(sharpened, ((width - size[0]) // 2, (height - size[1]) // 2))
    notes.append(f"subsampled to {size[0]}x{size[1]}, sharpened, centred in {width}x{height}, as Fashion-MNIST")
    ground = float(np.dot(corner, (0.299, 0.587, 0.114)) / 255)
    grey, inverted, grey_notes = light_on_dark(canvas.convert("L") if image.mode in GREY_MODES else canvas, ground)
    notes += grey_notes
    # Zalando's grounds were white, so negated they are black: a greyish ground is made black too.
    dark = round(255 * (1 - ground if inverted else ground))
    pixels = np.clip((grey.astype(np.float32) - dark) / max(255 - dark, 1), 0, 1)
    if dark:
        notes.append(f"its ground ({dark}/255 once light on dark) made black, as the dataset's")
    return _in_frame(np.round(pixels * 255) / 255, frame), inverted, notes


def fit(image: Image.Image, frame: tuple[int, int, int]) -> Converted:
    """The whole colour picture, its longer side scaled to the frame (Lanczos), centred on black."""
    height, width, _ = frame
    rgb = image.convert("RGB")
    scale = min(width / rgb.width, height / rgb.height)
    size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
    canvas = Image.new("RGB", (width, height), 0)
    canvas.paste(rgb.resize(size, Image.Resampling.LANCZOS), ((width - size[0]) // 2, (height - size[1]) // 2))
    notes = [f"fitted {image.width}x{image.height} into {width}x{height} (aspect kept, centred on black)"]
    return np.asarray(canvas, np.float32) / 255, False, notes


RECIPES: dict[str, Callable[[Image.Image, tuple[int, int, int]], Converted]] = {
    "optdigits": optdigits, "mnist": mnist, "fashion_mnist": fashion_mnist, "fit": fit,
}


def _centre_of_mass(pixels: np.ndarray) -> tuple[float, float]:
    total = pixels.sum()
    rows, columns = np.indices(pixels.shape)
    return float((rows * pixels).sum() / total), float((columns * pixels).sum() / total)


def _in_frame(pixels: np.ndarray, frame: tuple[int, int, int]) -> np.ndarray:
    if pixels.shape != frame[:2]:
        raise ZooError(f"a recipe made {pixels.shape[1]}x{pixels.shape[0]} pixels for a {frame[1]}x{frame[0]} frame")
    return pixels.reshape(frame).astype(np.float32)
