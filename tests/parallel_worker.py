"""Run by tests/test_parallel.py in fresh processes (device counts are fixed at JAX start-up).

    python parallel_worker.py OUT.npz DEVICES [PROCESS_ID NUM_PROCESSES PORT]

Trains SimpleCNN on a digits subset data-parallel over DEVICES devices per process (and, with
the next three arguments, over several processes on loopback) and saves the final parameters.
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

from jax_zoo.train import DataParallel, accuracy, fit, make_eval_step, make_train_step, softmax_cross_entropy  # noqa: E402

result = fit(
    fresh_state(),
    train_step=make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
    eval_step=make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
    train_data=digits(256), eval_data=digits(100, offset=256), batch_size=32, eval_batch_size=40,
    epochs=2, seed=0, progress=False, parallel=DataParallel(),
)
parallel = DataParallel()
params = {jax.tree_util.keystr(path): parallel.gather(leaf) for path, leaf in jax.tree_util.tree_flatten_with_path(result.state.params)[0]}
if jax.process_index() == 0:
    np.savez(
        out, eval_loss=result.history[-1]["eval_loss"], devices=jax.device_count(), **params,
    )
if len(sys.argv) > 3:
    jax.distributed.shutdown()
