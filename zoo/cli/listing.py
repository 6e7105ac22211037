"""``zoo list [PATTERN]``: the entries with their published results and whether their weights ship."""


def add_parser(commands) -> None:
    listing = commands.add_parser("list", help="list the entries with their published results")
    listing.add_argument("pattern", nargs="?", default="*", help="shell-style name pattern")


def run(args) -> None:
    from rich.console import Console
    from rich.table import Table

    from jax_zoo.core.registry import list_entries
    from jax_zoo.api.describe import summary_row
    from jax_zoo.api.pretrained import shipped_entries

    shipped = set(shipped_entries())
    table = Table("entry", "task", "model", "dataset", "params", "published result", "weights")
    for entry in list_entries(args.pattern):
        table.add_row(*summary_row(entry), "shipped" if entry in shipped else "")
    console = Console()
    # Piped output gets a wide table rather than rich's 80-column default.
    (console if console.is_terminal else Console(width=200)).print(table)
