"""The zoo's entries, one file each; importing this package registers them."""

from zoo.entries import digits_cnn, kjv_char_lstm  # noqa: F401
