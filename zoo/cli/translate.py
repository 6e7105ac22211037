"""``zoo translate ENTRY --workdir DIR TEXT...``: a sequence-to-sequence entry's output for your text."""

from pathlib import Path


def add_parser(commands) -> None:
    translate = commands.add_parser("translate", help="translate text with a trained sequence-to-sequence entry")
    translate.add_argument("entry")
    translate.add_argument("texts", nargs="+", metavar="TEXT")
    translate.add_argument("--workdir", type=Path, required=True)
    translate.add_argument("--beam", type=int, default=1, help="beam width (default 1: greedy decoding)")
    translate.add_argument("--max-length", type=int, default=None, help="most output tokens (default: the dataset's)")
    translate.add_argument("--attention", type=Path, default=None, metavar="FILE.png", help="write the attention maps")


def run(args) -> None:
    from jax_zoo.api.translate import check_plot_path, plot_attention, translate

    if args.attention is not None:
        check_plot_path(args.attention)
    translations = translate(args.workdir, args.texts, beam=args.beam, max_length=args.max_length, entry=args.entry)
    for translation in translations:
        print(translation.output)
    if args.attention is not None:
        print(f"attention maps: {plot_attention(translations, args.attention)}")
