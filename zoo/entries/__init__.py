"""The zoo's entries, one file each; importing this package registers them."""

from jax_zoo.entries import (  # noqa: F401
    bible_en_es, cifar10_resnet20, digits_cnn, docstring_summary, fashion_denoise_ae, fashion_lenet, fashion_resnet,
    fashion_simple_cnn, fashion_vgg, kjv_char_lstm, mnist_simple_cnn, names_bilstm, names_tutorial_rnn, numbers_en_fr,
)
