"""Importing the packages changes nothing in the process; the ``zoo`` command's setup does."""

import json
import os
import subprocess
import sys

import pytest

IMPORT_AND_REPORT = """
import json, os, sys
import jax._src.monitoring as monitoring

def snapshot():
    return {
        "environ": dict(os.environ),
        "listeners": [len(monitoring.get_event_listeners()), len(monitoring.get_event_duration_listeners()),
                      len(monitoring.get_scalar_listeners()), len(monitoring.get_event_time_span_listeners())],
    }

before = snapshot()
import jax_zoo, jax_zoo.models, jax_zoo.train  # noqa: E401
import jax_zoo.cli, jax_zoo.api.train  # noqa: E401
after = snapshot()
print(json.dumps({"before": before, "after": after}))
"""


def _run(code: str, **environment) -> str:
    inherited = {name: value for name, value in os.environ.items() if name != "ZOO_COMPILATION_CACHE"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True,
        env=inherited | environment,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_importing_models_train_and_zoo_sets_no_variable_and_registers_no_listener():
    report = json.loads(_run(IMPORT_AND_REPORT))
    assert report["after"]["environ"] == report["before"]["environ"]
    assert report["after"]["listeners"] == report["before"]["listeners"]


COMPILE_ONCE = """
import jax, jax.numpy as jnp, jax.monitoring
from jax_zoo.cli.process import prepare_process
prepare_process()
events = []
jax.monitoring.register_event_listener(lambda event, **kwargs: events.append(event))
jax.jit(lambda x: jnp.sin(x) * 2 + jnp.cos(x))(jnp.ones(7)).block_until_ready()
print(events.count("/jax/compilation_cache/cache_hits"))
"""


@pytest.mark.slow
def test_the_command_compiles_from_its_persistent_cache_the_second_time(tmp_path):
    cache = tmp_path / "xla-cache"
    assert _run(COMPILE_ONCE, ZOO_COMPILATION_CACHE=str(cache)) == "0"
    assert any(cache.iterdir()), "the first process wrote its executable to the cache"
    assert int(_run(COMPILE_ONCE, ZOO_COMPILATION_CACHE=str(cache))) >= 1


@pytest.mark.slow
def test_the_cache_can_be_turned_off(tmp_path):
    assert _run(COMPILE_ONCE, ZOO_COMPILATION_CACHE="0", HOME=str(tmp_path)) == "0"
    assert not (tmp_path / ".cache").exists()
