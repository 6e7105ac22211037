"""``zoo export``: an entry's weights as safetensors (PyTorch's keys or flax's paths), or ``.pt`` when asked."""

import re

import jax
import numpy as np
import pytest
from flax import traverse_util
from safetensors.numpy import load_file

import jax_zoo as zoo
from ci_setup import require_extra
from jax_zoo.cli import main
from jax_zoo.port import load_state_dict, state_dict_arrays


def shipped_arrays(entry):
    return jax.device_get(zoo.pretrained(entry).variables)


def test_shipped_weights_export_as_the_pytorch_state_dict_in_safetensors(tmp_path, capsys):
    out = tmp_path / "digits.safetensors"
    assert main(["export", "digits_cnn", "--pretrained", str(out)]) == 0
    assert "wrote 8 tensors of the shipped weights" in capsys.readouterr().out
    written = load_file(out)
    shipped = zoo.pretrained("digits_cnn")
    expected = state_dict_arrays(jax.device_get(shipped.variables), shipped.experiment.model, np.zeros((1, 8, 8, 1), np.float32))
    assert list(written) == sorted(expected) and written["conv1.weight"].shape == (32, 1, 3, 3)
    assert all(np.array_equal(written[key], expected[key]) for key in expected)
    (tmp_path / "plain").write_bytes(b"")
    assert out.stat().st_mode == (tmp_path / "plain").stat().st_mode, "made as any file the user writes"
    assert not list(tmp_path.glob(".*partial"))


def test_flax_layout_writes_every_variable_by_its_path_for_any_model(tmp_path):
    out = tmp_path / "ae.safetensors"
    assert main(["export", "fashion_denoise_ae", "--pretrained", str(out), "--layout", "flax"]) == 0
    expected = traverse_util.flatten_dict(shipped_arrays("fashion_denoise_ae"), sep="/")
    written = load_file(out)
    assert sorted(written) == sorted(expected) and all(np.array_equal(written[key], expected[key]) for key in expected)


@pytest.mark.parametrize("args, message", [
    (["fashion_denoise_ae", "--pretrained", "ae.safetensors"], r"no PyTorch layout for ConvAutoencoder: .* \(--layout flax writes"),
    (["digits_cnn", "--pretrained", "digits.bin"], r"expected a .safetensors file .* or a .pt file .*, got .bin"),
    (["digits_cnn", "--pretrained", "digits.pt", "--layout", "flax"], r"got .pt with --layout flax"),
    (["mnist_simple_cnn", "--pretrained", "mnist.safetensors"], "has no shipped weights"),
])
def test_exports_that_cannot_be_written_exit_2_writing_nothing(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["export", *args]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_safetensors_state_dict_ports_back_to_the_same_variables(tmp_path, capsys):
    out = tmp_path / "digits.safetensors"
    assert main(["export", "digits_cnn", "--pretrained", str(out)]) == 0
    assert sorted(load_state_dict(out)) == sorted(load_file(out))
    assert main(["port", "digits_cnn", str(out), "--workdir", str(tmp_path / "ported")]) == 0
    from jax_zoo.api.pretrained import from_workdir

    ported = jax.device_get(from_workdir(tmp_path / "ported").variables)
    assert jax.tree.all(jax.tree.map(np.array_equal, ported, shipped_arrays("digits_cnn")))


def test_pt_only_when_asked(tmp_path):
    torch = require_extra("torch", "torch")
    out = tmp_path / "digits.pt"
    assert main(["export", "digits_cnn", "--pretrained", str(out)]) == 0
    state_dict = torch.load(out, weights_only=True)
    assert state_dict["fc2.weight"].shape == (10, 128) and sorted(p.name for p in tmp_path.iterdir()) == ["digits.pt"]
