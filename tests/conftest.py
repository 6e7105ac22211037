import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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
