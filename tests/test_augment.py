import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.train.augment import cutout, gaussian_noise, image_augment, random_crop, random_flip

KEY = jax.random.PRNGKey(0)


def images(batch=8, size=6, channels=2):
    return jnp.arange(batch * size * size * channels, dtype=jnp.float32).reshape(batch, size, size, channels) + 1


AUGMENTATIONS = {
    "crop": lambda key, x: random_crop(key, x, 2),
    "flip": lambda key, x: random_flip(key, x),
    "cutout": lambda key, x: cutout(key, x, 3),
    "noise": lambda key, x: gaussian_noise(key, x, 0.3),
    "all": image_augment(crop_padding=2, flip=True, cutout_size=3, noise_std=0.3),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_shape_dtype_and_determinism_under_jit(name):
    augment = jax.jit(AUGMENTATIONS[name])
    x = images()
    once, again = augment(KEY, x), augment(KEY, x)
    assert once.shape == x.shape and once.dtype == x.dtype
    np.testing.assert_array_equal(once, again)
    assert not np.array_equal(once, augment(jax.random.PRNGKey(1), x)), "another key, another result"


@pytest.mark.parametrize(
    "augment",
    [
        lambda key, x: random_crop(key, x, 0),
        lambda key, x: random_flip(key, x, False),
        lambda key, x: cutout(key, x, 0),
        lambda key, x: gaussian_noise(key, x, 0.0),
    ],
    ids=["crop", "flip", "cutout", "noise"],
)
def test_disabled_is_the_identity(augment):
    x = images()
    assert augment(KEY, x) is x
    assert image_augment() is None


def test_crop_shifts_each_image_within_the_padding():
    x = images(batch=32, size=5, channels=1)
    cropped = np.asarray(random_crop(KEY, x, 1))
    padded = np.pad(np.asarray(x), ((0, 0), (1, 1), (1, 1), (0, 0)))
    for image, source in zip(cropped, padded):
        windows = [source[i : i + 5, j : j + 5] for i in range(3) for j in range(3)]
        assert any(np.array_equal(image, window) for window in windows)
    assert len({tuple(image.ravel()) for image in cropped}) > 1, "offsets differ between examples"


@pytest.mark.slow
def test_flip_mirrors_some_images_and_keeps_the_others():
    x = images(batch=64)
    flipped = np.asarray(random_flip(KEY, x))
    mirrored = [np.array_equal(f, np.asarray(o)[:, ::-1]) for f, o in zip(flipped, x)]
    kept = [np.array_equal(f, np.asarray(o)) for f, o in zip(flipped, x)]
    assert all(m or k for m, k in zip(mirrored, kept))
    assert 10 < sum(mirrored) < 54


@pytest.mark.slow
def test_cutout_zeroes_one_square_per_image_at_most():
    x = images(batch=64, size=10, channels=1)
    erased = np.asarray(cutout(KEY, x, 4)) == 0
    counts = erased.reshape(64, -1).sum(axis=1)
    assert counts.max() == 16 and counts.min() >= 4, "a 4x4 square, clipped at the borders to at least 2x2"
    rows, columns = erased[..., 0].any(axis=2), erased[..., 0].any(axis=1)
    assert (rows.sum(axis=1) * columns.sum(axis=1) == counts).all(), "the erased pixels form a rectangle"


def test_noise_has_the_requested_spread():
    x = jnp.zeros((64, 28, 28, 1))
    noise = np.asarray(gaussian_noise(KEY, x, 0.3))
    assert abs(noise.std() - 0.3) < 0.005 and abs(noise.mean()) < 0.005


def test_bad_input_names_what_was_expected():
    with pytest.raises(ValueError, match=r"random_crop: expected images \[batch, height, width, channels\] \(rank 4\), got shape \[28, 28\]"):
        random_crop(KEY, jnp.zeros((28, 28)), 2)
    with pytest.raises(ValueError, match="crop_padding: expected a non-negative integer, got -1"):
        image_augment(crop_padding=-1)
    with pytest.raises(ValueError, match="noise_std: expected a value >= 0"):
        image_augment(noise_std=-0.1)
