"""The ``zoo`` command: a thin shell over ``jax_zoo.api``, one module per command.

    zoo list [PATTERN]
    zoo train [ENTRY] [--workdir DIR] [--set name=value ...] [--restart] [--init-from pretrained|WORKDIR]
              [--seeds N] [--tensorboard]
    zoo eval ENTRY (--workdir DIR | --pretrained) [--split SPLIT]
    zoo show ENTRY [--set name=value ...]
    zoo cv ENTRY --folds K [--parallel] [--workdir DIR] [--set name=value ...]
    zoo sweep ENTRY --set name=v1,v2,... [--set ...] [--workdir DIR]
    zoo bench ENTRY [--batch-size B] [--steps N] [--repeats R] [--json FILE] [--no-torch]
    zoo results [RESULTS ...] [--update README.md]
    zoo generate ENTRY --workdir DIR --prompt TEXT [--length N] [--temperature T] [--top-k K] [--seed S]
    zoo predict ENTRY (--pretrained | --workdir DIR) INPUT... [--top-k K] [--json] [--output-dir DIR]
    zoo port ENTRY MODEL.pt|MODEL.safetensors --workdir DIR [--set name=value ...]
    zoo export ENTRY (--workdir DIR | --pretrained) OUT.safetensors|OUT.pt [--layout torch|flax]
    zoo plot WORKDIR [--no-samples]
    zoo translate ENTRY --workdir DIR TEXT... [--beam K] [--max-length N] [--attention FILE.png]

Exit status: 0 done, 1 training failed (non-finite values), 2 bad input, 75 stopped by
SIGTERM/SIGINT after saving a checkpoint (run the same command again to resume).

A command is a module here with ``add_parser(commands)`` and ``run(args)``, listed in ``COMMANDS``.
"""

import argparse
import importlib
import sys

COMMANDS = {
    "list": "listing",
    "train": "train",
    "eval": "evaluate",
    "show": "show",
    "cv": "cv",
    "bench": "bench",
    "results": "results",
    "generate": "generate",
    "predict": "predict",
    "port": "port",
    "export": "export",
    "sweep": "sweep",
    "plot": "plot",
    "translate": "translate",
}


def _module(command: str):
    return importlib.import_module(f"jax_zoo.cli.{COMMANDS[command]}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zoo", description="Train, evaluate and use the jax-zoo entries.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        _module(command).add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from jax_zoo.cli.process import prepare_process

    prepare_process()
    from jax_zoo.train import PREEMPTED_EXIT_STATUS, CheckpointError, InputError, NonFiniteError, Preempted
    from jax_zoo.core.errors import ZooError

    try:
        _module(args.command).run(args)
    except Preempted as stop:
        print(f"zoo {args.command}: stopped by {stop}", file=sys.stderr)
        return PREEMPTED_EXIT_STATUS
    except NonFiniteError as error:
        print(f"zoo {args.command}: training failed: {error}", file=sys.stderr)
        return 1
    except (ZooError, InputError, CheckpointError) as error:
        print(f"zoo {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"zoo {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0
