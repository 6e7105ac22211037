"""One conversion for every picture the zoo reads: ``image_example`` and ``write_image``."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

import jax_zoo as zoo
from jax_zoo.datasets.image_files import image_datasets, image_example, write_image


def test_a_photo_becomes_a_fashion_mnist_example(shoe_photo):
    example = image_example(shoe_photo, "fashion_mnist_local")
    assert example.pixels.shape == (28, 28, 1) and example.pixels.dtype == np.float32
    assert example.inverted and example.notes == (
        "reduced from 300x200 to 73x49, the thumbnails' size",
        "trimmed to the product, 55x30",
        "subsampled to 28x15, sharpened, centred in 28x28, as Fashion-MNIST",
        "RGB converted to grey",
        "inverted: its ground is light (0.96), the dataset's objects are light on dark",
        "its ground (11/255 once light on dark) made black, as the dataset's",
    )
    assert example.pixels[0].max() == 0.0, "the letterbox above the product is dark"
    assert example.pixels[14, 14, 0] > 0.7, "the dark product became light"


def test_an_image_already_in_the_datasets_form_is_read_as_is(tmp_path):
    pixels = np.zeros((28, 28), np.uint8)
    pixels[5:20, 8:22] = np.arange(15 * 14, dtype=np.uint8).reshape(15, 14)
    Image.fromarray(pixels).save(tmp_path / "native.png")
    example = image_example(tmp_path / "native.png", "fashion_mnist_local")
    assert example.notes == () and not example.inverted
    assert np.array_equal(example.pixels[..., 0], pixels / np.float32(255))


def test_a_dark_on_light_picture_of_the_datasets_size_is_inverted(tmp_path):
    Image.fromarray(np.full((8, 8), 255, np.uint8)).save(tmp_path / "paper.png")
    example = image_example(tmp_path / "paper.png", "digits")
    assert example.inverted and example.pixels.max() == 0


def test_digits_get_the_datasets_sixteen_levels(tmp_path):
    Image.fromarray(np.linspace(0, 255, 64, dtype=np.uint8).reshape(8, 8)).save(tmp_path / "ramp.png")
    example = image_example(tmp_path / "ramp.png", "digits")
    assert np.array_equal(example.pixels * 16, np.round(example.pixels * 16))
    assert example.pixels.min() == 0 and example.pixels.max() == 1


def test_transparent_pixels_read_as_white_ground(tmp_path):
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle([10, 15, 30, 25], fill=(0, 0, 0, 255))
    image.save(tmp_path / "cutout.png")
    example = image_example(tmp_path / "cutout.png", "fashion_mnist_local")
    assert "transparent pixels read as white" in example.notes and example.inverted
    assert example.pixels[0, 0, 0] == 0 and example.pixels[14, 14, 0] == 1


@pytest.mark.parametrize("name, content, message", [
    ("notes.png", b"not a picture", "notes.png: not an image Pillow can read"),
    ("missing.png", None, "missing.png: no such file; expected an image file"),
])
def test_files_that_are_not_images_are_refused(tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(zoo.ZooError, match=message):
        image_example(tmp_path / name, "fashion_mnist_local")


def test_a_sixteen_bit_image_is_refused_naming_its_mode(tmp_path):
    Image.fromarray(np.full((28, 28), 40_000, np.uint16)).save(tmp_path / "deep.png")
    with pytest.raises(zoo.ZooError, match=r"deep.png: image mode I;16 .* expected an 8-bit image"):
        image_example(tmp_path / "deep.png", "fashion_mnist_local")


def test_a_blank_picture_has_nothing_to_convert(tmp_path):
    Image.new("L", (50, 40), 200).save(tmp_path / "blank.png")
    with pytest.raises(zoo.ZooError, match=r"blank.png: the picture is one shade"):
        image_example(tmp_path / "blank.png", "digits")


def test_only_image_datasets_read_pictures(tmp_path):
    Image.new("L", (8, 8)).save(tmp_path / "any.png")
    assert {"digits", "fashion_mnist_local", "mnist", "cifar10"} <= set(image_datasets())
    assert "names" not in image_datasets()
    with pytest.raises(zoo.ZooError, match="dataset 'names' is not read from image files"):
        image_example(tmp_path / "any.png", "names")


def test_a_cleaned_image_is_written_back_in_its_inputs_polarity(tmp_path):
    dark = np.zeros((28, 28, 1), np.float32)
    write_image(tmp_path / "as_read.png", dark, inverted=False)
    write_image(tmp_path / "inverted_back.png", dark, inverted=True)
    with Image.open(tmp_path / "as_read.png") as as_read, Image.open(tmp_path / "inverted_back.png") as back:
        assert np.asarray(as_read).max() == 0 and np.asarray(back).min() == 255
    assert sorted(path.name for path in tmp_path.iterdir()) == ["as_read.png", "inverted_back.png"]
