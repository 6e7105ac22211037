"""Each dataset's recipe redoes how its images were made, and the shipped models read the result."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

import jax_zoo as zoo
from jax_zoo.datasets.image_recipes import fashion_mnist, ink_threshold, mnist, optdigits


def picture(size=(90, 120), box=(30, 20, 50, 100), ground=255, ink=0) -> Image.Image:
    """A ``size`` (width, height) grey picture: a filled rectangle ``box`` of ``ink`` on ``ground``."""
    image = Image.new("L", size, ground)
    ImageDraw.Draw(image).rectangle(box, fill=ink)
    return image


def test_otsus_threshold_separates_two_shades():
    grey = np.array([[20] * 10 + [200] * 6], np.uint8)
    assert 20 <= ink_threshold(grey) < 200


def test_optdigits_scales_the_ink_to_32_rows_and_counts_4x4_blocks():
    pixels, inverted, notes = optdigits(picture(), (8, 8, 1))
    counts = pixels[..., 0] * 16
    assert inverted and np.array_equal(counts, np.round(counts)) and counts.max() == 16
    assert (counts > 0).any(axis=1).all(), "the ink fills every row, as in every scikit-learn digit"
    assert "scaled to 8x32 in a 32x32 bitmap" in notes[-1], "a 21x81 stroke keeps its aspect: 8 of 32 columns"
    assert np.array_equal(np.flatnonzero(counts.any(axis=0)), [3, 4]), "centred"


def test_optdigits_caps_a_wide_digit_at_20_of_32_columns():
    pixels, _, notes = optdigits(picture(box=(5, 40, 85, 80)), (8, 8, 1))
    assert "scaled to 20x32" in notes[-1]
    assert (pixels[..., 0] > 0).any(axis=0).sum() == 6, "most scikit-learn digits are 6 columns wide"


def test_optdigits_reads_light_ink_on_dark_as_it_is():
    _, inverted, notes = optdigits(picture(ground=0, ink=255), (8, 8, 1))
    assert not inverted and not any(note.startswith("inverted") for note in notes)


def test_mnist_fits_the_ink_into_20x20_centred_by_mass():
    pixels, _, _ = mnist(picture(), (28, 28, 1))
    rows, columns = np.nonzero(pixels[..., 0] > 0.5)
    assert rows.max() - rows.min() + 1 == 20
    mass = pixels[..., 0] / pixels.sum()
    centre = [(np.indices((28, 28))[axis] * mass).sum() for axis in (0, 1)]
    assert np.allclose(centre, 13.5, atol=0.5)


def test_fashion_mnist_trims_to_the_product_and_negates_a_white_ground():
    pixels, inverted, notes = fashion_mnist(picture(size=(60, 70), box=(30, 20, 40, 60)).convert("RGB"), (28, 28, 1))
    rows, columns = np.nonzero(pixels[..., 0] > 0.5)
    assert inverted and rows.min() == 0 and rows.max() == 27, "the longest edge fills the frame"
    assert 14 - columns.max() - 1 <= columns.min() <= 14, "centred"
    assert notes[0] == "trimmed to the product, 11x41"


@pytest.mark.slow
def test_rendered_digits_and_placed_products_are_read_far_better_than_fitted_whole():
    """Pictures made outside the training sets (benchmarks/picture_conversion.py, one font size)."""
    from benchmarks.picture_conversion import digits, fashion

    rendered = digits(seed=1, sizes=(48,))
    assert rendered["converted"] > 0.7 and rendered["whole picture fitted"] < 0.3, rendered
    placed = fashion(200, seed=1)
    assert placed["converted"] > placed["as shipped"] - 0.05 and placed["whole picture fitted"] < 0.4, placed


def test_the_shipped_digits_model_reads_a_large_drawn_digit(tmp_path):
    image = Image.new("L", (300, 400), 255)
    ImageDraw.Draw(image).line([(150, 30), (150, 370)], fill=0, width=40)
    image.save(tmp_path / "one.png")
    from jax_zoo.api.predict import load, predict

    (prediction,) = predict(load("digits_cnn"), [str(tmp_path / "one.png")], top_k=1)
    assert prediction.classes[0][0] == "1"
    assert zoo.dataset_info("digits").image_recipe == "optdigits"
