"""Run by tests/test_parallel.py in fresh processes (device counts are fixed at JAX start-up).

    python parallel_worker.py OUT.npz DEVICES [PROCESS_ID NUM_PROCESSES PORT [WORKDIR STOP_AT_STEP]]

Trains SimpleCNN on a digits subset data-parallel over DEVICES devices per process (and, with
the next three arguments, over several processes on loopback) and saves the final parameters;
with a WORKDIR, in that workdir (resumed if it holds checkpoints), returning early at
STOP_AT_STEP when it is not 0. With STACKED_RUNS=1 in the environment it trains two stacked
runs instead, each on its own rows; with STREAMED=1 it reads its data from ArrayRecord files
(``jax_zoo.datasets.record_arrays``) and saves how many training and evaluation rows this process
read (OUT.rows<process index>.json).
"""

import os
import sys

out, devices = sys.argv[1], int(sys.argv[2])
os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"

import jax  # noqa: E402

if len(sys.argv) > 3:
    process_id, num_processes, port = map(int, sys.argv[3:6])
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=f"127.0.0.1:{port}", num_processes=num_processes, process_id=process_id,
        initialization_timeout=60,
    )

import numpy as np  # noqa: E402
from harness_helpers import SPEC, digits, fresh_state  # noqa: E402

from jax_zoo.train import (  # noqa: E402
    DataParallel, accuracy, fit, fit_stacked, make_eval_step, make_train_step, softmax_cross_entropy, stack_runs,
)

steps = {
    "train_step": make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
    "eval_step": make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
}
data = {"train_data": digits(256), "eval_data": digits(100, offset=256)}
rows_read = {}
if os.environ.get("STREAMED"):
    import json

    from jax_zoo.datasets.record_arrays import RecordColumn, write_record_arrays

    def records(name, arrays):
        rows = ({key: value[i] for key, value in arrays.items()} for i in range(len(arrays["targets"])))
        return write_record_arrays(f"{out}.p{jax.process_index()}.{name}", rows)

    data = {name: records(name, arrays) for name, arrays in data.items()}
    read_rows = RecordColumn.rows

    def counted_rows(column, indices):
        if column.row_shape:  # the inputs
            key = "train" if column is data["train_data"]["inputs"] else "eval"
            rows_read[key] = rows_read.get(key, 0) + np.size(indices)
        return read_rows(column, indices)

    RecordColumn.rows = counted_rows
common = {
    **data, "batch_size": 32, "eval_batch_size": 40,
    "epochs": 2, "progress": False, "parallel": DataParallel(),
    "workdir": sys.argv[6] if len(sys.argv) > 6 else None,
    "stop_at_step": int(sys.argv[7]) or None if len(sys.argv) > 7 else None,
}
if os.environ.get("STACKED_RUNS"):
    # Two runs, each on its own rows and evaluated on its own rows: per-run batches, sharded on their batch axis.
    result = fit_stacked(
        stack_runs([fresh_state(0), fresh_state(1, learning_rate=1e-2)]), seeds=[0, 1],
        train_indices=[np.arange(0, 224), np.arange(32, 256)], eval_indices=[np.arange(100), np.arange(80)],
        **steps, **common,
    )
    state, history = result.states, result.histories[0]
else:
    result = fit(fresh_state(), seed=0, **steps, **common)
    state, history = result.state, result.history
parallel = DataParallel()
params = {jax.tree_util.keystr(path): parallel.gather(leaf) for path, leaf in jax.tree_util.tree_flatten_with_path(state.params)[0]}
if jax.process_index() == 0:
    np.savez(
        out, eval_loss=history[-1]["eval_loss"], devices=jax.device_count(), completed=result.completed,
        resumed_from_step=-1 if result.resumed_from_step is None else result.resumed_from_step, **params,
    )
if rows_read:
    Path = __import__("pathlib").Path
    Path(f"{out}.rows{jax.process_index()}.json").write_text(json.dumps(rows_read))
if len(sys.argv) > 3:
    jax.distributed.shutdown()
