import os
import platform
import subprocess
import sys

import pytest

from train import host_memory

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's (Linux)"
)


def _in_fresh_python(code: str, **environment: str) -> str:
    env = {name: value for name, value in os.environ.items() if name != host_memory.REQUEST_VARIABLE}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env | environment, capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.strip()


# A jitted function allocating 160 MB (its result and a temporary) in every call, freed after;
# prints the page faults of ten calls after twenty (the heap's pages are all touched once in the first few).
PAGE_FAULTS = """
import resource, zoo, jax, jax.numpy as jnp
from train import host_memory
step = jax.jit(lambda x: jnp.cumsum(x) * 2)
x = jnp.ones(20_000_000)
for _ in range(20): step(x).block_until_ready()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10): step(x).block_until_ready()
print(sorted(host_memory.applied_settings()), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_glibcs_settings_stay_unless_requested():
    assert _in_fresh_python("import train; from train import host_memory; print(host_memory.applied_settings())") == "{}"


def test_requested_settings_make_buffers_reused_instead_of_faulted_in_every_call():
    settings, faults = _in_fresh_python(PAGE_FAULTS, ZOO_REUSE_HOST_MEMORY="1").rsplit(" ", 1)
    default_settings, default_faults = _in_fresh_python(PAGE_FAULTS).rsplit(" ", 1)
    assert settings == str(sorted(host_memory.SETTINGS)) and default_settings == "[]"
    # With glibc's defaults every call faults in its 160 MB afresh: ~400,000 pages of 4 KB in ten.
    assert int(default_faults) > 100_000
    assert int(faults) < int(default_faults) / 10
