"""The zoo's entries, one file each; importing this package registers them."""

from zoo.entries import digits_cnn, kjv_char_lstm, names_bilstm, names_tutorial_rnn  # noqa: F401
