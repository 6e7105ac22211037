import numpy as np

from jax_zoo.train import epoch_permutation, eval_batches, train_batches


def arrays(size):
    return {"inputs": np.arange(size, dtype=np.float32)[:, None], "targets": np.arange(size)}


def test_train_batches_are_full_and_reshuffled_each_epoch_from_the_seed():
    data = arrays(23)
    first = [b["targets"] for b in train_batches(data, 5, seed=0, epoch=0)]
    assert [len(b) for b in first] == [5, 5, 5, 5]
    assert len(np.unique(np.concatenate(first))) == 20
    again = [b["targets"] for b in train_batches(data, 5, seed=0, epoch=0)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(epoch_permutation(23, 0, 0), epoch_permutation(23, 0, 1))
    assert not np.array_equal(epoch_permutation(23, 0, 0), epoch_permutation(23, 1, 0))


def test_eval_batches_pad_the_last_batch_and_mask_it():
    batches = list(eval_batches(arrays(7), 3))
    assert [b["mask"].tolist() for b in batches] == [[1, 1, 1], [1, 1, 1], [1, 0, 0]]
    real = np.concatenate([b["targets"][b["mask"] > 0] for b in batches])
    assert real.tolist() == list(range(7))
