"""The notebooks as pages: each ``notebooks/NAME.py`` (jupytext percent format) converted to
``NAME.ipynb`` and executed in a Jupyter kernel, outputs and plots included.

``ZOO_NOTEBOOK_BUDGET`` is ``small`` unless set, as in the tests. A cell that raises stops the
build. Each notebook runs in its own folder under ``build/docs/runs/``, so the files it writes
(``runs/notebooks/...``) stay out of the source tree.
"""

import hashlib
import html
import os
import re
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

CELL_TIMEOUT_SECONDS = 1200
"""The longest one cell may run before the build fails (full-size notebooks train for minutes)."""


class NotebookError(Exception):
    """A notebook cell raised, or timed out, while the site was built."""


def budget() -> str:
    """The ``ZOO_NOTEBOOK_BUDGET`` the notebooks run at: ``small`` unless the environment says."""
    return os.environ.get("ZOO_NOTEBOOK_BUDGET", "small")


def _fingerprint(source: Path) -> str:
    return hashlib.sha256(source.read_bytes() + budget().encode()).hexdigest()


def _budget_note(source: Path) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(
        f"*Executed when this site was built, at `ZOO_NOTEBOOK_BUDGET={budget()}`: the numbers and "
        f"plots below come from that run. Source: `notebooks/{source.name}`.*"
    )


def execute(source: Path, output: Path, run_directory: Path, *, reuse: bool) -> float | None:
    """Writes ``output``, the executed notebook of ``source``; returns the seconds it took, or
    ``None`` when ``reuse`` found it executed from the same source and budget.

    Raises ``NotebookError`` naming the notebook and the cell's error when a cell fails.
    """
    fingerprint = _fingerprint(source)
    if reuse and output.is_file() and nbformat.read(output, as_version=4).metadata.get("jax_zoo_source") == fingerprint:
        return None
    notebook = jupytext.read(source)
    notebook.cells.insert(1, _budget_note(source))
    run_directory.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "ZOO_NOTEBOOK_BUDGET": budget()}
    environment.pop("MPLBACKEND", None)  # the kernel's inline backend draws the figures into the page
    # tqdm.auto warns in a kernel without ipywidgets; the notebooks show no progress bars anyway.
    environment["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), "ignore::Warning:tqdm.auto"]))
    client = NotebookClient(
        notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3", resources={"metadata": {"path": str(run_directory)}},
    )
    start = time.perf_counter()
    try:
        client.execute(env=environment)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        raise NotebookError(f"{source.name}: a cell failed while the site was built:\n{error}") from None
    notebook.metadata["jax_zoo_source"] = fingerprint
    output.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, output)
    return time.perf_counter() - start


HEADING = re.compile(r'<h([2-6])[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
"""A section heading of a rendered notebook page, as nbconvert writes it (with its id)."""


def table_of_contents(page_html: str) -> list[dict]:
    """The page's headings as mkdocs TOC tokens (nested by level), read from the rendered page.

    mkdocs-jupyter makes the TOC from the notebook's Markdown with inline code removed, so a
    heading such as ``## `jax.jit`, with the CPU preset`` got a truncated label and an anchor
    the page does not have; the rendered headings carry the right text and ids.
    """
    roots: list[dict] = []
    open_sections: list[dict] = []
    for level, anchor, inner in HEADING.findall(page_html):
        name = html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip()
        token = {"level": int(level), "id": anchor, "name": name, "children": []}
        while open_sections and open_sections[-1]["level"] >= token["level"]:
            open_sections.pop()
        (open_sections[-1]["children"] if open_sections else roots).append(token)
        open_sections.append(token)
    return roots
