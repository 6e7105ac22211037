"""``zoo plot WORKDIR``: a run's learning curves, confusion matrix and samples as PNG files."""

from pathlib import Path


def add_parser(commands) -> None:
    plot = commands.add_parser(
        "plot", help="write a run's figures (learning curves, confusion matrix, samples) as PNGs into its workdir"
    )
    plot.add_argument("workdir", type=Path)
    plot.add_argument("--no-samples", action="store_true", help="skip samples.png (it restores the model)")


def run(args) -> None:
    from jax_zoo.api.plots import plot_workdir

    for path in plot_workdir(args.workdir, samples=not args.no_samples):
        print(path)
