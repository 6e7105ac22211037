import json
import os
import platform
import statistics
import subprocess
import sys

import pytest
from ci_setup import require_ci_setup

from jax_zoo.train import host_memory

require_ci_setup(platform.system() == "Linux" and platform.libc_ver()[0] == "glibc", "glibc's mallopt (Linux)")


def _in_fresh_python(code: str, **environment: str) -> str:
    env = {name: value for name, value in os.environ.items() if name != host_memory.REQUEST_VARIABLE}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env | environment, capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.strip()


# A jitted function allocating 160 MB (its result and a temporary) in every call, freed after;
# prints the settings applied and the page faults of each of ten calls after twenty warm-up calls.
# Transparent huge pages are turned off for the process (PR_SET_THP_DISABLE), so a page is 4 KB
# whatever the kernel's setting: with THP "always", 2 MB pages would fault 512 times less.
PAGE_FAULTS = """
import ctypes
ctypes.CDLL(None, use_errno=True).prctl(41, 1, 0, 0, 0)  # PR_SET_THP_DISABLE, inherited by every thread
from jax_zoo.train import host_memory
host_memory.apply_if_requested()  # what the zoo command does first; importing changes nothing
import json, resource, jax_zoo, jax, jax.numpy as jnp
step = jax.jit(lambda x: jnp.cumsum(x) * 2)
x = jnp.ones(20_000_000)
for _ in range(20): step(x).block_until_ready()
faults = []
for _ in range(10):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    step(x).block_until_ready()
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(json.dumps([sorted(host_memory.applied_settings()), faults]))
"""


@pytest.mark.slow
def test_glibcs_settings_stay_unless_requested():
    assert _in_fresh_python("import jax_zoo.train; from jax_zoo.train import host_memory; print(host_memory.applied_settings())") == "{}"


@pytest.mark.slow
def test_requested_settings_make_buffers_reused_instead_of_faulted_in_every_call():
    settings, faults = json.loads(_in_fresh_python(PAGE_FAULTS, ZOO_REUSE_HOST_MEMORY="1"))
    default_settings, default_faults = json.loads(_in_fresh_python(PAGE_FAULTS))
    assert settings == sorted(host_memory.SETTINGS) and default_settings == []
    # With glibc's defaults every call faults in its buffers afresh: ~40,000 pages of 4 KB each call.
    assert min(default_faults) > 10_000
    # With the settings a call reuses the pages of the one before. Now and then the heap still grows
    # by one buffer (~20,000 faults in one call, a different call each run), so compare medians.
    assert statistics.median(faults) < statistics.median(default_faults) / 10
