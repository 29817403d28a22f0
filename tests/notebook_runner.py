"""Run a notebook's code cells in this process (an IPython shell, no kernel) and keep what each
cell showed: printed text, displayed objects and the value of its last line, as a reader sees
them (text/plain and text/html), plus the objects themselves (widgets can be inspected).

nbval runs every notebook in a real kernel on the sample; this runner is for running the same
notebooks again on other data cheaply: kpitools is imported once, no kernel starts.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

# What a number-less or meaningless sentence looks like on a rep's own data: "0 deals",
# "0 outreach touches a week", a float NaN formatted into text ("nan%", "nan deals").
# (A table's "NaN" is fine: a ratio with nothing to divide by.)
NONSENSE = re.compile(r"(?i:(?<![\d.,])0 (outreach|deals?|first meetings?|opportunities|touches)"
                      r"\b)|\bnan\b")


@dataclass
class Cell:
    source: str
    texts: list[str] = field(default_factory=list)   # printed text, then text/plain outputs
    htmls: list[str] = field(default_factory=list)   # text/html outputs
    value: object = None                              # the last line's value, if any
    error: str | None = None


@dataclass
class Run:
    path: Path
    cells: list[Cell]
    namespace: dict

    def errors(self) -> list[str]:
        return [f"cell {i}:\n{c.source}\n---\n{c.error}" for i, c in enumerate(self.cells)
                if c.error]

    def sentences(self) -> list[tuple[int, str]]:
        """Printed lines (not the reprs of displayed objects), with their cell number."""
        return [(i, line) for i, c in enumerate(self.cells) for text in c.texts[:1]
                for line in text.splitlines() if line.strip()]


@contextmanager
def _in(folder: Path, env: dict):
    old_cwd, old_env = Path.cwd(), dict(os.environ)
    os.chdir(folder)
    os.environ.update(env)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        os.environ.clear()
        os.environ.update(old_env)


def run(path: Path, env: dict | None = None, *, draw: bool = False) -> Run:
    """Run every code cell of the notebook at ``path`` in order, in its own folder with
    ``env`` added to the environment; stops at the first cell that raises. With ``draw``,
    each cell's figures are drawn as a reader's screen would (an error drawing text, such as
    a stray "$" read as math, is the cell's error)."""
    notebook = nbformat.read(path, as_version=4)
    shell = InteractiveShell.instance()
    shell.reset(new_session=False)
    # the last line's value is kept and formatted below, not printed as "Out[n]: ..."
    shell.displayhook.write_output_prompt = lambda: None
    shell.displayhook.write_format_data = lambda *args, **kwargs: None
    cells = []
    with _in(path.parent, env or {}):
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            out = Cell(cell.source)
            cells.append(out)
            with capture_output() as captured:
                result = shell.run_cell(cell.source, store_history=False)
                if draw and result.success:
                    result = _draw_figures(shell, result)
            out.texts.append(captured.stdout + captured.stderr)
            for shown in captured.outputs:
                out.texts.append(shown.data.get("text/plain", ""))
                out.htmls.append(shown.data.get("text/html", ""))
            if result.result is not None:
                out.value = result.result
                bundle = shell.display_formatter.format(result.result)[0]
                out.texts.append(bundle.get("text/plain", ""))
                out.htmls.append(bundle.get("text/html", ""))
            if not result.success:
                error = result.error_in_exec or result.error_before_exec
                out.error = f"{type(error).__name__}: {error}\n{captured.stdout[-3000:]}"
                break
    namespace = dict(shell.user_ns)
    plt.close("all")
    return Run(path, cells, namespace)


def _draw_figures(shell, result):
    """Draw every open figure (a widget's figure is drawn by its render already)."""
    try:
        for number in plt.get_fignums():
            plt.figure(number).canvas.draw()
    except Exception as error:  # noqa: BLE001 - reported as the cell's error
        result.error_in_exec = error
    return result


def widget_problems(value) -> list[str]:
    """Errors a kpitools widget shows in its output (a KPIWidget's ``.error``)."""
    error = getattr(value, "error", None)
    return [f"{type(value).__name__}: {type(error).__name__}: {error}"] if error else []


def widget_text(value) -> str:
    """What a KPIWidget's output area shows, as HTML/text."""
    outputs = getattr(getattr(value, "output", None), "outputs", ()) or ()
    return " ".join(part.get("data", {}).get("text/html", "") or
                    part.get("data", {}).get("text/plain", "") for part in outputs)
