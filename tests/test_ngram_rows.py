"""Hashed n-gram tables shipped with only the rows training n-grams reach, stored sparse."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import safetensors
from flax import traverse_util
from harness_helpers import save_untrained_run

import jax_zoo as zoo
from jax_zoo.api import pretrained as pretrained_module
from jax_zoo.api.export_weights import export
from jax_zoo.api.ngram_rows import keep_reached_rows, ngram_classifier, ngram_table_paths, reach_counts
from jax_zoo.api.pretrained import from_workdir
from jax_zoo.api.weights_format import read_variables, safetensors_bytes
from jax_zoo.datasets import load_dataset
from jax_zoo.models import NgramEmbed

TINY = {"ngram_buckets": 16381, "hidden_size": 8, "embed_dim": 4, "ensemble_size": 2}


def test_reach_counts_are_the_rows_the_model_reads_at_the_real_positions():
    classifier = ngram_classifier(zoo.get("names_bilstm")(**TINY).model)
    tokens = np.array([[5, 6, 7, 5, 6, 0, 0], [7, 7, 7, 7, 0, 0, 0]], np.int32)
    counts = reach_counts(tokens, classifier)
    buckets, orders = classifier.ngram_buckets, classifier.ngram_orders
    embed = NgramEmbed(classifier.vocab_size, 1, orders, buckets)
    for order in orders:
        # row r of this order's table holds r, the other tables zeros: the output is the row read
        tables = {f"order_{o}": {"embedding": jnp.zeros((buckets, 1))} for o in orders}
        tables[f"order_{order}"]["embedding"] = jnp.arange(buckets, dtype=jnp.float32)[:, None]
        rows = np.asarray(embed.apply({"params": tables}, tokens))[..., 0][tokens != 0].astype(np.int64)
        np.testing.assert_array_equal(counts[order], np.bincount(rows, minlength=buckets))


def test_rows_reached_fewer_times_than_asked_are_zero_in_every_member():
    variables = zoo.build("names_bilstm", TINY | {"ngram_buckets": 97}).state.params
    counts = {order: np.arange(97) % 4 for order in (2, 3, 4)}
    cut, kept = keep_reached_rows({"params": variables}, counts, least=2)
    assert kept == {"kept": 3 * int((np.arange(97) % 4 >= 2).sum()), "rows": 3 * 97}
    assert ngram_table_paths(cut) == [f"params/members/member/ngrams/order_{order}/embedding" for order in (2, 3, 4)]
    for order in (2, 3, 4):
        table = cut["params"]["members"]["member"]["ngrams"][f"order_{order}"]["embedding"]
        original = np.asarray(variables["members"]["member"]["ngrams"][f"order_{order}"]["embedding"])
        assert table.shape == (2, 97, 4)
        np.testing.assert_array_equal(table[:, counts[order] < 2], 0.0)
        np.testing.assert_array_equal(table[:, counts[order] >= 2], original[:, counts[order] >= 2])
    flat, original = traverse_util.flatten_dict(cut), traverse_util.flatten_dict({"params": variables})
    assert all(np.array_equal(flat[path], original[path]) for path in flat if "ngrams" not in path)
    with pytest.raises(zoo.ZooError, match="least: expected at least 1 training n-gram per kept row, got 0"):
        keep_reached_rows({"params": variables}, counts, least=0)


def test_a_table_of_mostly_zero_rows_is_stored_as_its_rows_and_read_back_whole():
    table = np.zeros((2, 10, 3), np.float32)
    table[:, [1, 7]] = np.random.default_rng(0).normal(size=(2, 2, 3))
    dense = np.zeros((10, 3), np.float32)  # not named sparse: stays whole
    variables = {"params": {"table": table, "dense": dense, "bias": np.zeros(3, np.float32)}}
    data = safetensors_bytes(variables, sparse_rows=["params/table"])
    names = {name: spec["shape"] for name, spec in safetensors.deserialize(data)}
    assert names == {"params/bias": [3], "params/dense": [10, 3], "params/table@rows": [2], "params/table@values": [2, 2, 3]}
    restored = read_variables("x.safetensors", data)
    assert jax.tree.all(jax.tree.map(np.array_equal, restored, variables))
    assert read_variables("x.safetensors", safetensors_bytes(variables)).keys() == variables.keys()
    damaged = data.replace(b'[2, 10, 3]', b'[2, 10, 9]')
    assert damaged != data
    with pytest.raises(zoo.ZooError, match="a sparse table does not fit its recorded shape"):
        read_variables("x.safetensors", damaged)


@pytest.mark.slow
def test_export_keeps_the_reached_rows_and_pretrained_reads_them_back(tmp_path, monkeypatch):
    workdir = save_untrained_run(tmp_path / "run", "names_bilstm", TINY)
    results = {"entry": "names_bilstm", "config": zoo.build("names_bilstm", TINY).config, "test": {"count": 3325}}
    (workdir / "results.json").write_text(json.dumps(results))
    directory = tmp_path / "published" / "weights"
    path = export("names_bilstm", workdir, directory, publish=True, storage="bfloat16", keep_ngram_rows=2)
    record = json.loads(path.with_name("names_bilstm.weights.json").read_text())
    counts = reach_counts(np.asarray(load_dataset("names", "train")["inputs"]), ngram_classifier(zoo.get("names_bilstm")(**TINY).model))
    kept = sum(int((count >= 2).sum()) for count in counts.values())
    assert record["ngram_rows"] == {"least_training_ngrams": 2, "kept": kept, "rows": 3 * 16381}
    assert record["shipped_test"]["count"] == 3325 and 0 <= record["shipped_test"]["accuracy"] <= 1
    stored = {name for name, _ in safetensors.deserialize(path.read_bytes())}
    assert {name for name in stored if "@" in name} == {
        f"params/members/member/ngrams/order_{order}/embedding{part}" for order in (2, 3, 4) for part in ("@rows", "@values")
    }

    original = pretrained_module.weights_files
    monkeypatch.setattr(pretrained_module, "weights_files", lambda entry, folder=None: original(entry, folder or directory))
    loaded = zoo.pretrained("names_bilstm")
    expected, _ = keep_reached_rows(jax.device_get(from_workdir(workdir).variables), counts, 2)
    rounded = jax.tree.map(lambda leaf: np.asarray(leaf).astype(jnp.bfloat16).astype(np.float32), expected)
    assert jax.tree.all(jax.tree.map(np.array_equal, jax.device_get(loaded.variables), rounded))


def test_cutting_a_model_without_ngram_tables_exits_2(tmp_path, capsys):
    from jax_zoo.api.ngram_rows import main

    workdir = save_untrained_run(tmp_path / "run", "names_tutorial_rnn")
    assert main([str(workdir)]) == 2
    err = capsys.readouterr().err
    assert "(entry 'names_tutorial_rnn'): expected a model with hashed n-gram tables, got one without (TutorialRNN)" in err
