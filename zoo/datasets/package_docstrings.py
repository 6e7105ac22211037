"""Code summarization pairs from pinned Python packages: a function's source without its docstring
-> the first sentence of that docstring (``docstring_pairs.documented_functions``), read with
``ast`` from the files of each package's wheel, which is downloaded (``pip download``), checked
against its pinned SHA-256 and never installed or imported.

Whole packages are held out: ``PACKAGES`` names each one's split. A function whose source or
whole docstring repeats one read before it is left out, reading the train packages first, then
validation, then test, so no held-out function copies a train function, nor a test function a
validation one.
"""

import hashlib
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import NamedTuple

from jax_zoo.core.errors import ZooError
from jax_zoo.datasets.docstring_pairs import FunctionPair, documented_functions
from jax_zoo.datasets.tfds_local import prepare, read_split

SPLITS = ("train", "validation", "test")


class PinnedWheel(NamedTuple):
    """One package of the corpus: its wheel, by version and SHA-256, and its split."""

    package: str
    version: str
    wheel: str
    """The wheel's file name; a pure-Python (``none-any``) wheel is the same file on every platform."""
    sha256: str
    split: str


PACKAGES = (
    PinnedWheel("astroid", "4.4.0", "astroid-4.4.0-py3-none-any.whl", "0bd494e22eacc286a3bf37cc3b3e61bc99adc5c05dbf510c86fb66ef3d6ef74d", "train"),
    PinnedWheel("boltons", "26.2.0", "boltons-26.2.0-py3-none-any.whl", "41942cbce440211bbcf2487ccdc356964ad674f95a01068b8a0dd7a1d1fed036", "train"),
    PinnedWheel("dask", "2026.8.0", "dask-2026.8.0-py3-none-any.whl", "ccc0c83a189b0398602435189771d28dad7b5773b6089bb8dce14ae732dd782c", "train"),
    PinnedWheel("django", "5.2.19", "django-5.2.19-py3-none-any.whl", "5965d974a5218a2b68a11dd1276434707f23886525c23f0598eccedaf4f4ca00", "train"),
    PinnedWheel("ipython", "9.18.1", "ipython-9.18.1-py3-none-any.whl", "997ce9140d374531a61069c70c0f9ef299d6dd3559ea0f94b8af589726e3c1d5", "train"),
    PinnedWheel("jedi", "0.20.1", "jedi-0.20.1-py2.py3-none-any.whl", "0fb16d86c4a4c73c37ba518c77419975e30fcc620658a8d14fbb5720cdd34142", "train"),
    PinnedWheel("markdown", "3.11.3", "markdown-3.11.3-py3-none-any.whl", "e1a31a112232504d753e5c01bb8c2de90d3f0ba986b063e10770cf7695b09e73", "train"),
    PinnedWheel("more-itertools", "11.2.1", "more_itertools-11.2.1-py3-none-any.whl", "35a7377edd1dd6608dcb2cdf534ded55ea32d49448875ad042cd3f879fb1ded0", "train"),
    PinnedWheel("mpmath", "1.4.1", "mpmath-1.4.1-py3-none-any.whl", "dc4f0ea2304480d4a9a48a94c1020571558ade522b44a6912efac63a586e140f", "train"),
    PinnedWheel("nltk", "3.10.4", "nltk-3.10.4-py3-none-any.whl", "769ba5413f265b7d3e87cd163cc28efa01e29eeef8bb6080bc907949d9fcfb51", "train"),
    PinnedWheel("openpyxl", "3.1.5", "openpyxl-3.1.5-py2.py3-none-any.whl", "5282c12b107bffeef825f4617dc029afaf41d0ea60823bbb665ef3079dc79de2", "train"),
    PinnedWheel("parso", "0.8.7", "parso-0.8.7-py2.py3-none-any.whl", "a8926eb2a1b915486941fdbd31e86a4baf88fe8c210f25f2f35ecec5b574ca1c", "train"),
    PinnedWheel("pip", "26.3", "pip-26.3-py3-none-any.whl", "f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13", "train"),
    PinnedWheel("prompt-toolkit", "3.0.53", "prompt_toolkit-3.0.53-py3-none-any.whl", "01c0891d7f9237d5e339f7d3e42cdae80b7534abb1c7c0e3352efba6231492f2", "train"),
    PinnedWheel("pygments", "2.21.0", "pygments-2.21.0-py3-none-any.whl", "2363c69b61c4a97c838da3b130dcd6468f4848992b21a82f2a63ec34377137d9", "train"),
    PinnedWheel("pylint", "4.1.5", "pylint-4.1.5-py3-none-any.whl", "37de19e5e6c853c832ca6e7a619cecf4ba595fd4e27a4bbc576e8f29a09dcd8d", "train"),
    PinnedWheel("pyparsing", "3.3.3", "pyparsing-3.3.3-py3-none-any.whl", "ece8c00a69cf01b45d0b1dedabb469c90d8caf996d4fda40f147627a122849a4", "train"),
    PinnedWheel("setuptools", "84.2.1", "setuptools-84.2.1-py3-none-any.whl", "ca140b45d5325a9478f880e351484f62fef15f336462e449ca0c03c873d589c2", "train"),
    PinnedWheel("sphinx", "9.0.4", "sphinx-9.0.4-py3-none-any.whl", "5bebc595a5e943ea248b99c13814c1c5e10b3ece718976824ffa7959ff95fffb", "train"),
    PinnedWheel("sympy", "1.14.0", "sympy-1.14.0-py3-none-any.whl", "e091cc3e99d2141a0ba2847328f5479b05d94a6635cb96148ccb3f34671bd8f5", "train"),
    PinnedWheel("toolz", "1.2.0", "toolz-1.2.0-py3-none-any.whl", "890f820b1cb8152785aaf9386d8707770110809035800985ca65cb24ce1120ef", "train"),
    PinnedWheel("twisted", "26.10.0", "twisted-26.10.0-py3-none-any.whl", "3732f42af218925a0fe78d6668db55853f7fb532245a89a2669babe7d3000fa8", "train"),
    PinnedWheel("jinja2", "3.1.6", "jinja2-3.1.6-py3-none-any.whl", "85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67", "validation"),
    PinnedWheel("xarray", "2026.9.0", "xarray-2026.9.0-py3-none-any.whl", "fe349fa871628b1a0a5217af3fe1283a2862d5485156e6eda354fffb81c3bb7c", "validation"),
    PinnedWheel("docutils", "0.23.1", "docutils-0.23.1-py3-none-any.whl", "08633ce67a7bf227823a363043f0b0e7b6d731e473276349f3a44f5cba39b0e4", "test"),
    PinnedWheel("networkx", "3.6.1", "networkx-3.6.1-py3-none-any.whl", "d47fbf302e7d9cbbb9e2555a0d267983d2aa476bac30e90dfbe5669bd57f3762", "test"),
)
"""The corpus: pure-Python wheels of well-known packages, in reading order (train, validation,
test; by name within each); docs/data.md says why these."""

SKIPPED_FOLDERS = frozenset({
    "test", "tests", "testing", "testutils", "test-examples", "pydy-example-repo", "benchmarks",
    "_vendor", "_distutils", "__pycache__",
})
"""Tests, test helpers, benchmarks and other projects' code copied in (``_vendor``; ``_distutils``
is the standard library's distutils)."""


def is_package_source(member: str) -> bool:
    """Whether a wheel's ``member`` is a module of the package's own code: a ``.py`` file outside
    the wheel's metadata, tests and copied-in projects (``SKIPPED_FOLDERS``)."""
    *folders, file = member.split("/")
    if not file.endswith(".py") or not folders or folders[0].endswith((".dist-info", ".data")):
        return False
    is_test = file == "conftest.py" or file.startswith("test_") or file.endswith("_test.py")
    return not is_test and not SKIPPED_FOLDERS & set(folders)


def wheel_functions(path: Path) -> list[tuple[str, FunctionPair, str]]:
    """``(module path, pair, whole docstring)`` of every documented function in a wheel's modules
    (``is_package_source``), by module path, then in source order."""
    rows = []
    with zipfile.ZipFile(path) as wheel:
        for member in sorted(name for name in wheel.namelist() if is_package_source(name)):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # invalid escapes in old code: SyntaxWarning from 3.12
                    functions = documented_functions(wheel.read(member).decode("utf-8"))
            except (SyntaxError, UnicodeDecodeError) as error:
                raise ZooError(f"{path.name}: expected Python source in {member}, got {error!r}") from None
            rows += [(member, pair, docstring) for pair, docstring in functions]
    return rows


def fetch_wheels(packages: tuple[PinnedWheel, ...], directory: Path) -> dict[str, Path]:
    """``{package: wheel path}``: each pinned wheel in ``directory``, downloaded with ``pip
    download`` when absent; a file whose SHA-256 differs from its pin is a ``ZooError``."""
    directory.mkdir(parents=True, exist_ok=True)
    missing = [wheel for wheel in packages if not (directory / wheel.wheel).is_file()]
    if missing:
        # The wheels any Python would get: pip chooses as for the oldest Python the zoo supports.
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--python-version", "3.11",
            "--dest", str(directory), *(f"{wheel.package}=={wheel.version}" for wheel in missing),
        ]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise ZooError(
                f"expected pip to download {len(missing)} pinned wheels of the package_docstrings corpus into "
                f"{directory}; it failed (a package index must be reachable):\n{done.stderr.strip()[-2000:]}"
            )
    paths = {}
    for wheel in packages:
        path = directory / wheel.wheel
        if not path.is_file():
            raise ZooError(f"expected {path} from pip download of {wheel.package}=={wheel.version}, found none")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != wheel.sha256:
            raise ZooError(f"{path}: expected SHA-256 {wheel.sha256}, got {digest}; delete it to download it again")
        paths[wheel.package] = path
    return paths


def corpus_rows(packages: tuple[PinnedWheel, ...], wheels: dict[str, Path]) -> list[dict]:
    """Every kept function as ``{"split", "package", "path", "name", "source", "summary"}``, in
    reading order: splits in ``SPLITS`` order, then ``packages`` order, then module path and
    source line; a function whose source (whitespace aside) or whole docstring was read before
    is left out."""
    seen_sources, seen_docstrings, rows = set(), set(), []
    for split in SPLITS:
        for wheel in (wheel for wheel in packages if wheel.split == split):
            for path, pair, docstring in wheel_functions(wheels[wheel.package]):
                source, docstring = " ".join(pair.source.split()), " ".join(docstring.split())
                if source in seen_sources or docstring in seen_docstrings:
                    continue
                seen_sources.add(source)
                seen_docstrings.add(docstring)
                rows.append({"split": split, "package": wheel.package, "path": path, **pair._asdict()})
    return rows


def split_functions(split: str, directory: Path) -> dict[str, list[str]]:
    """``{"package", "path", "name", "source", "summary"}``: lists of strings of ``split``'s
    functions in reading order."""
    from jax_zoo.datasets.builders.package_docstrings import PackageDocstrings  # imports TFDS, only when data is read

    records = read_split(prepare(PackageDocstrings, directory), split, order_key="index")
    keys = ("package", "path", "name", "source", "summary")
    return {key: [text.decode("utf-8") for text in records[key]] for key in keys}
