"""Peak memory and speed of ``zoo train`` on an image folder kept in memory or streamed from records.

    PYTHONPATH=$PWD python -m benchmarks.streaming_memory [--sizes 5000 50000] [--epochs 2] [--out FILE]

Fashion-MNIST training images written as PNG files, inverted to dark on white as a photo of a
product is, a folder per class, N and 10N of them. Each ``zoo train fashion_simple_cnn --data
DIR --storage S`` runs in a process of its own (the records run prepares its records: any
prepared before are removed first); its peak resident memory is the ``ru_maxrss`` that ``wait4`` reports
for it. Speed: images per second of the last epoch (its training steps and its evaluation on
validation, ``metrics.jsonl``'s ``epoch_seconds``); preparation: the command's wall time outside
``fit`` (reading, converting and, for records, writing the pictures; compiling is inside ``fit``).
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ENTRY = "fashion_simple_cnn"
DATASET = "fashion_mnist_local"
"""The entry's dataset (Fashion-MNIST from the Debian package), where the pictures come from."""


def write_folder(root: Path, count: int) -> None:
    """The first ``count`` Fashion-MNIST training images as PNG files under ``root/<class>/``."""
    import jax_zoo as zoo

    train = zoo.load_dataset(DATASET, "train")
    names = zoo.dataset_info(DATASET).class_names
    if count > len(train["targets"]):
        raise SystemExit(f"--sizes: at most {len(train['targets'])} Fashion-MNIST training images, got {count}")
    for index in range(count):
        folder = root / names[int(train["targets"][index])].replace("/", "-")
        folder.mkdir(parents=True, exist_ok=True)
        pixels = np.asarray(train["inputs"][index])[..., 0]
        Image.fromarray((255 - np.round(pixels * 255)).astype(np.uint8)).save(folder / f"{index:06d}.png")


MEASURED = """
import os, sys
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs the command in a child of a small process and prints its peak resident memory in KiB:
Linux counts a forked child's peak from its parent's size at the fork, so the parent stays small."""


def forget_records(folder: Path) -> None:
    """Removes records an earlier run prepared from a folder of this name, so each run prepares its own."""
    from jax_zoo.datasets import data_dir

    for prepared in (data_dir() / "own_records").glob(f"{folder.name}-*"):
        shutil.rmtree(prepared)


def train(folder: Path, storage: str, epochs: int, scratch: Path) -> dict:
    """One ``zoo train`` in a fresh process: its peak memory, speed and results."""
    workdir = scratch / f"run-{folder.name}-{storage}"
    command = [
        sys.executable, "-m", "jax_zoo.cli", "train", ENTRY, "--data", str(folder), "--storage", storage,
        "--workdir", str(workdir), "--set", f"epochs={epochs}", "--no-progress",
    ]
    forget_records(folder)
    start = time.perf_counter()
    process = subprocess.run([sys.executable, "-c", MEASURED, *command], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stdout[-3000:]}{process.stderr[-3000:]}")
    peak_kib = int(process.stdout.strip().splitlines()[-1])
    results = json.loads((workdir / "results.json").read_text())
    last = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()][-1]
    sizes = results["data"]["split_sizes"]
    return {
        "storage": storage,
        "images": sum(sizes.values()),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "last_epoch_images_per_second": round((sizes["train"] + sizes["validation"]) / last["epoch_seconds"], 1),
        "preparation_seconds": round(results["wall_seconds"] - results["fit_seconds"], 1),
        "wall_seconds": round(wall, 1),
        "test_accuracy": results["test"]["accuracy"],
        "command": " ".join(["zoo", *command[3:]]),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="zoo-streaming-") as scratch:
        scratch = Path(scratch)
        for size in args.sizes:
            folder = scratch / f"fashion{size}"
            write_folder(folder, size)
            for storage in ("memory", "records"):
                rows.append(train(folder, storage, args.epochs, scratch))
                print(json.dumps(rows[-1]), flush=True)
            forget_records(folder)
    report = {
        "benchmark": "streaming_memory",
        "command": "PYTHONPATH=$PWD python -m benchmarks.streaming_memory " + " ".join(argv or sys.argv[1:]),
        "entry": ENTRY, "epochs": args.epochs, "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
        "rows": rows,
    }
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    return report


if __name__ == "__main__":
    main()
