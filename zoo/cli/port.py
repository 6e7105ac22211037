"""``zoo port ENTRY MODEL.pt|MODEL.safetensors --workdir DIR [--set name=value ...]``: PyTorch weights into a new workdir."""

from pathlib import Path

from jax_zoo.cli.common import add_overrides


def add_parser(commands) -> None:
    port = commands.add_parser(
        "port", help="load a PyTorch state_dict into an entry's model: a workdir for eval, predict and train"
    )
    port.add_argument("entry")
    port.add_argument("torch_file", type=Path, metavar="MODEL.pt|MODEL.safetensors",
                      help="a state_dict saved with torch.save or safetensors.torch.save_file")
    port.add_argument("--workdir", type=Path, required=True, help="a new or empty directory")
    add_overrides(port)


def run(args) -> None:
    from jax_zoo.core.config import parse_assignments
    from jax_zoo.port.workdir import port_to_workdir

    port_to_workdir(args.entry, args.torch_file, args.workdir, parse_assignments(args.overrides))
    print(
        f"{args.entry}: ported {args.torch_file} into {args.workdir}; evaluate it with "
        f"`zoo eval {args.entry} --workdir {args.workdir}`, fine-tune it with `zoo train {args.entry} --workdir {args.workdir}`"
    )
