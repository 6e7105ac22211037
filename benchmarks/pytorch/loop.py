"""The training loop the PyTorch recipes in this folder share: plain PyTorch over the zoo's data.

Each script (``python -m benchmarks.pytorch.ENTRY``, run from the repository root) trains an
entry's recipe as a PyTorch user would write it, on the same arrays ``zoo train`` reads
(``jax_zoo.datasets.load_dataset``) and in the same order: each epoch a permutation seeded by
``(seed, epoch)``, the last incomplete batch left out; the learning rate scheduled per step;
the validation split evaluated after every epoch; a checkpoint (model, optimizer, scheduler)
every ``checkpoint_every`` epochs and after the last, the last three kept; the test split once.
``--compile`` runs the model through ``torch.compile``. The script prints its test metrics and,
with ``--json``, writes them with its timings: ``epoch_seconds`` (training and evaluation, as
``zoo train`` records them) and the first train step's seconds (with ``--compile``, mostly
compilation).
"""

import argparse
import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import torch

from jax_zoo.datasets import load_dataset

Metric = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``(outputs, targets) -> [batch]`` per-example values, averaged over a split."""
KEEP_CHECKPOINTS = 3


def accuracy(logits, labels):
    return (logits.argmax(dim=-1) == labels).float()


def top_2_accuracy(logits, labels):
    return (logits.topk(2, dim=-1).indices == labels[:, None]).any(dim=-1).float()


def token_accuracy(logits, targets):
    real = (targets != 0).float()
    return ((logits.argmax(dim=-1) == targets).float() * real).sum(dim=1) / real.sum(dim=1).clamp(min=1)


def exact_match(logits, targets):
    return 1.0 - ((logits.argmax(dim=-1) != targets) & (targets != 0)).any(dim=1).float()


def parse_args(description: str, epochs: int, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--compile", action="store_true", help="run the model through torch.compile")
    parser.add_argument("--compile-mode", default="default",
                        choices=["default", "max-autotune-no-cudagraphs", "reduce-overhead"])
    parser.add_argument("--epochs", type=int, default=epochs, help=f"default {epochs}, the entry's")
    parser.add_argument("--train-examples", type=int, help="train on the first N training examples only (tests)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("runs/pytorch"), help="where checkpoints go")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return parser.parse_args(argv)


def as_tensor(array: np.ndarray) -> torch.Tensor:
    """Images ``[n, height, width, channels]`` as NCHW float32; token ids and labels as int64."""
    if np.issubdtype(array.dtype, np.integer):
        return torch.from_numpy(array.astype(np.int64))
    return torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2) if array.ndim == 4 else array))


def load(dataset: str, train_examples: int | None = None) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """``{split: (inputs, targets)}`` for the train, validation and test splits."""
    splits = {}
    for split in ("train", "validation", "test"):
        arrays = load_dataset(dataset, split)
        count = train_examples if split == "train" and train_examples else len(arrays["targets"])
        splits[split] = (as_tensor(arrays["inputs"][:count]), as_tensor(arrays["targets"][:count]))
    return splits


def steps_per_epoch(data, batch_size: int) -> int:
    return len(data["train"][1]) // batch_size


@torch.no_grad()
def evaluate(network, split, batch_size: int, loss: Callable, metrics: Mapping[str, Metric], device) -> dict:
    """Each metric's mean over the split, and the mean loss."""
    network.eval()
    inputs, targets = split
    sums = dict.fromkeys(["loss", *metrics], 0.0)
    for start in range(0, len(targets), batch_size):
        x, y = inputs[start : start + batch_size].to(device), targets[start : start + batch_size].to(device)
        outputs = network(x)
        sums["loss"] += float(loss(outputs, y)) * len(y)
        for name, metric in metrics.items():
            sums[name] += float(metric(outputs, y).sum())
    return {name: value / len(targets) for name, value in sums.items()}


def save_checkpoint(workdir: Path, step: int, epoch: int, network, optimizer, scheduler) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    state = {"model": network.state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict(), "epoch": epoch, "step": step}
    partial = workdir / f".checkpoint_{step}.pt.partial"
    torch.save(state, partial)
    os.replace(partial, workdir / f"checkpoint_{step}.pt")
    saved = sorted(workdir.glob("checkpoint_*.pt"), key=lambda path: int(path.stem.split("_")[1]))
    for old in saved[:-KEEP_CHECKPOINTS]:
        old.unlink()


def train(
    args: argparse.Namespace, entry: str, network: torch.nn.Module, optimizer, scheduler, loss: Callable,
    data, *, batch_size: int, eval_batch_size: int, metrics: Mapping[str, Metric],
    checkpoint_every: int = 1, gradient_clip: float | None = None,
) -> dict:
    """Trains, evaluates, checkpoints and tests as the module's docstring says; returns the results."""
    start = time.perf_counter()
    device = torch.device(args.device)
    network.to(device)
    model = torch.compile(network, mode=None if args.compile_mode == "default" else args.compile_mode) if args.compile else network
    inputs, targets = data["train"]
    history, step, first_step_seconds = [], 0, None
    for epoch in range(args.epochs):
        epoch_start = time.perf_counter()
        network.train()
        order = torch.from_numpy(np.random.default_rng([args.seed, epoch]).permutation(len(targets)))
        train_loss = torch.zeros((), device=device)
        for first in range(0, len(targets) - batch_size + 1, batch_size):
            batch = order[first : first + batch_size]
            x, y = inputs[batch].to(device), targets[batch].to(device)
            optimizer.zero_grad(set_to_none=True)
            batch_loss = loss(model(x), y)
            batch_loss.backward()
            if gradient_clip:
                torch.nn.utils.clip_grad_norm_(network.parameters(), gradient_clip)
            optimizer.step()
            scheduler.step()
            train_loss += batch_loss.detach()
            step += 1
            if first_step_seconds is None:
                first_step_seconds = time.perf_counter() - epoch_start
        record = {"epoch": epoch + 1, "step": step, "train_loss": float(train_loss) / steps_per_epoch(data, batch_size)}
        record |= {f"eval_{name}": value for name, value in
                   evaluate(model, data["validation"], eval_batch_size, loss, metrics, device).items()}
        record["epoch_seconds"] = time.perf_counter() - epoch_start
        history.append(record)
        print(", ".join(f"{key} {value:.4g}" for key, value in record.items()), flush=True)
        if (epoch + 1) % checkpoint_every == 0 or epoch + 1 == args.epochs:
            save_checkpoint(args.workdir, step, epoch + 1, network, optimizer, scheduler)
    fit_seconds = time.perf_counter() - start
    test = evaluate(model, data["test"], eval_batch_size, loss, metrics, device)
    test["count"] = len(data["test"][1])
    print(f"{entry}: test " + ", ".join(f"{key} {value:.4f}" for key, value in test.items() if key != "count"), flush=True)
    results = {
        "entry": entry, "framework": f"torch {torch.__version__}", "device": str(device),
        "threads": torch.get_num_threads(), "compile_mode": args.compile_mode if args.compile else None,
        "epochs": args.epochs, "steps": step, "seed": args.seed, "test": test, "history": history,
        "first_step_seconds": first_step_seconds, "fit_seconds": fit_seconds,
        "wall_seconds": time.perf_counter() - start,
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results
