"""``zoo translate ENTRY (--pretrained | --workdir DIR) TEXT...``: a sequence-to-sequence entry's output for your text."""

from pathlib import Path


def add_parser(commands) -> None:
    translate = commands.add_parser("translate", help="translate text with a trained sequence-to-sequence entry")
    translate.add_argument("entry")
    translate.add_argument("texts", nargs="+", metavar="TEXT")
    source = translate.add_mutually_exclusive_group(required=True)
    source.add_argument("--pretrained", action="store_true", help="the weights shipped with the package")
    source.add_argument("--workdir", type=Path, help="a finished run of the entry")
    translate.add_argument("--beam", type=int, default=1, help="beam width (default 1: greedy decoding)")
    translate.add_argument("--max-length", type=int, default=None, help="most output tokens (default: the dataset's)")
    translate.add_argument("--attention", type=Path, default=None, metavar="FILE.png", help="write the attention maps")


def run(args) -> None:
    from jax_zoo.api.translate import check_plot_path, plot_attention, translate

    if args.attention is not None:
        check_plot_path(args.attention)
    if args.pretrained:
        from jax_zoo.api.pretrained import pretrained
        from jax_zoo.api.translate import translate_with

        shipped = pretrained(args.entry)
        translations = translate_with(
            shipped.experiment, shipped.variables, args.texts, beam=args.beam, max_length=args.max_length,
            tokenizers=shipped.tokenizers, where=f"{shipped.source} holds entry {args.entry!r}",
        )
    else:
        translations = translate(args.workdir, args.texts, beam=args.beam, max_length=args.max_length, entry=args.entry)
    for translation in translations:
        print(translation.output)
    if args.attention is not None:
        print(f"attention maps: {plot_attention(translations, args.attention)}")
