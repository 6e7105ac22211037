import importlib.util
import os
import sys
from pathlib import Path

import pytest
from ci_setup import require_ci_setup, require_extra

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


@pytest.fixture(scope="session")
def fashion_mnist_files():
    """Fashion-MNIST's IDX files from the Debian package: tests needing them fail under CI
    (``$CI`` set, as ``.ci/run`` does, which installs the package) and are skipped elsewhere."""
    from jax_zoo.datasets.fashion_mnist import require_source_files
    from jax_zoo.core.errors import ZooError

    try:
        require_source_files()
    except ZooError as error:
        require_ci_setup(False, f"the Debian package dataset-fashion-mnist: {error}", "apt-get install dataset-fashion-mnist")


@pytest.fixture
def kjv_module():
    """Debian's sword-text-kjv, which ``.ci/run`` installs."""
    from jax_zoo.datasets.kjv import SWORD_MODULE

    require_ci_setup(SWORD_MODULE.is_dir(), f"Debian's sword-text-kjv in {SWORD_MODULE}", "apt-get install sword-text-kjv")
    return SWORD_MODULE


@pytest.fixture(scope="session")
def bible_modules():
    """Debian's sword-text-kjv and sword-text-sparv (the Reina-Valera 1909), which ``.ci/run`` installs."""
    from jax_zoo.datasets.bible_pairs import ENGLISH_MODULE, SPANISH_MODULE

    require_ci_setup(
        ENGLISH_MODULE.is_dir() and SPANISH_MODULE.is_dir(), f"Debian's SWORD modules in {ENGLISH_MODULE.parent}",
        "apt-get install sword-text-kjv sword-text-sparv",
    )


@pytest.fixture
def torch_module():
    """The optional torch extra, which ``.ci/run`` installs."""
    return require_extra("torch", "torch")


@pytest.fixture
def pytorch_reference(torch_module):
    """The design document's PyTorch reference module (``../shared/reference`` from the repository)."""
    require_ci_setup(PYTORCH_REFERENCE.is_file(), f"the design document's PyTorch reference at {PYTORCH_REFERENCE}")
    spec = importlib.util.spec_from_file_location("pytorch_reference", PYTORCH_REFERENCE)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    return reference
