"""The zoo's entries, one file each; importing this package registers them."""

from zoo.entries import digits_cnn, fashion_resnet  # noqa: F401
