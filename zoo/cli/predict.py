"""``zoo predict ENTRY (--pretrained | --workdir DIR) INPUT...``: a trained entry on inputs of one's own."""

import json
import sys
from pathlib import Path


def add_parser(commands) -> None:
    predict = commands.add_parser(
        "predict", help="classify images or surnames, denoise an image or continue a prompt",
        description="Image entries take image files (PNG, JPEG; converted to the dataset's grey, light-on-dark "
                    "frame, see docs/pretrained.md), the names entries surnames, the character language models "
                    "prompts, the sequence-to-sequence entries texts to translate or summarize; the denoiser writes INPUT_STEM.denoised.png in --output-dir.",
    )
    predict.add_argument("entry")
    source = predict.add_mutually_exclusive_group(required=True)
    source.add_argument("--pretrained", action="store_true", help="the weights shipped with the package")
    source.add_argument("--workdir", type=Path, help="a run trained with `zoo train`")
    predict.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, surnames, texts or prompts")
    predict.add_argument("--top-k", type=int, help="classes shown (default 3); for a language model, sample among "
                                                    "the K likeliest characters (default: all)")
    predict.add_argument("--json", action="store_true", help="print one JSON list instead of text")
    predict.add_argument("--output-dir", type=Path, default=Path("."), help="where the denoiser writes (default .)")
    predict.add_argument("--length", type=int, default=200, help="characters a language model adds (default 200)")
    predict.add_argument("--temperature", type=float, default=1.0)
    predict.add_argument("--seed", type=int, default=0)
    predict.add_argument("--beam", type=int, default=1, help="a sequence-to-sequence entry's beam width (default 1: greedy)")


def run(args) -> None:
    from jax_zoo.api.predict import load, predict

    predictions = predict(
        load(args.entry, args.workdir), args.inputs, top_k=args.top_k, output_dir=args.output_dir,
        length=args.length, temperature=args.temperature, seed=args.seed, beam=args.beam,
    )
    if args.json:
        print(json.dumps([prediction_record(prediction) for prediction in predictions], indent=2, ensure_ascii=False))
        return
    for prediction in predictions:
        for note in prediction.notes:
            print(f"zoo predict: note: {prediction.input}: {note}", file=sys.stderr)
        if prediction.classes is not None:
            ranked = ", ".join(f"{name} {probability:.1%}" for name, probability in prediction.classes)
            print(f"{prediction.input}: {ranked}")
        elif prediction.output is not None:
            print(prediction.output)
        elif prediction.text is not None:
            print(prediction.input + prediction.text)
        else:
            print(f"{prediction.input}: denoised into {prediction.written}")


def prediction_record(prediction) -> dict:
    record = {"input": prediction.input, "notes": list(prediction.notes)}
    if prediction.classes is not None:
        record["classes"] = [{"name": name, "probability": probability} for name, probability in prediction.classes]
    if prediction.text is not None:
        record["continuation"] = prediction.text
    if prediction.output is not None:
        record["output"] = prediction.output
    if prediction.written is not None:
        record["written"] = prediction.written
    return record
