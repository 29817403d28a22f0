"""``import_assistant``: bring a CRM export into the course without code (ipywidgets; works in
JupyterLab and in Voila).

Choose the export (a path, or files to upload), see which CRM wrote it and what the loader
makes of it, pick the stages that mean won and lost, pick your name among the owners, enter a
monthly quota, read the quality report in plain words, and save it all as the settings every
notebook's ``kt.course_data()`` (and ``load_crm(settings=...)``) reads. The steps themselves
live in :mod:`kpitools.importing`; this module only draws them and passes the clicks on.
"""
from __future__ import annotations

import html
import os
from contextlib import contextmanager
from pathlib import Path

import ipywidgets as widgets

from kpitools import display, importing
from kpitools.course import course_data, missing
from kpitools.settings import ENV_VAR, SAMPLE, Settings, default_path, find

NOT_CHOSEN = ""
_WIDE = widgets.Layout(width="640px")
_STYLE = {"description_width": "150px"}
_GREY = '<p style="color:#616161">{}</p>'
PREVIEW_COLUMNS = ("opportunity_id", "rep", "stage", "status", "amount", "created_at",
                   "closed_at", "expected_close")


def _settings_path() -> Path:
    named = os.environ.get(ENV_VAR)
    return Path(named) if named not in (None, SAMPLE) else default_path()


def _items(values: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(v)}</li>" for v in values) + "</ul>"


class ImportAssistant(widgets.VBox):
    """The import assistant; see :func:`import_assistant`."""

    def __init__(self, settings_path: str | Path | None = None):
        super().__init__()
        self.settings_path = Path(settings_path) if settings_path else _settings_path()
        saved = find(self.settings_path) if self.settings_path.is_file() else None
        self.settings = saved or Settings()
        self.data, self.report_lines, self.message = None, [], ""
        self.found = {"won": set(), "lost": set()}  # what the loader decided by itself
        crms = [(importing.crm_label(k), k) for k in importing.CRMS if importing.crm_label(k)]
        self.controls = {
            "path": widgets.Text(description="Export folder or file",
                                 placeholder="e.g. C:\\Users\\me\\Downloads\\hubspot export",
                                 layout=_WIDE, style=_STYLE),
            "upload": widgets.FileUpload(accept=".csv,.xlsx,.xls,.parquet", multiple=True,
                                         description="…or upload files"),
            "crm": widgets.Dropdown(options=[("Recognise it for me", NOT_CHOSEN), *crms],
                                    value=NOT_CHOSEN, description="CRM", style=_STYLE),
            "won": widgets.SelectMultiple(description="Stages that mean won", rows=6,
                                          layout=widgets.Layout(width="420px"), style=_STYLE),
            "lost": widgets.SelectMultiple(description="Stages that mean lost", rows=6,
                                           layout=widgets.Layout(width="420px"), style=_STYLE),
            "me": widgets.Dropdown(options=[("(choose your name)", NOT_CHOSEN)],
                                   value=NOT_CHOSEN, description="I am", style=_STYLE,
                                   layout=widgets.Layout(width="420px")),
            "monthly_quota": widgets.BoundedFloatText(value=0, min=0, max=1e12, step=1000,
                                                      description="Monthly quota",
                                                      style=_STYLE),
        }
        self.buttons = {
            "look": widgets.Button(description="Look at my export", button_style="primary",
                                   icon="search"),
            "save": widgets.Button(description="Save my settings", button_style="success",
                                   icon="check", disabled=True),
        }
        self.panes = {name: widgets.HTML() for name in ("found", "preview", "report", "result")}
        self._busy = False
        self._prefill()
        self._wire()
        self.children = self._layout()
        self._show()

    # --- what the rep sees ------------------------------------------------------------------

    def _layout(self) -> list:
        c, b, p = self.controls, self.buttons, self.panes
        step = lambda n, text: widgets.HTML(f"<h4>{n}. {html.escape(text)}</h4>")  # noqa: E731
        return [
            step(1, "Your export"),
            widgets.HBox([c["path"], b["look"]]), c["upload"],
            step(2, "What kpitools makes of it"), c["crm"], p["found"], p["preview"],
            step(3, "Which stages close a deal"), widgets.HBox([c["won"], c["lost"]]),
            step(4, "Who you are"), c["me"],
            step(5, "Your monthly quota"), c["monthly_quota"],
            widgets.HTML(_GREY.format("Used for every month of your data when the export "
                                      "holds no quota for you. Leave 0 if it does.")),
            step(6, "Quality report"), p["report"],
            step(7, "Save"), b["save"], p["result"],
        ]

    def _prefill(self) -> None:
        sources = self.settings.sources()
        if sources:
            self.controls["path"].value = str(sources[0])
        if self.settings.preset in dict((v, k) for k, v in self.controls["crm"].options):
            self.controls["crm"].value = self.settings.preset
        self.controls["monthly_quota"].value = float(self.settings.monthly_quota or 0)

    def _wire(self) -> None:
        self.buttons["look"].on_click(lambda _: self._act(self.look))
        self.buttons["save"].on_click(lambda _: self._act(self.save))
        self.controls["upload"].observe(lambda _: self._act(self._uploaded), names="value")
        self.controls["crm"].observe(lambda _: self._act(self.look), names="value")
        for name in ("won", "lost"):
            self.controls[name].observe(lambda _: self._act(self._reload), names="value")
        for name in ("me", "monthly_quota"):
            self.controls[name].observe(lambda _: self._act(lambda: None), names="value")

    def _act(self, action) -> None:
        """Run one step; a problem is shown in the assistant, never lost in a log."""
        if self._busy:
            return
        self._busy = True
        try:
            self.message = action() or ""
        except Exception as error:  # noqa: BLE001 (shown to the rep, with what to do)
            self.message = f"⚠️ {error}"
        finally:
            self._busy = False
        self._show()

    def _show(self) -> None:
        me = self.controls["me"].value
        self.buttons["save"].disabled = self.data is None or me == NOT_CHOSEN
        self.panes["report"].value = _items(self.report_lines) if self.report_lines else ""
        text = html.escape(self.message).replace("\n", "<br>")
        self.panes["result"].value = f"<p>{text}</p>" if text else ""

    # --- the steps ----------------------------------------------------------------------------

    def draft(self) -> Settings:
        """The settings as the controls stand now."""
        c = self.controls
        path = c["path"].value.strip()
        # labels are stored only where the rep changed what the export's own outcome says
        won, lost = (list(c[name].value) if set(c[name].value) != self.found[name] else None
                     for name in ("won", "lost"))
        return Settings(
            source=str(Path(path).expanduser().resolve()) if path else None,
            preset=c["crm"].value or None, mapping=self.settings.mapping,
            stages=self.settings.stages, closed_won=won or None, closed_lost=lost or None,
            today=self.settings.today, me=c["me"].value or None,
            monthly_quota=c["monthly_quota"].value or None,
            activity_log=self.settings.activity_log)

    def _uploaded(self) -> str:
        files = self.controls["upload"].value
        if not files:
            return ""
        folder = importing.store_uploads(files)
        self.controls["path"].value = str(folder)
        return self.look(f"{len(files)} file(s) uploaded to {folder}. ")

    def look(self, prefix: str = "") -> str:
        """Read the export: recognise the CRM (unless chosen), list its stages and owners."""
        draft = self.draft()
        draft.closed_won = draft.closed_lost = None  # the export's own outcome first
        if draft.preset is None:
            preset, data, _ = importing.detect(draft)
        else:
            preset, data = draft.preset, importing.trial_load(draft)
        with self._quiet():
            self.controls["crm"].value = preset or NOT_CHOSEN
            labels = importing.stage_labels(data.opportunities)
            options = [(f"{row.stage} ({row.deals:,} deals)", row.stage)
                       for row in labels.itertuples()]
            for name in ("won", "lost"):
                found = importing.labels_with_status(data.opportunities, name)
                self.found[name] = set(found)
                self.controls[name].options = options
                chosen = getattr(self.settings, f"closed_{name}") or found
                self.controls[name].value = tuple(v for v in chosen if v in labels["stage"].values)
            people = importing.owners(data)
            self.controls["me"].options = [("(choose your name)", NOT_CHOSEN)] + [
                (importing.owner_words(r.rep, r.deals, r.activities), r.rep)
                for r in people.itertuples()]
            known = self.settings.me in set(people["rep"])
            self.controls["me"].value = self.settings.me if known else NOT_CHOSEN
        self._loaded(data, preset)
        return prefix + "Now check the stages, choose your name and enter your quota."

    def _reload(self) -> str:
        if self.data is not None:
            self._loaded(importing.trial_load(self.draft()), self.controls["crm"].value)
        return ""

    def _loaded(self, data, preset) -> None:
        self.data = data
        self.report_lines = importing.plain_words(data.quality)
        label = importing.crm_label(preset) if preset else "no CRM preset"
        counts = ", ".join(f"{len(frame):,} {importing.TABLE_WORDS[table]}"
                           for table, frame in data.tables().items() if len(frame))
        self.panes["found"].value = (f"<p>Read as <b>{html.escape(label)}</b>: "
                                     f"{html.escape(counts or 'nothing usable')}.</p>")
        shown = [c for c in PREVIEW_COLUMNS if c in data.opportunities]
        preview = data.opportunities[shown].head(5)
        self.panes["preview"].value = (
            "<p>The first deals, as the course will read them:</p>"
            + display.table(preview).to_html() if len(preview) else "")

    def save(self) -> str:
        """Save the settings; say whose numbers the course now shows and what is missing."""
        draft = self.draft()
        if draft.me is None:
            raise ValueError("Choose your name first (step 4).")
        path = draft.save(self.settings_path)
        self.settings = Settings.read(path)
        data = course_data(self.settings)
        lacking = missing(data, "outreach", "first_meetings", "stage_history", "quota",
                          rep=draft.me)
        lines = [f"Saved to {path}. Every notebook and the dashboard now show {draft.me}'s "
                 "numbers: run a notebook from the top (or reload the dashboard) to see them."]
        return "\n".join(lines + lacking)

    @contextmanager
    def _quiet(self):
        """Set controls without each change starting a step of its own."""
        busy, self._busy = self._busy, True
        try:
            yield
        finally:
            self._busy = busy


def import_assistant(settings_path: str | Path | None = None) -> ImportAssistant:
    """A no-code import assistant: from a CRM export to the settings the course runs on.

    Parameters
    ----------
    settings_path : str or Path, optional
        Where to save the settings; default the file ``$KPITOOLS_SETTINGS`` names, else the
        user's kpitools folder. Saved settings there are shown as the starting point.

    Returns
    -------
    ImportAssistant
        A VBox; ``.controls`` (``path, upload, crm, won, lost, me, monthly_quota``) and
        ``.buttons`` (``look, save``) can be driven from Python (set ``.value``, call
        ``.click()``); ``.data`` is the export as loaded, ``.report_lines`` the quality report
        in plain words, ``.message`` what the last step said.

    Examples
    --------
    >>> import tempfile, pathlib, kpitools as kt
    >>> a = import_assistant(pathlib.Path(tempfile.mkdtemp()) / "settings.json")
    >>> a.controls["path"].value = str(kt.sample.SAMPLE_DIR.parent / "tests/fixtures/pipedrive")
    >>> a.buttons["look"].click()
    >>> a.controls["crm"].value
    'pipedrive'
    """
    return ImportAssistant(settings_path)
