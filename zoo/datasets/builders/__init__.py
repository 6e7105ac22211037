"""The TFDS builders that prepare the local datasets once, as array_record files.

A dataset module (``jax_zoo.datasets.digits``, ...) registers its dataset's shapes and sizes and
imports its builder here only when it reads data, so listing or describing an entry leaves
TensorFlow Datasets unloaded.
"""
