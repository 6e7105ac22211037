"""The summary baseline: a function's name read as a sentence."""

from jax_zoo.datasets.docstring_pairs import name_words


def name_as_sentence(name: str) -> str:
    """``"get_value"`` -> ``"Get value."``; camelCase splits too (``"getOptionalRelease"`` ->
    ``"Get optional release."``, ``"__init__"`` -> ``"Init."``, ``"parseHTTPHeader"`` ->
    ``"Parse http header."``)."""
    sentence = " ".join(name_words(name))
    return sentence[:1].upper() + sentence[1:] + "."
