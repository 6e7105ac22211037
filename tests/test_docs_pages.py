"""The documentation site's build rules, checked without building the site: every public name has
a docstring (docs/site/api_reference.py), the command-line page is each command's help
(docs/site/cli_reference.py), a notebook cell that raises stops the build
(docs/site/notebook_pages.py). ``test_docs_site.py`` checks the built site itself."""

import importlib.util
import types

import pytest

from conftest import ROOT, require_ci_setup


@pytest.fixture
def site_modules(monkeypatch):
    require_ci_setup(importlib.util.find_spec("griffe") is not None, "the docs extra (pip install -e '.[docs]')")
    monkeypatch.syspath_prepend(str(ROOT / "docs" / "site"))
    import api_reference
    import cli_reference
    import notebook_pages

    return types.SimpleNamespace(api_reference=api_reference, cli_reference=cli_reference, notebook_pages=notebook_pages)


def test_every_public_name_has_a_docstring(site_modules):
    api_reference = site_modules.api_reference
    loader = api_reference.load_package()
    missing = [name for package in api_reference.PAGES for name in api_reference.undocumented(api_reference.public_names(loader, package))]
    assert not missing, "public names without a docstring (mkdocs build refuses them):\n" + "\n".join(missing)


def test_a_public_name_without_a_docstring_is_reported(site_modules, tmp_path, monkeypatch):
    import griffe

    api_reference = site_modules.api_reference
    monkeypatch.chdir(tmp_path)
    code = 'def documented():\n    """Does one thing."""\n\n\nclass Bare:\n    def method(self):\n        pass\n'
    module = griffe.visit("example", tmp_path / "example.py", code)
    items = [api_reference.Documented(f"example.{name}", f"example.{name}", module[name]) for name in ("documented", "Bare")]
    assert api_reference.undocumented(items) == ["example.Bare (example.py:5)", "example.Bare.method (example.py:6)"]


def test_shadowed_names_are_rendered_where_they_are_defined(site_modules):
    api_reference = site_modules.api_reference
    documented = {item.public: item for item in api_reference.public_names(api_reference.load_package(), "jax_zoo.train")}
    assert documented["jax_zoo.train.fit"].rendered == "jax_zoo.train.fit.fit"  # the module jax_zoo.train.fit hides it
    assert documented["jax_zoo.train.fit"].target.is_function
    assert documented["jax_zoo.train.make_train_step"].rendered == "jax_zoo.train.make_train_step"


def test_command_line_page_is_each_commands_help(site_modules):
    from jax_zoo.cli import COMMANDS

    cli_reference = site_modules.cli_reference
    page = cli_reference.page()
    for command in COMMANDS:
        assert f"## `zoo {command}`" in page and f"usage: zoo {command}" in page
    assert "--init-from pretrained|WORKDIR" in page


@pytest.mark.slow
def test_a_notebook_cell_that_raises_stops_the_build(site_modules, tmp_path):
    notebook_pages = site_modules.notebook_pages
    source = tmp_path / "broken.py"
    source.write_text('# %% [markdown]\n# # Broken\n\n# %%\nprint("first cell")\n\n# %%\nraise ValueError("the plot is missing")\n')
    with pytest.raises(notebook_pages.NotebookError, match=r"(?s)broken\.py.*the plot is missing"):
        notebook_pages.execute(source, tmp_path / "broken.ipynb", tmp_path / "run", reuse=False)
    assert not (tmp_path / "broken.ipynb").exists()
