"""The command-line reference page, from the ``zoo`` command's own argparse parser.

Each command's section is its ``zoo COMMAND --help``, so the page and the command cannot disagree.
"""

import argparse
import contextlib
import os

from jax_zoo.cli import _parser

HELP_WIDTH = "100"
"""Columns argparse wraps the help text at (it reads ``COLUMNS``), so the page does not depend on
the terminal that built it."""


@contextlib.contextmanager
def _columns(width: str):
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = width
    try:
        yield
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def _commands(parser: argparse.ArgumentParser) -> tuple[dict[str, argparse.ArgumentParser], dict[str, str]]:
    (action,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    summaries = {choice.dest: choice.help for choice in action._choices_actions}
    return dict(action.choices), summaries


def page() -> str:
    """The Markdown of the page: ``zoo --help``, then each command's ``--help``."""
    with _columns(HELP_WIDTH):
        parser = _parser()
        commands, summaries = _commands(parser)
        lines = [
            "# Command line", "",
            "The `zoo` command's own `--help`, command by command (generated from its parser when this "
            "site was built).", "",
            "```text", parser.format_help().rstrip(), "```", "",
        ]
        for name, command in commands.items():
            lines += [f"## `zoo {name}`", "", f"{summaries[name].capitalize()}.", "", "```text", command.format_help().rstrip(), "```", ""]
    return "\n".join(lines)
