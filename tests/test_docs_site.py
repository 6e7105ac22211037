"""The built documentation site documents what the package exports: every public name of
``jax_zoo``, ``jax_zoo.models`` and ``jax_zoo.train`` with its signature, docstring and source,
every ``zoo`` command, every notebook with its plots and a downloadable ``.ipynb``.

The site is ``$ZOO_SITE_DIR`` (``.ci/run`` builds it once) or built for the session
(``built_site`` in conftest.py); ``test_docs_browser.py`` opens it in Chromium.
"""

import importlib
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
API_PAGES = {"jax_zoo": "api/jax_zoo", "jax_zoo.models": "api/models", "jax_zoo.train": "api/train"}
NOTEBOOKS = sorted(path.stem for path in (ROOT / "notebooks").glob("*.py"))


def _page(site: Path, path: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def _documented(page) -> dict[str, object]:
    """Heading text -> the ``div.doc-object`` of each object documented at the page's top level."""
    return {
        heading.get_text(" ", strip=True).split()[0]: heading.find_parent("div", class_="doc-object")
        for heading in page.select("h3.doc-heading")
    }


@pytest.mark.parametrize("package", API_PAGES)
def test_api_reference_documents_exactly_the_public_names(built_site, package):
    exported = {f"{package}.{name}" for name in importlib.import_module(package).__all__}
    documented = _documented(_page(built_site, API_PAGES[package]))
    assert set(documented) == exported, (
        f"missing from the page: {sorted(exported - set(documented))}; not exported: {sorted(set(documented) - exported)}"
    )
    for name, block in documented.items():
        contents = block.find("div", class_="doc-contents", recursive=False)
        docstring = contents.find("p", recursive=False)
        assert docstring is not None and docstring.get_text(strip=True), f"{name}: no docstring on the page"
        kind = set(block["class"])
        if "doc-function" in kind:
            assert block.find("div", class_="doc-signature", recursive=False), f"{name}: no signature"
        if kind & {"doc-function", "doc-class"}:
            source = contents.find("details", class_="mkdocstrings-source", recursive=False)
            assert source is not None and "Source code in" in source.get_text(), f"{name}: no source"


def test_api_reference_finds_make_train_step_by_its_public_path(built_site):
    block = _documented(_page(built_site, API_PAGES["jax_zoo.train"]))["jax_zoo.train.make_train_step"]
    signature = block.find("div", class_="doc-signature").get_text()
    assert "make_train_step(" in signature and "loss_fn" in signature
    assert "train/steps.py" in block.find("details", class_="mkdocstrings-source").get_text()


def test_command_line_reference_is_each_commands_help(built_site):
    from jax_zoo.cli import COMMANDS

    page = _page(built_site, "cli")
    headings = [heading.get_text(" ", strip=True).rstrip("¶").strip() for heading in page.select("h2")]
    assert headings == [f"zoo {command}" for command in COMMANDS]
    train_help = page.find("h2", id="zoo-train").find_next("pre").get_text()
    assert "usage: zoo train" in train_help and "--init-from pretrained|WORKDIR" in train_help


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_page_shows_its_plots_and_offers_its_ipynb(built_site, notebook):
    page = _page(built_site, f"notebooks/{notebook}")
    plots = [image for image in page.select("img") if image.get("src", "").startswith("data:image/png;base64,")]
    assert plots, f"{notebook}: no plot on its page"
    download = page.find("a", attrs={"download": True})
    assert download is not None, f"{notebook}: no download button"
    executed = json.loads((built_site / "notebooks" / notebook / download["href"]).read_text(encoding="utf-8"))
    assert executed["metadata"]["kernelspec"]["name"] == "python3"
    outputs = [output for cell in executed["cells"] if cell["cell_type"] == "code" for output in cell["outputs"]]
    assert outputs and not [output for output in outputs if output["output_type"] == "error"]
