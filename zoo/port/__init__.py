"""PyTorch weights in and out of the zoo's models (``.pt`` files and tensors need the optional ``torch`` extra).

    variables = from_torch(torch_network.state_dict(), model, example)   # flax variables
    model.apply(variables, example)                                     # PyTorch's outputs
    state_dict = to_torch(variables, model)                             # back, for load_state_dict

``example`` is an input batch (NHWC images or token ids) that fixes the variables' shapes.
``jax_zoo.port.layouts`` says which PyTorch module holds each layer; ``torch_specs`` lists the keys
a model expects. A ``state_dict`` that does not fit (missing, unexpected or misshapen tensors)
raises ``StateDictError`` naming every such key: never a partial load. Files are read with
``torch.load(..., weights_only=True)``: a pickle that would run code is refused.
"""

import os
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jax
import numpy as np
from flax import traverse_util

from jax_zoo.core.errors import StateDictError
from jax_zoo.port.layouts import layout
from jax_zoo.port.rules import COUNT, Rule

__all__ = ["from_torch", "load_state_dict", "save_state_dict", "state_dict_arrays", "to_torch", "torch_specs"]


def _shapes_and_feature_maps(model, example):
    """The variables' shapes and a ``FeatureMap`` from the intermediate outputs, by tracing only."""

    def run():
        variables = model.init(jax.random.PRNGKey(0), example, train=False)
        _, captured = model.apply(
            variables, example, train=False, capture_intermediates=True, mutable=["intermediates"]
        )
        return variables, captured["intermediates"]

    variables, intermediates = jax.eval_shape(run)

    def feature_map(path, poolings):
        _, height, width, channels = traverse_util.flatten_dict(intermediates)[(*path, "__call__")][0].shape
        return height // 2**poolings, width // 2**poolings, channels

    return variables, feature_map


def _flat_shapes(variables) -> dict[tuple[str, ...], tuple[int, ...]]:
    return {path: tuple(leaf.shape) for path, leaf in traverse_util.flatten_dict(variables).items()}


def _rules(model, variables, feature_map) -> list[Rule]:
    shapes = _flat_shapes(variables)
    try:
        found = layout(model, shapes, feature_map)
    except KeyError as error:
        raise StateDictError(f"the variables do not fit {type(model).__name__}: they have no {error.args[0]}") from None
    # Every variable made exactly once, in its shape: other variables, or a layout left behind by
    # a change of the model, fail here.
    produced = [(path, leaf.shape) for rule in found for path, leaf in rule.to_flax(_stand_ins(rule)).items()]
    if sorted(produced) != sorted(shapes.items()):
        raise StateDictError(
            f"the variables do not fit {type(model).__name__}'s PyTorch layout, which makes "
            f"{sorted(set(produced) - set(shapes.items()))} instead of {sorted(set(shapes.items()) - set(produced))}"
        )
    return found


def _stand_ins(rule: Rule) -> dict[str, np.ndarray]:
    return {key: np.zeros(shape, np.float32) for key, (shape, _) in rule.torch_specs.items()}


def torch_specs(model, example) -> dict[str, tuple[tuple[int, ...], str]]:
    """The ``state_dict`` ``model`` reads: key -> ``(shape, kind)``, kind ``"float"`` or ``"count"``."""
    variables, feature_map = _shapes_and_feature_maps(model, example)
    return {key: spec for rule in _rules(model, variables, feature_map) for key, spec in rule.torch_specs.items()}


def _as_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor; bfloat16 has no numpy dtype
        value = value.detach().cpu()
        return (value.float() if value.is_floating_point() else value).numpy()
    return np.asarray(value)


def _problems(state_dict: Mapping[str, Any], specs) -> list[str]:
    problems = []
    for key, (shape, kind) in specs.items():
        if key not in state_dict:
            problems.append(f"missing {key} ({kind}{list(shape)})")
            continue
        value = _as_numpy(state_dict[key])
        expected_kind = np.integer if kind == COUNT else np.floating
        if tuple(value.shape) != shape or not np.issubdtype(value.dtype, expected_kind):
            problems.append(f"{key}: expected {kind}{list(shape)}, got {value.dtype}{list(value.shape)}")
    problems += [f"unexpected {key}" for key in state_dict if key not in specs]
    return problems


def from_torch(state_dict: Mapping[str, Any], model, example) -> dict[str, Any]:
    """Flax variables (``params``, and ``batch_stats`` with BatchNorm) for ``model`` from a PyTorch
    ``state_dict`` (tensors or arrays); ``example`` is an input batch. Floating tensors of any
    precision are read as float32. Raises ``StateDictError`` naming every key that does not fit."""
    variables, feature_map = _shapes_and_feature_maps(model, example)
    found = _rules(model, variables, feature_map)
    specs = {key: spec for rule in found for key, spec in rule.torch_specs.items()}
    problems = _problems(state_dict, specs)
    if problems:
        raise StateDictError(
            f"the state_dict does not fit {type(model).__name__} ({len(problems)} problems): " + "; ".join(problems)
        )
    leaves = {}
    for rule in found:
        tensors = {key: _as_numpy(state_dict[key]) for key in rule.torch_specs}
        leaves |= {
            path: np.ascontiguousarray(array, np.float32) for path, array in rule.to_flax(tensors).items()
        }
    return jax.tree.map(jax.numpy.asarray, traverse_util.unflatten_dict(leaves))


def to_torch(variables: Mapping[str, Any], model, example=None) -> "OrderedDict[str, Any]":
    """A PyTorch ``state_dict`` (CPU tensors) of flax ``variables`` of ``model``.

    ``example`` (an input batch) is needed only for a model that flattens a non-square feature
    map. Everything is exact except what flax does not keep: each recurrent gate's two biases
    come out as their sum in ``bias_ih`` and zeros in ``bias_hh``, ``num_batches_tracked`` as 0.
    """
    import torch

    arrays = state_dict_arrays(variables, model, example)
    return OrderedDict((key, torch.from_numpy(array)) for key, array in arrays.items())


def state_dict_arrays(variables: Mapping[str, Any], model, example=None) -> "OrderedDict[str, np.ndarray]":
    """``to_torch``'s ``state_dict`` as numpy arrays (no PyTorch needed), e.g. for safetensors."""
    variables = {name: variables[name] for name in ("params", "batch_stats") if name in variables}
    if example is None:
        feature_map = _square_maps_inferred
    else:
        expected, feature_map = _shapes_and_feature_maps(model, example)
        given, wanted = _flat_shapes(variables), _flat_shapes(expected)
        if given != wanted:
            differences = sorted(set(given.items()) ^ set(wanted.items()))
            raise StateDictError(f"the variables are not {type(model).__name__}'s: they differ in {differences}")
    found = _rules(model, variables, feature_map)
    leaves = {path: np.asarray(leaf) for path, leaf in traverse_util.flatten_dict(variables).items()}
    state_dict = OrderedDict()
    for rule in found:
        for key, array in rule.to_torch(leaves).items():
            state_dict[key] = np.array(array, copy=True, order="C")
    return state_dict


def _square_maps_inferred(path, poolings) -> None:
    """A ``FeatureMap`` without an example input: every flattened map is taken to be square."""
    return None


def load_state_dict(path: str | os.PathLike) -> dict[str, Any]:
    """A ``state_dict`` saved with ``torch.save``, read with ``weights_only=True``: tensors and plain
    containers only, never code; or a ``.safetensors`` file (``safetensors.torch.save_file``),
    read as numpy arrays without PyTorch. Raises ``StateDictError`` for anything else."""
    import pickle

    path = Path(path)
    if not path.is_file():
        raise StateDictError(f"no PyTorch file at {path}: expected a state_dict saved with torch.save or safetensors")
    if path.suffix == ".safetensors":
        return _load_safetensors(path)
    import torch

    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as error:
        reason = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
        raise StateDictError(
            f"{path} was refused: torch.load(weights_only=True) reads tensors and plain containers only, and "
            f"this file holds something else ({reason}). Save the network's weights with "
            f"torch.save(network.state_dict(), path); never load untrusted pickles in full"
        ) from None
    if not isinstance(loaded, Mapping):
        raise StateDictError(f"{path} holds a {type(loaded).__name__}, not a state_dict (a mapping of names to tensors)")
    not_tensors = [str(key) for key, value in loaded.items() if not isinstance(value, torch.Tensor)]
    if not_tensors:
        raise StateDictError(
            f"{path} is not a state_dict: the values of {', '.join(not_tensors)} are not tensors (a training "
            f"checkpoint? save network.state_dict() on its own)"
        )
    return dict(loaded)


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return load_file(path)
    except (SafetensorError, ValueError, TypeError) as error:
        raise StateDictError(
            f"{path} was refused: not a safetensors file numpy can read ({str(error).strip()[:300]}); "
            f"expected a state_dict saved with safetensors.torch.save_file (float, not bfloat16, tensors)"
        ) from None


def save_state_dict(state_dict: Mapping[str, Any], path: str | os.PathLike) -> None:
    """The ``state_dict`` (numpy arrays or tensors) to ``path`` atomically, a complete file or
    none: safetensors for a ``.safetensors`` path (no PyTorch needed), else ``torch.save``."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    if path.suffix == ".safetensors":
        from safetensors.numpy import save

        partial.write_bytes(save({key: np.ascontiguousarray(_as_numpy(value)) for key, value in state_dict.items()}))
    else:
        import torch

        tensors = {key: torch.as_tensor(value) for key, value in state_dict.items()}
        torch.save(OrderedDict(tensors), partial)
    os.replace(partial, path)
