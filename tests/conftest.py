import fcntl
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from ci_setup import require_ci_setup, require_extra

ROOT = Path(__file__).resolve().parents[1]


KEPT_SETTINGS = {"ZOO_TEST_DATA_CACHE", "ZOO_SITE_DIR", "JAX_PLATFORMS"}


def pytest_configure(config):
    """The tests run the same whatever the user's environment: the zoo's settings (``ZOO_*``), JAX's
    (``JAX_*``: x64, matmul precision, ...) and ``XLA_FLAGS`` are dropped before any test module
    imports JAX, and every compile is a real one (``ZOO_COMPILATION_CACHE=0``; the cache's own
    tests set it for their processes). Kept: where the test data is cached, the site ``.ci/run``
    built (``built_site``), and which backend."""
    for name in list(os.environ):
        if name.startswith(("ZOO_", "JAX_")) and name not in KEPT_SETTINGS or name == "XLA_FLAGS":
            del os.environ[name]
    os.environ["ZOO_COMPILATION_CACHE"] = "0"


def _outside_places() -> set[str]:
    """What the tests must not create: entries at the repository's top level (where a relative
    path lands), and the zoo's default data and compilation-cache directories in ``$HOME`` (the
    tests set ``ZOO_DATA_DIR`` and ``ZOO_COMPILATION_CACHE``; other processes may write there)."""
    home = Path.home()
    defaults = {str(place) for place in (home / "tensorflow_datasets", home / ".cache" / "jax-zoo" / "xla") if place.exists()}
    return {str(ROOT / name) for name in os.listdir(ROOT) if name not in TOOL_FOLDERS} | defaults


TOOL_FOLDERS = {".pytest_cache", ".hypothesis", "__pycache__"}
"""What pytest, hypothesis and Python themselves write beside the tests."""


@pytest.fixture(scope="session", autouse=True)
def writes_stay_in_tmp_and_the_test_data_cache():
    """Every test writes under its ``tmp_path`` or the test data cache (``data_dir``): checked
    when the session (or an xdist worker) ends."""
    before = _outside_places()
    yield
    created = sorted(_outside_places() - before)
    assert not created, f"the tests wrote outside tmp_path and the test data cache: {created}"


def _registered() -> tuple[set[str], set[str]]:
    from jax_zoo.core import registry
    from jax_zoo.datasets import registry as datasets

    return set(registry.list_entries()), set(datasets.list_datasets())


@pytest.fixture(autouse=True)
def registrations_stay_with_their_test(request):
    """The registries are one per process, shared by every test run in it: an entry or dataset a
    test registers must be gone after it (``own_registrations``), or a later test's view depends on order."""
    before = _registered()
    yield
    left = [sorted(now - then) for now, then in zip(_registered(), before)]
    if any(left):
        pytest.fail(f"{request.node.nodeid} left entries {left[0]} and datasets {left[1]} registered; use own_registrations")


@pytest.fixture
def own_registrations():
    """Entries and datasets this test registers (``zoo.register``, ``register_dataset``) are
    unregistered after it, and the splits it loaded forgotten."""
    from jax_zoo.core import registry
    from jax_zoo.datasets import registry as datasets

    entries, loaders = dict(registry._ENTRIES), dict(datasets._DATASETS)
    yield
    for table, before in ((registry._ENTRIES, entries), (datasets._DATASETS, loaders)):
        table.clear()
        table.update(before)
    datasets._load_checked.cache_clear()
    datasets._load_joined.cache_clear()


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


@pytest.fixture
def shoe_photo(tmp_path):
    """A 'photo': a dark boot-like shape on a light ground, 300x200 RGB."""
    image = Image.new("RGB", (300, 200), (245, 245, 240))
    ImageDraw.Draw(image).polygon([(40, 160), (260, 160), (260, 125), (150, 105), (125, 40), (40, 40)], fill=(50, 35, 30))
    path = tmp_path / "shoe.png"
    image.save(path)
    return path
