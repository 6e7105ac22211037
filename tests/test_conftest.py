"""What conftest.py promises every test: none of the user's settings, a real compile, and a
registry that no earlier test changed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_tests_see_none_of_the_users_settings():
    import jax

    settings = {name for name in os.environ if name.startswith(("ZOO_", "JAX_")) or name == "XLA_FLAGS"}
    assert settings <= {"ZOO_COMPILATION_CACHE", "ZOO_DATA_DIR", "ZOO_TEST_DATA_CACHE", "ZOO_SITE_DIR", "JAX_PLATFORMS"}, settings
    assert os.environ["ZOO_COMPILATION_CACHE"] == "0"
    assert jax.device_count() == 1 and not jax.config.jax_enable_x64


@pytest.mark.slow
def test_a_users_settings_stay_out_of_the_tests(tmp_path):
    """The test above, in a pytest started with a user's settings: a compilation cache, eight
    simulated devices, 64-bit floats, the malloc settings."""
    env = os.environ | {
        "ZOO_COMPILATION_CACHE": str(tmp_path / "xla"), "XLA_FLAGS": "--xla_force_host_platform_device_count=8",
        "JAX_ENABLE_X64": "1", "ZOO_REUSE_HOST_MEMORY": "1",
    }
    test = f"{Path(__file__).name}::test_the_tests_see_none_of_the_users_settings"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", test],
        cwd=Path(__file__).parent, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert not (tmp_path / "xla").exists()
