"""Render the workshop notebooks, executed on the sample data, to static HTML handouts.

    python docs/make_handouts.py                      # every notebook -> handouts/*.html
    python docs/make_handouts.py notebooks/04_win_rate.ipynb --out /tmp/handouts

Each notebook runs top to bottom in a fresh kernel (in the notebooks folder, as in JupyterLab).
An interactive widget shows nothing in a static page, so every widget output is replaced by a
snapshot of what it showed when the notebook ran: the control settings as one line of text, then
the widget's output (its headline, tables and chart PNGs). The pages load nothing from the
network (no require.js, MathJax or Mermaid from a CDN) and need no JavaScript;
handouts/index.html links them all. Exits non-zero if a notebook fails.
"""
from __future__ import annotations

import argparse
import html
import os
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import CellExecutionError, ExecutePreprocessor
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# nbconvert's lab page without require.js, MathJax or Mermaid from a CDN: the page works offline.
TEMPLATES = ROOT / "kpitools" / "workshop" / "jupyter" / "data" / "nbconvert" / "templates"
# Kernels talk to this script over encrypted sockets where ZeroMQ can (as in JupyterLab and
# Voila here): no "running over TCP without encryption" warning per notebook.
KERNELS = Config({"KernelManager": {"transport_encryption": "auto"}})
CONTAINERS = {"VBoxModel", "HBoxModel", "BoxModel", "GridBoxModel", "AccordionModel",
              "TabModel", "StackModel"}


def execute(nb, workdir: Path, timeout: int):
    """Run every cell in a fresh kernel; widget state (incl. Output widgets' outputs) is kept."""
    ExecutePreprocessor(timeout=timeout, kernel_name="python3", store_widget_state=True,
                        config=KERNELS).preprocess(nb, {"metadata": {"path": str(workdir)}})
    return nb


def _model_id(ref) -> str | None:
    return ref[len("IPY_MODEL_"):] if isinstance(ref, str) and ref.startswith("IPY_MODEL_") else None


def _control_setting(state: dict) -> str | None:
    """"Rep: All reps" for a control (dropdown, slider, text box ...), None for anything else."""
    if "_options_labels" in state:  # Dropdown, ToggleButtons, RadioButtons, Select
        labels, index = state["_options_labels"], state.get("index")
        indices = index if isinstance(index, (list, tuple)) else [index]
        value = ", ".join(labels[i] for i in indices if isinstance(i, int) and 0 <= i < len(labels))
    elif "value" in state:  # sliders, text boxes, checkboxes, date pickers
        value, fmt = state["value"], state.get("readout_format")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and fmt:
            try:
                value = format(value, fmt)
            except ValueError:
                pass
    else:
        return None
    label = state.get("description") or ""
    return f"{label}: {value}" if label else str(value)


def _settings_line(settings: list[str], first: bool) -> dict:
    """The controls' settings in grey; the widget's first line also says it is a snapshot."""
    line = f"<b>{' · '.join(html.escape(s) for s in settings)}</b>"
    if first:
        line = f"Interactive widget, shown as run with {line}. Open the notebook to change them."
    return nbformat.v4.new_output("display_data", {
        "text/html": f'<p style="color:#616161;font-size:90%">{line}</p>'})


def widget_snapshot(model_id: str, models: dict) -> list[dict]:
    """Static outputs showing what the widget ``model_id`` displayed, in display order.

    The controls' settings become a line of text, placed where the controls were; Output
    widgets contribute their outputs (tables, chart PNGs); HTML and Label widgets their text.
    """
    outputs: list[dict] = []
    settings: list[str] = []  # controls seen since the last output
    lines = 0  # settings lines written so far

    def flush() -> None:
        nonlocal lines
        if settings:
            outputs.append(_settings_line(settings, first=lines == 0))
            lines += 1
            settings.clear()

    def show(output: dict) -> None:
        flush()
        outputs.append(output)

    def walk(mid: str) -> None:
        model = models.get(mid)
        if model is None:
            return
        state = model["state"]
        name = model.get("model_name") or state.get("_model_name")
        if name == "OutputModel":
            for output in state.get("outputs", []):
                show(output)
        elif name in ("HTMLModel", "HTMLMathModel", "LabelModel"):
            value = state.get("value") or ""
            if value:
                text = html.escape(value) if name == "LabelModel" else value
                show(nbformat.v4.new_output("display_data", {"text/html": text}))
        elif name in CONTAINERS:
            for child in state.get("children", []):
                if _model_id(child):
                    walk(_model_id(child))
        elif name == "ImageModel":
            for buffer in model.get("buffers", []):
                if buffer.get("path") == ["value"]:
                    show(nbformat.v4.new_output(
                        "display_data", {f"image/{state.get('format', 'png')}": buffer["data"]}))
        else:
            setting = _control_setting(state)
            if setting:
                settings.append(setting)

    walk(model_id)
    flush()
    return outputs


def freeze_widgets(nb) -> int:
    """Replace every widget output by its static snapshot; returns how many were replaced."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    replaced = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        new_outputs = []
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW) if "data" in output else None
            if view is None:
                new_outputs.append(output)
                continue
            new_outputs.extend(widget_snapshot(view["model_id"], state))
            replaced += 1
        cell.outputs = new_outputs
    nb.metadata.pop("widgets", None)  # no live-widget JavaScript in the page: it is all static
    return replaced


def render(path: Path, out_dir: Path, *, timeout: int = 600) -> Path:
    """Execute one notebook and write OUT_DIR/<name>.html; returns the HTML path."""
    nb = nbformat.read(path, as_version=4)
    execute(nb, path.parent, timeout)
    freeze_widgets(nb)
    body, _ = HTMLExporter(template_name="kpitools_handout",
                           extra_template_basedirs=[str(TEMPLATES)]).from_notebook_node(
        nb, resources={"metadata": {"name": path.stem}})
    target = out_dir / f"{path.stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


def write_index(pages: list[Path], out_dir: Path) -> Path:
    items = "\n".join(f'<li><a href="{html.escape(p.name)}">{html.escape(p.stem)}</a></li>'
                      for p in pages)
    index = out_dir / "index.html"
    index.write_text(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>kpitools handouts</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>kpitools workshop handouts</h1>
<p>Every notebook, run on the practice data on {time.strftime('%d %b %Y')}.</p>
<ul>
{items}
</ul></body></html>
""", encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to render (default: notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "handouts",
                        help="output folder (default: handouts/)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        parser.error("no notebooks found")
    # Kernels draw charts inline, as in JupyterLab (CI exports MPLBACKEND=Agg, which would
    # leave plain plotting cells without their picture).
    os.environ.pop("MPLBACKEND", None)
    args.out.mkdir(parents=True, exist_ok=True)
    pages, failed = [], []
    for path in notebooks:
        start = time.monotonic()
        try:
            pages.append(render(path, args.out, timeout=args.timeout))
        except CellExecutionError as exc:
            failed.append(path.name)
            print(f"FAILED {path.name}: a cell raised an error:\n{str(exc)[-2000:]}",
                  file=sys.stderr)
            continue
        print(f"{pages[-1]}  ({time.monotonic() - start:.0f} s)")
    if pages:
        print(write_index(pages, args.out))
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
