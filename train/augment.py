"""Image augmentations: pure, jittable functions ``augment(key, images) -> images`` on batches.

Images are ``<float>[batch, height, width, channels]``; every example draws its own randomness
from ``key``, so one key gives one result (the train step passes ``fold_in(key, step)``).
Each function is the identity when its strength is 0 (or ``False``), without drawing anything.
"""

import jax
import jax.numpy as jnp

from jax_zoo.train.steps import Augment


def _require_images(images: jax.Array, where: str) -> None:
    if images.ndim != 4:
        raise ValueError(
            f"{where}: expected images [batch, height, width, channels] (rank 4), "
            f"got shape {list(images.shape)} (rank {images.ndim})"
        )


def random_crop(key: jax.Array, images: jax.Array, padding: int) -> jax.Array:
    """Pads each side with ``padding`` zeros and crops the original size at a random offset."""
    _require_images(images, "random_crop")
    if padding == 0:
        return images
    batch, height, width, channels = images.shape
    padded = jnp.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    offsets = jax.random.randint(key, (batch, 2), 0, 2 * padding + 1)

    def crop(image, offset):
        return jax.lax.dynamic_slice(image, (offset[0], offset[1], 0), (height, width, channels))

    return jax.vmap(crop)(padded, offsets)


def random_flip(key: jax.Array, images: jax.Array, enabled: bool = True) -> jax.Array:
    """Mirrors each image left-right with probability 1/2."""
    _require_images(images, "random_flip")
    if not enabled:
        return images
    flip = jax.random.bernoulli(key, 0.5, (images.shape[0], 1, 1, 1))
    return jnp.where(flip, images[:, :, ::-1, :], images)


def cutout(key: jax.Array, images: jax.Array, size: int) -> jax.Array:
    """Random erasing as in cutout (DeVries & Taylor 2017): zeroes a ``size`` x ``size`` square
    centred anywhere in the image (clipped at the borders), one per example."""
    _require_images(images, "cutout")
    if size == 0:
        return images
    batch, height, width, _ = images.shape
    row_key, column_key = jax.random.split(key)
    # The square's top-left corner; its centre is uniform over the image.
    top = jax.random.randint(row_key, (batch, 1, 1, 1), 0, height) - size // 2
    left = jax.random.randint(column_key, (batch, 1, 1, 1), 0, width) - size // 2
    y = jnp.arange(height)[None, :, None, None]
    x = jnp.arange(width)[None, None, :, None]
    inside = (y >= top) & (y < top + size) & (x >= left) & (x < left + size)
    return jnp.where(inside, 0.0, images).astype(images.dtype)


def gaussian_noise(key: jax.Array, images: jax.Array, std: float) -> jax.Array:
    """Adds independent ``N(0, std**2)`` noise to every pixel (no clipping)."""
    _require_images(images, "gaussian_noise")
    if std == 0:
        return images
    return images + std * jax.random.normal(key, images.shape, images.dtype)


def image_augment(
    *, crop_padding: int = 0, flip: bool = False, cutout_size: int = 0, noise_std: float = 0.0
) -> Augment | None:
    """Crop, flip, cutout, then noise, each with its own key; ``None`` when all are off.

    ``image_augment(crop_padding=2, flip=True)`` is the usual recipe for 28-32 px images.
    """
    for name, value in {"crop_padding": crop_padding, "cutout_size": cutout_size}.items():
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"{name}: expected a non-negative integer, got {value!r}")
    if not noise_std >= 0:
        raise ValueError(f"noise_std: expected a value >= 0, got {noise_std!r}")
    if not (crop_padding or flip or cutout_size or noise_std):
        return None

    def augment(key: jax.Array, images: jax.Array) -> jax.Array:
        crop_key, flip_key, cutout_key, noise_key = jax.random.split(key, 4)
        images = random_crop(crop_key, images, crop_padding)
        images = random_flip(flip_key, images, flip)
        images = cutout(cutout_key, images, cutout_size)
        return gaussian_noise(noise_key, images, noise_std)

    return augment
