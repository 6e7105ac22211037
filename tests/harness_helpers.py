"""Small shared pieces for the tests: a digits subset, a fresh SimpleCNN state, a saved untrained
run, a dataset read through another loader."""

import contextlib
import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jax_zoo.models import SimpleCNN
from jax_zoo.train import create_train_state

SPEC = {
    "inputs": jax.ShapeDtypeStruct((8, 8, 1), jnp.float32),
    "targets": jax.ShapeDtypeStruct((), jnp.int32),
}


def fresh_state(seed: int = 0, learning_rate: float = 3e-3):
    model = SimpleCNN(num_classes=10)
    init_key, dropout_key = jax.random.split(jax.random.PRNGKey(seed))
    variables = model.init(init_key, jnp.zeros((1, 8, 8, 1)))
    return create_train_state(model.apply, variables, optax.adam(learning_rate), dropout_key)


def digits(size: int, offset: int = 0) -> dict[str, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    part = slice(offset, offset + size)
    return {
        "inputs": (data.images[part, :, :, None] / 16).astype(np.float32),
        "targets": data.target[part].astype(np.int32),
    }


def assert_trees_bitwise_equal(left, right) -> None:
    left_leaves, right_leaves = jax.tree.leaves(left), jax.tree.leaves(right)
    assert len(left_leaves) == len(right_leaves)
    for a, b in zip(left_leaves, right_leaves):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def metric_history(history) -> list[dict]:
    """Epoch records without their timings, which differ run to run."""
    return [{k: v for k, v in record.items() if k != "epoch_seconds"} for record in history]


def save_untrained_run(workdir, entry, overrides=None):
    """What ``zoo train`` leaves behind, without the training: config and a checkpoint."""
    import jax_zoo as zoo
    from jax_zoo.train import Checkpoints
    from jax_zoo.train.records import write_json_atomic

    built = zoo.build(entry, overrides)
    write_json_atomic(workdir / "config.json", {"entry": entry, "config": built.config})
    with Checkpoints(workdir / "checkpoints") as checkpoints:
        checkpoints.save(0, built.state, {"entry": entry, "config": built.config})
    return workdir


@contextlib.contextmanager
def replaced_loader(dataset: str, load):
    """Inside the block, ``dataset``'s splits are read by ``load(split, directory)``; the splits
    this process had loaded are forgotten on the way in and out, so every read goes through it
    and none of its arrays stay behind for later tests."""
    from jax_zoo.datasets import registry as datasets

    info = datasets.dataset_info(dataset)

    def forget_loaded_splits():
        datasets._load_checked.cache_clear()
        datasets._load_joined.cache_clear()

    datasets._DATASETS[dataset] = dataclasses.replace(info, load=load)
    forget_loaded_splits()
    try:
        yield info.load
    finally:
        datasets._DATASETS[dataset] = info
        forget_loaded_splits()
