"""Digits rendered from the system's fonts: an image folder of one's own, drawn outside any training set.

    PYTHONPATH=$PWD python benchmarks/rendered_digits.py DIR [--per-class 200] [--seed 0] [--names words] [--warp 0.1]

Draws each digit black on white with a random TrueType font (``/usr/share/fonts``:
fonts-dejavu, fonts-liberation), size, rotation (+-15 degrees) and position on a canvas of random
size (40-160 pixels a side) into ``DIR/<class>/<n>.png``; ``--warp`` bends each glyph by a
smooth random displacement (and thickens half of them) so the folder looks less like print;
``--names words`` names the class folders ``zero`` ... ``nine`` (classes the shipped digits_cnn does not know by name).
``benchmarks/picture_conversion.py`` reads such renders with the shipped model.
"""

import argparse
import glob
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_GLOBS = ("/usr/share/fonts/truetype/dejavu/*.ttf", "/usr/share/fonts/truetype/liberation/*.ttf")
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def fonts() -> list[str]:
    """The TrueType fonts installed (fonts-dejavu, fonts-liberation), sorted."""
    found = sorted(path for pattern in FONT_GLOBS for path in glob.glob(pattern) if "Math" not in path)
    if not found:
        raise SystemExit("no fonts found: apt-get install fonts-dejavu fonts-liberation")
    return found


def render_digit(
    digit: int, font: str, size: int, rng: np.random.Generator, *, canvas=(120, 90), angle: float = 0.0, warp: float = 0.0,
) -> Image.Image:
    """``digit`` drawn black on a white ``canvas`` (width, height) at a random position, rotated
    by ``angle`` degrees and, with ``warp`` > 0, bent like a hand's stroke (``warped``)."""
    glyph_font = ImageFont.truetype(font, size)
    left, top, right, bottom = glyph_font.getbbox(str(digit))
    glyph = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(glyph).text((4 - left, 4 - top), str(digit), fill=255, font=glyph_font)
    if warp:
        glyph = warped(glyph, warp, rng)
    glyph = glyph.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    width, height = canvas
    glyph = glyph.crop(glyph.getbbox())
    if glyph.width > width or glyph.height > height:
        glyph.thumbnail((width, height))
    image = Image.new("L", canvas, 255)
    x = int(rng.integers(0, width - glyph.width + 1))
    y = int(rng.integers(0, height - glyph.height + 1))
    image.paste(0, (x, y), glyph)
    return image


def warped(glyph: Image.Image, strength: float, rng: np.random.Generator) -> Image.Image:
    """``glyph`` under a smooth random displacement of up to ``strength`` times its size (an
    elastic distortion, Simard et al. 2003), its strokes made bolder half the time."""
    from scipy.ndimage import gaussian_filter, map_coordinates

    pixels = np.asarray(glyph, np.float32)
    size = max(pixels.shape)
    fields = [gaussian_filter(rng.uniform(-1, 1, pixels.shape), size / 6) for _ in range(2)]
    rows, columns = np.indices(pixels.shape, dtype=np.float32)
    shifts = [field / (np.abs(field).max() or 1) * strength * size for field in fields]
    bent = map_coordinates(pixels, [rows + shifts[0], columns + shifts[1]], order=1)
    bent = Image.fromarray(np.clip(bent, 0, 255).astype(np.uint8))
    bolder = int(rng.integers(0, 2)) * max(1, size // 24) * 2 + 1
    return bent.filter(ImageFilter.MaxFilter(bolder)) if bolder > 1 else bent


def write_folder(directory: Path, per_class: int, seed: int = 0, names: str = "digits", warp: float = 0.0) -> None:
    """``per_class`` renders of each digit in ``directory/<class>/<n>.png``."""
    rng = np.random.default_rng(seed)
    available = fonts()
    for digit in range(10):
        folder = directory / (WORDS[digit] if names == "words" else str(digit))
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            canvas = (int(rng.integers(40, 161)), int(rng.integers(40, 161)))
            size = int(rng.integers(16, min(canvas) + 1))
            image = render_digit(
                digit, available[rng.integers(len(available))], size, rng, canvas=canvas, angle=float(rng.uniform(-15, 15)),
                warp=warp,
            )
            image.save(folder / f"{index}.png")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--per-class", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--names", choices=("digits", "words"), default="digits")
    parser.add_argument("--warp", type=float, default=0.0, help="bend each glyph by up to this fraction of its size")
    args = parser.parse_args(argv)
    write_folder(args.directory, args.per_class, args.seed, args.names, args.warp)
    print(f"wrote {10 * args.per_class} renders into {args.directory}")


if __name__ == "__main__":
    main()
