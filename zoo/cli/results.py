"""``zoo results``: the Markdown results table of published (or given) runs."""

from pathlib import Path


def add_parser(commands) -> None:
    results = commands.add_parser("results", help="the results table of published (or given) runs, in Markdown")
    results.add_argument("paths", nargs="*", type=Path, metavar="RESULTS",
                         help="results.json files or run workdirs (default: the published results)")
    results.add_argument("--update", type=Path, metavar="README", help="rewrite the table between its markers")


def run(args) -> None:
    from jax_zoo.api.results import published_paths, read_results, results_table, update_readme

    table = results_table(read_results(args.paths or published_paths()))
    if args.update:
        update_readme(args.update, table)
        print(f"Updated the results table of {args.update}.")
    else:
        print(table)
