"""A picture of one's own made into an example of an image dataset, as its images were made.

One function, ``image_example``, converts every picture the zoo reads: ``zoo predict``'s inputs
and the files of an image folder (``jax_zoo.datasets.image_folder``). A file is read with Pillow
(PNG, JPEG, BMP, ...; its first frame), transparent pixels are read as white, and:

- a picture already of the dataset's size and colour (8x8 or 28x28 grey, 32x32 colour) is taken
  as it is, a grey one inverted when its ground is light, its pixels scaled to [0, 1] (digits:
  to the 17 levels of their 0-16 ink counts);
- any other is converted by its dataset's recipe (``DatasetInfo.image_recipe``, see
  ``jax_zoo.datasets.image_recipes``): the digits' ink scaled into optdigits' 32x32 bitmap and
  counted in 4x4 blocks, MNIST's ink fitted into 20x20 and centred by mass, Fashion-MNIST's
  product trimmed, subsampled, sharpened, centred and negated, a colour photo fitted whole.

Each step that changed something is reported as a note.
"""

import dataclasses

import numpy as np
from PIL import Image, UnidentifiedImageError

from jax_zoo.core.errors import ZooError
from jax_zoo.datasets.image_recipes import GREY_MODES, RECIPES, light_on_dark
from jax_zoo.datasets.registry import dataset_info, list_datasets

READABLE_MODES = ("1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "YCbCr")
DIGIT_LEVELS = 16
"""scikit-learn's digits hold ink counts 0-16: a picture of their shape is rounded to these levels."""


@dataclasses.dataclass(frozen=True)
class ImageExample:
    pixels: np.ndarray
    """``<float32>[height, width, channels]`` in [0, 1], the dataset's shape."""
    inverted: bool
    notes: tuple[str, ...]


def image_datasets() -> list[str]:
    """The registered datasets whose examples can be made from image files."""
    return [name for name in list_datasets() if dataset_info(name).image_recipe is not None]


def image_example(path, dataset: str) -> ImageExample:
    """The image file at ``path`` converted to one example of ``dataset`` (see the module's steps)."""
    recipe = dataset_info(dataset).image_recipe
    if recipe is None:
        raise ZooError(f"dataset {dataset!r} is not read from image files; expected one of {', '.join(image_datasets())}")
    frame = tuple(dataset_info(dataset).example_spec["inputs"].shape)
    image, notes = read_image(path)
    image, flattened = _flattened(image)
    if flattened:
        notes.append("transparent pixels read as white")
    if _in_its_form(image, frame):
        pixels, inverted = np.asarray(image), False
        if frame[-1] == 1:
            pixels, inverted, steps = light_on_dark(image)
            notes += steps
        pixels = pixels.astype(np.float32).reshape(frame) / 255
        if recipe == "optdigits":
            pixels = np.round(pixels * DIGIT_LEVELS) / DIGIT_LEVELS
        return ImageExample(pixels=pixels.astype(np.float32), inverted=inverted, notes=tuple(notes))
    try:
        pixels, inverted, steps = RECIPES[recipe](image, frame)
    except ZooError as error:
        raise ZooError(f"{path}: {error}") from None
    return ImageExample(pixels=pixels, inverted=inverted, notes=tuple(notes + steps))


def read_image(path) -> tuple[Image.Image, list[str]]:
    """The image file at ``path`` read by Pillow (its first frame), or ``ZooError`` naming it."""
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


def _flattened(image: Image.Image) -> tuple[Image.Image, bool]:
    """``image`` with transparent pixels composited over white, and whether it had any."""
    if image.mode in ("LA", "PA", "RGBA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flattened = Image.alpha_composite(white, rgba)
        return (flattened.convert("L") if image.mode in GREY_MODES else flattened.convert("RGB")), True
    return image, False


def _in_its_form(image: Image.Image, frame: tuple[int, int, int]) -> bool:
    """Whether ``image`` already has the dataset's size and colour (then it is read as it is)."""
    height, width, channels = frame
    return image.size == (width, height) and image.mode in (("1", "L") if channels == 1 else ("RGB",))
