"""``zoo show ENTRY``: the entry's docstring, config and parameter table."""

from jax_zoo.cli.common import add_overrides


def add_parser(commands) -> None:
    show = commands.add_parser("show", help="print an entry's config and parameter table")
    show.add_argument("entry")
    add_overrides(show)


def run(args) -> None:
    from jax_zoo.core.config import parse_assignments
    from jax_zoo.api.describe import describe

    print(describe(args.entry, parse_assignments(args.overrides)))
