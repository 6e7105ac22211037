import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def no_compilation_cache():
    """Every compile in the tests is a real one; the cache has its own test."""
    os.environ.setdefault("ZOO_COMPILATION_CACHE", "0")


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory):
    """Datasets are prepared once per test session, away from the user's ~/tensorflow_datasets."""
    directory = tmp_path_factory.mktemp("tensorflow_datasets")
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


@pytest.fixture(scope="session")
def fashion_mnist_files():
    """Fashion-MNIST's IDX files from the Debian package: tests needing them fail under CI
    (``$CI`` set, as ``.ci/run`` does, which installs the package) and are skipped elsewhere."""
    from zoo.datasets.fashion_mnist import require_source_files
    from zoo.core.errors import ZooError

    try:
        require_source_files()
    except ZooError as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide the Debian package dataset-fashion-mnist: {error}")
        pytest.skip(f"needs the Debian package dataset-fashion-mnist: {error}")


@pytest.fixture(scope="session")
def kjv_module():
    """The KJV SWORD module from the Debian package: tests needing it fail under CI and are skipped elsewhere."""
    from zoo.datasets.kjv import SWORD_MODULE, sword_module_installed

    if not sword_module_installed():
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide the Debian package of the SWORD module {SWORD_MODULE}")
        pytest.skip(f"needs the Debian package of the SWORD module {SWORD_MODULE}")
