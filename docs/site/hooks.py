"""MkDocs hooks (``mkdocs.yml``'s ``hooks:``): the pages generated at build time.

- ``index.md``: the README, its links into ``docs/`` made relative to the site's root;
- ``api/*.md``: the API reference (``api_reference``), refused when a public name has no docstring;
- ``cli.md``: the command-line reference (``cli_reference``);
- ``notebooks/NAME.ipynb``: each notebook, executed (``notebook_pages``), rendered by mkdocs-jupyter,
  which also puts the ``.ipynb`` beside its page for the download button.
"""

import logging
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

import api_reference
import cli_reference
import notebook_pages

log = logging.getLogger("mkdocs.hooks.jax_zoo")
_reuse_notebooks = {"value": False}

NOTEBOOKS = "notebooks"
"""The notebooks' folder, under the repository root and under the site alike."""
MATHJAX_LOADER = re.compile(r'<script src="https://[^"]*mathjax[^"]*">\s*</script>')
"""The MathJax loader nbconvert puts on every notebook page; no notebook has math, and the site
makes no request to another host."""


def on_startup(command: str, dirty: bool) -> None:
    # `mkdocs serve` rebuilds on every edit: it reuses a notebook executed from the same source.
    # `mkdocs build` executes them all.
    _reuse_notebooks["value"] = command == "serve"


def _home(readme: str) -> str:
    # The README links into docs/ from the repository's root; the site's root is docs/ itself, and a
    # link to a folder means the folder's README.
    def relative(match: re.Match) -> str:
        target = match.group(1)
        return f"]({target}README.md" if target.endswith("/") or not target else f"]({target}"

    return re.sub(r"\]\(docs/([^)#]*)", relative, readme)


def _api_pages(config) -> list[File]:
    loader = api_reference.load_package()
    pages, missing = [], []
    for package, uri in api_reference.PAGES.items():
        documented = api_reference.public_names(loader, package)
        missing += api_reference.undocumented(documented)
        pages.append(File.generated(config, uri, content=api_reference.page(package, documented)))
    if missing:
        raise PluginError("public names without a docstring (what the thing is, and its shapes):\n  " + "\n  ".join(missing))
    return pages


def _notebook_pages(config, root: Path) -> list[File]:
    build = root / "build" / "docs"
    pages = []
    for source in sorted((root / NOTEBOOKS).glob("*.py")):
        output = build / NOTEBOOKS / f"{source.stem}.ipynb"
        try:
            seconds = notebook_pages.execute(source, output, build / "runs" / source.stem, reuse=_reuse_notebooks["value"])
        except notebook_pages.NotebookError as error:
            raise PluginError(str(error)) from None
        log.info("notebooks/%s: %s", source.name, "unchanged, reused" if seconds is None else f"executed in {seconds:.1f} s")
        # A file under build/docs/ rather than File.generated: mkdocs-jupyter reads the notebook
        # through the file's src_dir, which a generated file does not have.
        pages.append(File(f"{NOTEBOOKS}/{output.name}", str(build), config.site_dir, config.use_directory_urls))
    return pages


@event_priority(100)  # before mkdocs-jupyter's on_files, which claims the notebooks added here
def on_files(files: Files, config) -> Files:
    root = Path(config.config_file_path).parent
    files.append(File.generated(config, "index.md", content=_home((root / "README.md").read_text(encoding="utf-8"))))
    files.append(File.generated(config, "cli.md", content=cli_reference.page()))
    for generated in _api_pages(config) + _notebook_pages(config, root):
        files.append(generated)
    return files


def on_page_content(html: str, page, config, files) -> str:
    if page.file.src_uri.startswith(f"{NOTEBOOKS}/"):
        page.toc = get_toc(notebook_pages.table_of_contents(html))
    return html


def on_post_page(output: str, page, config) -> str:
    if page.file.src_uri.startswith(f"{NOTEBOOKS}/"):
        return MATHJAX_LOADER.sub("", output)
    return output
