"""How the shipped models read pictures made outside their datasets: converted as their training images were, or fitted whole.

    PYTHONPATH=$PWD python benchmarks/picture_conversion.py [--seed 1] [--fashion 500]

Digits: every digit rendered in every installed font (``benchmarks/rendered_digits.py``) at
sizes 24, 48 and 72, black on a white 120x90 canvas at a random position, read by the shipped
``digits_cnn``. Fashion: ``--fashion`` Fashion-MNIST test images made into product photos
(inverted to dark on white, enlarged 2-5 times, placed at random in a white canvas 1.2-2.5
times larger), read by the shipped ``fashion_lenet`` beside the same images as shipped.

Each picture goes through ``jax_zoo.datasets.image_files.image_example`` (the dataset's
recipe, ``jax_zoo.datasets.image_recipes``) and, for comparison, through the conversion it
replaced: the whole picture, inverted when its ground is light, its longer side fitted to the
frame (``image_recipes.fit``).
"""

import argparse
import tempfile
from pathlib import Path

import jax
import numpy as np
from PIL import Image

import jax_zoo as zoo
from benchmarks.rendered_digits import fonts, render_digit
from jax_zoo.datasets.image_files import image_example
from jax_zoo.datasets.image_recipes import fit

SIZES = (24, 48, 72)


def accuracy(entry: str, batches: dict[str, list[np.ndarray]], labels: np.ndarray) -> dict[str, float]:
    """The shipped ``entry``'s accuracy on each batch of ``labels``'s examples."""
    shipped = zoo.pretrained(entry)
    apply = jax.jit(lambda batch: shipped.model.apply(shipped.variables, batch, train=False))
    return {name: float((np.asarray(apply(np.stack(batch))).argmax(-1) == labels).mean()) for name, batch in batches.items()}


def whole_picture(path: Path, frame: tuple[int, int, int], levels: int) -> np.ndarray:
    """The replaced conversion: inverted (these pictures have a light ground), fitted whole, grey."""
    inverted = Image.fromarray(255 - np.asarray(Image.open(path).convert("L"))).convert("RGB")
    pixels, _, _ = fit(inverted, (*frame[:2], 3))
    return np.round(pixels[..., :1] * levels) / levels


def digits(seed: int, sizes=SIZES) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    batches, labels = {"converted": [], "whole picture fitted": []}, []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "digit.png"
        for font in fonts():
            for size in sizes:
                for digit in range(10):
                    render_digit(digit, font, size, rng).save(path)
                    batches["converted"].append(image_example(path, "digits").pixels)
                    batches["whole picture fitted"].append(whole_picture(path, (8, 8, 1), 16))
                    labels.append(digit)
    return accuracy("digits_cnn", batches, np.asarray(labels)) | {"pictures": len(labels)}


def fashion(count: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    test = zoo.load_dataset("fashion_mnist_local", "test")
    chosen = rng.choice(len(test["targets"]), count, replace=False)
    batches = {"as shipped": [], "converted": [], "whole picture fitted": []}
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "product.png"
        for index in chosen:
            batches["as shipped"].append(test["inputs"][index])
            scale = int(rng.integers(2, 6))
            product = Image.fromarray(255 - np.round(test["inputs"][index, :, :, 0] * 255).astype(np.uint8))
            product = product.resize((28 * scale, 28 * scale), Image.Resampling.LANCZOS)
            canvas = Image.new("L", tuple(int(28 * scale * rng.uniform(1.2, 2.5)) for _ in range(2)), 255)
            canvas.paste(product, tuple(int(rng.integers(0, free + 1)) for free in np.subtract(canvas.size, product.size)))
            canvas.convert("RGB").save(path)
            batches["converted"].append(image_example(path, "fashion_mnist_local").pixels)
            batches["whole picture fitted"].append(whole_picture(path, (28, 28, 1), 255))
    return accuracy("fashion_lenet", batches, test["targets"][chosen]) | {"pictures": count}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fashion", type=int, default=500, help="Fashion-MNIST test images to place (0: none)")
    args = parser.parse_args(argv)
    reports = {"digits_cnn on rendered digits": digits(args.seed)}
    if args.fashion:
        reports["fashion_lenet on placed Fashion-MNIST test images"] = fashion(args.fashion, args.seed)
    for title, report in reports.items():
        print(f"{title}: " + ", ".join(
            f"{name} {value:.1%}" if isinstance(value, float) else f"{value} {name}" for name, value in report.items()
        ))


if __name__ == "__main__":
    main()
