"""``zoo export ENTRY --workdir DIR MODEL.pt``: a workdir's weights as a PyTorch state_dict."""

from pathlib import Path


def add_parser(commands) -> None:
    export = commands.add_parser("export", help="write a workdir's weights as a PyTorch state_dict")
    export.add_argument("entry")
    export.add_argument("--workdir", type=Path, required=True)
    export.add_argument("torch_file", type=Path, metavar="MODEL.pt")


def run(args) -> None:
    from jax_zoo.port.workdir import export_workdir

    state_dict = export_workdir(args.entry, args.workdir, args.torch_file)
    print(f"{args.entry}: wrote {len(state_dict)} tensors of {args.workdir} to {args.torch_file}")
