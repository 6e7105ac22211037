"""Code summarization pairs: a standard-library function's source without its docstring -> the
first sentence of that docstring, harvested with ``ast`` from the running Python."""

import ast
import platform
import re
import textwrap
from pathlib import Path
from typing import NamedTuple


from jax_zoo.datasets.tfds_local import prepare, read_split

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_NAME_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+")
_DEFINITION = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)


class FunctionPair(NamedTuple):
    name: str
    """The function's name, e.g. ``"get_value"``."""
    source: str
    """Its source (decorators included, dedented) with the docstring removed."""
    summary: str
    """The first sentence of its docstring."""


def first_sentence(docstring: str) -> str:
    """The docstring's first paragraph, whitespace collapsed, up to its first ``.``, ``!`` or ``?``
    followed by a space (or to its end when there is none)."""
    paragraph = " ".join(docstring.strip().split("\n\n")[0].split())
    end = _SENTENCE_END.search(paragraph)
    return paragraph[: end.end()] if end else paragraph


def name_words(name: str) -> list[str]:
    """A function name's words, lower case: ``"get_value"`` -> ``["get", "value"]``; camelCase
    splits too (``"parseHTTPHeader"`` -> ``["parse", "http", "header"]``); ``[name]`` when it has none."""
    return [part.lower() for part in _NAME_PART.findall(name)] or [name]


def with_name_words(source: str) -> str:
    """``source`` after a first line of its first function's name words (``"get value\n" + source``;
    unchanged when it defines no function): a summary's words, spelled as a docstring spells them,
    where a copying decoder can copy them."""
    definition = _DEFINITION.search(source)
    return f"{' '.join(name_words(definition.group(1)))}\n{source}" if definition else source


def _cut(lines: list[bytes], node: ast.expr, first_line: int) -> list[bytes]:
    """``lines`` (numbered from ``first_line``) without the span of ``node`` (byte columns)."""
    start, end = node.lineno - first_line, node.end_lineno - first_line
    joined = (lines[start][: node.col_offset] + lines[end][node.end_col_offset :]).rstrip()
    return lines[:start] + ([joined] if joined.strip() else []) + lines[end + 1 :]


def function_pairs(source: str) -> list[FunctionPair]:
    """Every function and method of a module's ``source`` that has a docstring, in source order,
    as ``FunctionPair``; functions whose summary is empty are left out."""
    return [pair for pair, _ in documented_functions(source)]


def documented_functions(source: str) -> list[tuple[FunctionPair, str]]:
    """``function_pairs(source)``, each with its whole docstring (``ast.get_docstring``: indentation
    cleaned), for telling copies apart."""
    tree = ast.parse(source)
    lines = source.encode("utf-8").split(b"\n")
    pairs = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        docstring = ast.get_docstring(node)
        summary = first_sentence(docstring) if docstring else ""
        if not summary:
            continue
        first_line = min([node.lineno] + [decorator.lineno for decorator in node.decorator_list])
        body = _cut(lines[first_line - 1 : node.end_lineno], node.body[0], first_line)
        text = textwrap.dedent(b"\n".join(body).decode("utf-8"))
        pairs.append((node.lineno, FunctionPair(node.name, text, summary), docstring))
    return [(pair, docstring) for _, pair, docstring in sorted(pairs, key=lambda item: item[0])]


def python_version() -> str:
    """The running Python's version, e.g. ``"3.11.7"``: the standard library the pairs come from."""
    return platform.python_version()


def split_functions(split: str, directory: Path) -> dict[str, list]:
    """``{"name", "source", "summary", "path"}``: lists of strings of ``split``'s pairs in harvest
    order, for the running Python."""
    from jax_zoo.datasets.builders.docstring_pairs import DocstringSummary  # imports TFDS, only when data is read

    records = read_split(prepare(DocstringSummary, directory), split, order_key="index")
    return {key: [text.decode("utf-8") for text in records[key]] for key in ("name", "source", "summary", "path")}
