"""Joining a multi-process run before JAX starts: ``zoo train ... --distributed``.

``jax.distributed.initialize`` finds the coordinator, the process count and this process's
index by itself under SLURM, Open MPI, Kubernetes JobSets and Cloud TPU pods; elsewhere give
them explicitly (``--coordinator HOST:PORT --num-processes N --process-id I``).
"""

import jax


def initialize(coordinator: str | None = None, num_processes: int | None = None, process_id: int | None = None) -> None:
    # CPU processes exchange gradients through gloo; GPU and TPU backends ignore this setting.
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=coordinator, num_processes=num_processes, process_id=process_id,
        initialization_timeout=300,
    )
