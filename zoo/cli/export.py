"""``zoo export ENTRY (--workdir DIR | --pretrained) OUT.safetensors``: an entry's weights for
PyTorch (its ``state_dict`` keys) or as flax's variable paths (``--layout flax``); ``OUT.pt`` for
``torch.save``."""

from pathlib import Path


def add_parser(commands) -> None:
    export = commands.add_parser(
        "export", help="write a workdir's or the shipped weights as safetensors (or a PyTorch .pt state_dict)"
    )
    export.add_argument("entry")
    source = export.add_mutually_exclusive_group(required=True)
    source.add_argument("--workdir", type=Path, help="a run's weights (the ones zoo eval reads)")
    source.add_argument("--pretrained", action="store_true", help="the shipped weights")
    export.add_argument("out", type=Path, metavar="OUT.safetensors|OUT.pt")
    export.add_argument("--layout", choices=("torch", "flax"), default="torch",
                        help="torch (default): the PyTorch state_dict's keys and shapes (see docs/pytorch.md); "
                             "flax: one tensor per variable path, params/conv1/kernel (any model, .safetensors only)")


def run(args) -> None:
    from jax_zoo.port.workdir import export_weights_file

    written = export_weights_file(args.entry, args.workdir, args.out, args.layout)
    source = args.workdir if args.workdir is not None else "the shipped weights"
    print(f"{args.entry}: wrote {len(written)} tensors of {source} to {args.out} ({args.layout} layout)")
