"""``zoo train [ENTRY]``: train an entry in a workdir (resumed when it holds checkpoints)."""

from pathlib import Path

from jax_zoo.cli.common import add_overrides, format_metrics

DEFAULT_ENTRY = "digits_cnn"


def add_parser(commands) -> None:
    train = commands.add_parser("train", help="train an entry and print its test metrics")
    train.add_argument("entry", nargs="?", default=DEFAULT_ENTRY, help=f"entry name (default {DEFAULT_ENTRY})")
    train.add_argument("--workdir", type=Path, help="run directory (default runs/ENTRY)")
    add_overrides(train)
    train.add_argument("--restart", action="store_true",
                       help="move an existing run in the workdir aside (kept, renamed) and start over; "
                            "without it a workdir with checkpoints is resumed")
    train.add_argument("--init-from", metavar="pretrained|WORKDIR",
                       help="fine-tune: start from the shipped weights (pretrained) or a finished run's workdir, "
                            "with a fresh optimizer state")
    train.add_argument("--freeze", choices=("body",),
                       help="with --init-from: train only the classifier head (and any new variable); "
                            "the loaded body's updates are zero")
    train.add_argument("--freeze-epochs", type=int, metavar="N",
                       help="with --freeze body: freeze for the first N epochs, then train the whole network")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument("--seeds", type=int, metavar="N",
                       help="train N seeds (seed, seed+1, ...) at once, as stacked runs of one compiled program; "
                            "reports each run and their averaged prediction (default workdir runs/ENTRY-seedsN)")
    train.add_argument("--runs-as", choices=("auto", "stacked", "sequence"), default="auto",
                       help="with --seeds: the runs stacked in one vmapped step, or one after another sharing the "
                            "compiled step; auto: in sequence where stacking is slower (convolutions on a CPU)")
    train.add_argument("--tensorboard", action="store_true",
                       help="also write each epoch's metrics as TensorBoard events into the workdir "
                            "(needs tensorboardX; view with `tensorboard --logdir runs`). Off by default: "
                            "tensorboardX imports PyTorch when it is installed, about 5 s per run")
    own = train.add_argument_group("your own data (see docs/data.md)")
    own.add_argument("--data", type=Path, metavar="PATH",
                     help="train on your files: a folder of class folders of images (image entries), a TSV/CSV "
                          "of text,label (names entries) or of source,target (sequence-to-sequence entries); "
                          "default workdir runs/ENTRY-NAME")
    own.add_argument("--validation-fraction", type=float, help="of each class, held out to validate (default 0.1)")
    own.add_argument("--test-fraction", type=float, help="of each class, held out to test (default 0.1)")
    own.add_argument("--split-seed", type=int, help="the seed of the split (default 0)")
    own.add_argument("--storage", choices=("auto", "memory", "records"), default="auto",
                     help="an image folder's converted pictures: in memory (fastest), or in ArrayRecord files read "
                          "while training, for more pictures than memory holds (prepared once); auto: records when "
                          "they would take more than a quarter of memory")
    group = train.add_argument_group("multi-process training (see docs/performance.md)")
    group.add_argument("--distributed", action="store_true",
                       help="join a multi-process run (jax.distributed; SLURM, Open MPI, Kubernetes detected)")
    group.add_argument("--coordinator", metavar="HOST:PORT", help="process 0's address, where not detected")
    group.add_argument("--num-processes", type=int)
    group.add_argument("--process-id", type=int)


def run(args) -> None:
    from jax_zoo.core.config import parse_assignments
    from jax_zoo.api.train import train_and_evaluate

    if args.seeds is not None:
        return _run_seeds(args)
    if args.runs_as != "auto":
        from jax_zoo.core.errors import ConfigError

        raise ConfigError(f"--runs-as {args.runs_as}: says how the runs of --seeds N train; got it without --seeds")
    if args.distributed:
        from jax_zoo.api.distributed import initialize

        initialize(args.coordinator, args.num_processes, args.process_id)
    workdir = args.workdir or default_workdir(args.entry, args.data)
    if (workdir / "results.json").is_file() and not args.restart:
        print(f"{workdir} already holds a finished run of {args.entry}; its results (use --restart to train again):")
    results = train_and_evaluate(
        args.entry, workdir, parse_assignments(args.overrides),
        restart=args.restart, progress=not args.no_progress, init_from=args.init_from,
        tensorboard=args.tensorboard, data=args.data, split=split_rule(args),
        freeze=args.freeze, freeze_epochs=args.freeze_epochs, storage=args.storage,
    )
    print(f"{args.entry}: test {format_metrics(results['test'])}")
    print(
        f"{results['steps']} steps in {results['fit_seconds']:.1f} s "
        f"(compile {results['compile_seconds']:.1f} s), wall {results['wall_seconds']:.1f} s; "
        f"results in {workdir / 'results.json'}"
    )


def default_workdir(entry: str, data: Path | None) -> Path:
    """``runs/ENTRY``, or ``runs/ENTRY-NAME`` for the files of one's own at ``data``."""
    if data is None:
        return Path("runs") / entry
    from jax_zoo.datasets.own_data import default_name

    return Path("runs") / f"{entry}-{default_name(data)}"


def split_rule(args):
    """The split asked for by ``--validation-fraction`` and the rest, or None (the default, or the run's)."""
    from jax_zoo.core.errors import ConfigError
    from jax_zoo.datasets.own_data import SplitRule

    asked = {"validation": args.validation_fraction, "test": args.test_fraction, "seed": args.split_seed}
    if all(value is None for value in asked.values()):
        return None
    if args.data is None:
        raise ConfigError("--validation-fraction, --test-fraction and --split-seed split --data; got them without --data")
    return SplitRule(**{name: value for name, value in asked.items() if value is not None})


def _run_seeds(args) -> None:
    from jax_zoo.core.config import parse_assignments
    from jax_zoo.core.errors import ConfigError
    from jax_zoo.api.stacked import train_seeds

    if args.restart or args.distributed:
        raise ConfigError(
            f"--seeds trains its runs in one process and resumes its workdir; got it with "
            f"{'--restart' if args.restart else '--distributed'}: choose a new --workdir instead"
        )
    if args.data is not None or args.freeze is not None:
        raise ConfigError("--seeds trains the entry's own dataset from scratch; got it with --data or --freeze")
    workdir = args.workdir or Path("runs") / f"{args.entry}-seeds{args.seeds}"
    results = train_seeds(args.entry, args.seeds, workdir, parse_assignments(args.overrides),
                          progress=not args.no_progress, runs_as=args.runs_as)
    for run, test in zip(results["runs"], results["test"]["runs"]):
        note = f" (diverged at step {run['diverged']['step']})" if run["diverged"] else ""
        print(f"{args.entry} seed {run['config']['seed']}: test {format_metrics(test)}{note}")
    if "ensemble" in results["test"]:
        ensemble = results["test"]["ensemble"]
        print(f"averaged prediction of {ensemble['runs']} runs: test accuracy {ensemble['accuracy']:.2%}, "
              f"loss {ensemble['loss']:.4g}")
    print(f"{len(results['runs'])} runs in {results['fit_seconds']:.1f} s "
          f"(compile {results['compile_seconds']:.1f} s); results in {workdir / 'results.json'}")
