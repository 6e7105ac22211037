import fcntl
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def no_compilation_cache():
    """Every compile in the tests is a real one; the cache has its own test."""
    os.environ.setdefault("ZOO_COMPILATION_CACHE", "0")


TEST_DATA_CACHE = "ZOO_TEST_DATA_CACHE"


def test_data_cache(tmp_path_factory) -> Path:
    """Where the tests' prepared datasets live between runs: ``$ZOO_TEST_DATA_CACHE``, else
    ``$XDG_CACHE_HOME/jax-zoo/test-data`` (``~/.cache/...``); ``ZOO_TEST_DATA_CACHE=0``: a fresh
    directory for this session. TFDS keeps each dataset under ``<builder name>/<version>``, so a
    new version is prepared beside the old one and a second run prepares nothing."""
    setting = os.environ.get(TEST_DATA_CACHE, "")
    if setting == "0":
        return tmp_path_factory.mktemp("tensorflow_datasets")
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jax-zoo" / "test-data"


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory):
    """Datasets are prepared once, in the test data cache, away from the user's ~/tensorflow_datasets."""
    directory = test_data_cache(tmp_path_factory)
    directory.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("ZOO_DATA_DIR")
    os.environ["ZOO_DATA_DIR"] = str(directory)
    yield directory
    if previous is None:
        os.environ.pop("ZOO_DATA_DIR")
    else:
        os.environ["ZOO_DATA_DIR"] = previous


@pytest.fixture(scope="session")
def zoo_command():
    """The installed console script, next to this interpreter."""
    return [str(Path(sys.executable).with_name("zoo"))]


PYTORCH_REFERENCE = ROOT.parent / "shared" / "reference" / "pytorch_reference.py"
"""The design document's PyTorch reference, beside the repository (``../shared/reference``)."""


def require_ci_setup(available: bool, what: str) -> None:
    """Skips a test whose requirement ``what`` is missing here, but fails it under CI (``$CI`` set,
    as ``.ci/run`` does), which must provide it: a skip there would hide a broken setup."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide {what}")
    pytest.skip(f"needs {what}")


@pytest.fixture(scope="session")
def fashion_mnist_files():
    """Fashion-MNIST's IDX files from the Debian package: tests needing them fail under CI
    (``$CI`` set, as ``.ci/run`` does, which installs the package) and are skipped elsewhere."""
    from jax_zoo.datasets.fashion_mnist import require_source_files
    from jax_zoo.core.errors import ZooError

    try:
        require_source_files()
    except ZooError as error:
        require_ci_setup(False, f"the Debian package dataset-fashion-mnist: {error}")


@pytest.fixture
def kjv_module():
    """Debian's sword-text-kjv, which ``.ci/run`` installs."""
    from jax_zoo.datasets.kjv import SWORD_MODULE

    require_ci_setup(SWORD_MODULE.is_dir(), f"Debian's sword-text-kjv in {SWORD_MODULE}")
    return SWORD_MODULE


@pytest.fixture
def torch_module():
    """The optional torch extra, which ``.ci/run`` installs."""
    require_ci_setup(importlib.util.find_spec("torch") is not None, "the optional torch extra (torch==2.13.0)")
    import torch

    return torch


@pytest.fixture
def pytorch_reference(torch_module):
    """The design document's PyTorch reference module (``../shared/reference`` from the repository)."""
    require_ci_setup(PYTORCH_REFERENCE.is_file(), f"the design document's PyTorch reference at {PYTORCH_REFERENCE}")
    spec = importlib.util.spec_from_file_location("pytorch_reference", PYTORCH_REFERENCE)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    return reference


SITE_DIR = "ZOO_SITE_DIR"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The documentation site: ``$ZOO_SITE_DIR`` when set (``.ci/run`` builds it once), else built
    here by ``mkdocs build`` (minutes: the notebooks execute), once for all pytest-xdist workers."""
    if os.environ.get(SITE_DIR):
        site = Path(os.environ[SITE_DIR])
        assert (site / "index.html").is_file(), f"${SITE_DIR}={site} holds no built site"
        return site
    require_ci_setup(importlib.util.find_spec("mkdocs") is not None, "the docs extra (pip install -e '.[docs]')")
    shared = tmp_path_factory.getbasetemp().parent  # the same for every xdist worker of this session
    site = shared / "site"
    with open(shared / "site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (site / "index.html").is_file():
            built = subprocess.run(
                [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(site)], cwd=ROOT, capture_output=True, text=True,
            )
            assert built.returncode == 0, built.stderr[-6000:]
    return site
