"""The summary baseline: a function's name read as a sentence."""

import re

_NAME_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+")


def name_as_sentence(name: str) -> str:
    """``"get_value"`` -> ``"Get value."``; camelCase splits too (``"getOptionalRelease"`` ->
    ``"Get optional release."``, ``"__init__"`` -> ``"Init."``, ``"parseHTTPHeader"`` ->
    ``"Parse http header."``)."""
    parts = [part.lower() for part in _NAME_PART.findall(name)] or [name]
    sentence = " ".join(parts)
    return sentence[:1].upper() + sentence[1:] + "."
