"""``zoo generate ENTRY --workdir DIR --prompt TEXT``: sample from a character language model."""

from pathlib import Path


def add_parser(commands) -> None:
    generate = commands.add_parser("generate", help="sample text from a trained character language model")
    generate.add_argument("entry")
    generate.add_argument("--workdir", type=Path, required=True)
    generate.add_argument("--prompt", required=True)
    generate.add_argument("--length", type=int, default=300, help="characters to generate (default 300)")
    generate.add_argument("--temperature", type=float, default=1.0)
    generate.add_argument("--top-k", type=int, default=0, help="sample among the K likeliest characters (0: all)")
    generate.add_argument("--seed", type=int, default=0)


def run(args) -> None:
    from jax_zoo.api.generate import generate, print_generation

    print_generation(generate(
        args.workdir, args.prompt, length=args.length, temperature=args.temperature,
        top_k=args.top_k, seed=args.seed, entry=args.entry,
    ))
