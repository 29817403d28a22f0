"""docs/make_handouts.py: notebooks executed to static HTML, widget charts included."""
import base64
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "make_handouts.py"
PNG_IMG = re.compile(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=]{100,})"')


def _load_script():
    spec = importlib.util.spec_from_file_location("make_handouts", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_freeze_widgets_shows_settings_and_output_instead_of_the_live_widget():
    handouts = _load_script()
    png = base64.b64encode(b"\x89PNG fake").decode()
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("kt.widgets.planner(data)")
    cell.outputs = [nbformat.v4.new_output("execute_result", {
        "text/plain": "KPIWidget(...)",
        handouts.WIDGET_VIEW: {"model_id": "box", "version_major": 2, "version_minor": 0}},
        execution_count=1)]
    nb.cells = [cell]

    def model(name, **state):
        return {"model_name": name, "state": {"_model_name": name, **state}}

    nb.metadata["widgets"] = {handouts.WIDGET_STATE: {"state": {
        "box": model("VBoxModel", children=["IPY_MODEL_title", "IPY_MODEL_rep",
                                            "IPY_MODEL_rate", "IPY_MODEL_out"]),
        "title": model("HTMLModel", value="<h3>Plan your weeks</h3>"),
        "rep": model("DropdownModel", description="Rep", index=1,
                     _options_labels=["All reps", "Mei Lin"]),
        "rate": model("FloatSliderModel", description="Win rate", value=0.25,
                      readout_format=".0%"),
        "out": model("OutputModel", outputs=[
            {"output_type": "display_data", "metadata": {},
             "data": {"text/html": "<h3>You need 12 outreach touches a week</h3>"}},
            {"output_type": "display_data", "metadata": {}, "data": {"image/png": png}}]),
    }}}

    assert handouts.freeze_widgets(nb) == 1
    outputs = nb.cells[0].outputs
    html = [o["data"].get("text/html", "") for o in outputs]
    assert html[0] == "<h3>Plan your weeks</h3>"
    assert "Rep: Mei Lin · Win rate: 25%" in html[1]
    assert "You need 12 outreach" in html[2]
    assert outputs[3]["data"]["image/png"] == png
    assert "widgets" not in nb.metadata


def test_handout_of_the_dashboard_shows_the_widget_charts(tmp_path):
    out = tmp_path / "handouts"
    run = subprocess.run([sys.executable, str(SCRIPT), str(ROOT / "notebooks" / "rep_dashboard.ipynb"),
                          "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "without encryption" not in run.stderr  # no terminal noise from our defaults
    page = (out / "rep_dashboard.html").read_text(encoding="utf-8")
    charts = PNG_IMG.findall(page)
    assert len(charts) >= 2, "the dashboard's scorecard and plan charts are in the page"
    assert all(base64.b64decode(c)[:8] == b"\x89PNG\r\n\x1a\n" for c in charts)
    # the dashboard opens on the course's rep (data.me)
    assert "Interactive widget, shown as run with" in page and "Rep: Sam Carter" in page
    assert "You need" in page  # the plan's headline
    assert "widget-view+json" not in page and "Traceback" not in page
    remote = re.findall(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//[^"\' >]+|url\(["\']?https?://[^)]+', page)
    assert not remote, f"the handout loads from the network: {remote[:5]}"
    assert "rep_dashboard.html" in (out / "index.html").read_text(encoding="utf-8")
