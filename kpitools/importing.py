"""The import assistant's steps, without widgets: where the export is, what the loader makes
of it, the rep's choices, the quality report in plain words, and the settings they become.

:mod:`kpitools.assistant` is the widget on top; everything it decides is decided here, so a
test (or a script) can run the same steps without a browser.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kpitools.schema import SchemaError
from kpitools.settings import Settings, user_folder

# What each table is called for a rep.
TABLE_WORDS = {"leads": "leads", "activities": "activities (calls, emails, meetings)",
               "opportunities": "deals", "stage_history": "stage changes",
               "quotas": "quota rows"}
COLUMN_WORDS = {"rep": "owner", "created_at": "created date", "closed_at": "close date",
                "expected_close": "expected close date", "opportunity_id": "deal ID",
                "activity_id": "activity ID", "lead_id": "lead ID", "at": "date", "kind": "type",
                "entered_at": "date entered", "period": "month"}
UPLOADS = "exports"  # uploaded files go to a new folder under user_folder() / UPLOADS
CRMS = ("salesforce", "hubspot", "pipedrive", "dynamics365", "zoho")  # presets for rep exports
LOAD_OPTIONS = ("preset", "mapping", "stages", "closed_won", "closed_lost", "today")


def store_uploads(files, folder: str | Path | None = None) -> Path:
    """Write uploaded files (an ipywidgets ``FileUpload`` value) into a new folder.

    Parameters
    ----------
    files : sequence of dict
        Each with ``name`` and ``content`` (bytes or memoryview), as ``FileUpload.value``
        holds them.
    folder : str or Path, optional
        Where to write them; default a new dated folder under ``exports`` in the user's
        kpitools folder (never the course folder).

    Returns
    -------
    Path
        The folder: the export's ``source`` from now on.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = store_uploads([{"name": "deals.csv", "content": b"Deal Name\\nAcme\\n"}],
    ...                        pathlib.Path(tempfile.mkdtemp()) / "upload")
    >>> [p.name for p in folder.iterdir()]
    ['deals.csv']
    """
    if not files:
        raise ValueError("No files to store: choose the export's files first.")
    if folder is None:
        stamp = dt.datetime.now().strftime("%Y-%m-%d_%H%M%S")
        folder = user_folder() / UPLOADS / stamp
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for item in files:
        name = Path(str(item["name"])).name  # a file name only: never outside the folder
        if not name or name in (".", ".."):
            raise ValueError(f"An uploaded file has no usable name ({item['name']!r}).")
        (folder / name).write_bytes(bytes(item["content"]))
    return folder


def plain_words(report) -> list[str]:
    """The quality report as sentences a rep can act on: what was read and kept per table,
    why rows were left out (or kept with a warning) and what to fix, what the loader guessed,
    and its notes.

    Examples
    --------
    >>> import pandas as pd, kpitools as kt
    >>> deals = pd.DataFrame({"opportunity_id": ["1", "2", "3"], "rep": ["Ann", None, "Bo"],
    ...     "created_at": "2024-01-05", "amount": 900, "status": "open", "stage": "Qualify"})
    >>> for line in plain_words(kt.clean({"opportunities": deals}).quality):
    ...     print(line)
    Deals: 3 read, 2 kept, 1 left out.
    1 deal left out: missing value (owner; fill the field in the CRM, or map another column to it).
    """
    lines = []
    for row in report.overview().itertuples():
        if not row.read:
            continue
        words = TABLE_WORDS.get(row.table, row.table)
        line = f"{words[0].upper()}{words[1:]}: {row.read:,} read, {row.kept:,} kept"
        line += f", {row.excluded:,} left out." if row.excluded else "."
        lines.append(line)
    if not lines:
        lines.append("Nothing was read: no file held rows the course can use.")
    summary = report.summary()
    for row in summary.itertuples():
        outcome = getattr(row, "outcome", "excluded")
        words = TABLE_WORDS.get(row.table, row.table)
        if row.rows == 1:
            words = {"deals": "deal", "leads": "lead", "stage changes": "stage change",
                     "quota rows": "quota row"}.get(words, words)
        done = "left out" if outcome == "excluded" else "kept with a warning"
        column = COLUMN_WORDS.get(row.column, row.column)
        fix = f"; {row.fix}" if row.fix else ""
        lines.append(f"{row.rows:,} {words} {done}: {row.reason} ({column}{fix}).")
    lines += [f"Guessed: {guess}" for guess in getattr(report, "guessed", ())]
    lines += list(report.notes)
    return lines


def crm_label(preset: str | None) -> str | None:
    """The CRM's name for a preset ("hubspot" → "HubSpot"); None for an unknown preset."""
    import kpitools  # the presets belong to the loader, above this module

    return kpitools.PRESETS.get(preset, {}).get("label") if preset else None


def labels_with_status(opportunities: pd.DataFrame, status: str) -> list[str]:
    """The stage labels of the deals the loader counts as ``status`` ("won", "lost").

    Examples
    --------
    >>> labels_with_status(pd.DataFrame({"stage": ["Won", "Lost", "Won", "Open"],
    ...     "status": ["won", "lost", "won", "open"]}), "won")
    ['Won']
    """
    if not len(opportunities):
        return []
    chosen = opportunities.loc[(opportunities["status"] == status).to_numpy(), "stage"]
    return sorted(chosen.dropna().astype(str).unique())


def stage_labels(opportunities: pd.DataFrame) -> pd.DataFrame:
    """The deals' stage labels with how many deals carry each, most frequent first.

    Examples
    --------
    >>> stage_labels(pd.DataFrame({"stage": ["Won", "Open", "Won"]}))
      stage  deals
    0   Won      2
    1  Open      1
    """
    if "stage" not in opportunities or not len(opportunities):
        return pd.DataFrame({"stage": pd.Series(dtype=object), "deals": pd.Series(dtype=int)})
    counts = opportunities["stage"].dropna().astype(str).value_counts(sort=True)
    return pd.DataFrame({"stage": counts.index.astype(object), "deals": counts.to_numpy()})


def trial_load(settings: Settings):
    """Load the export the settings name, as the course will (no log, no quota yet)."""
    from kpitools.load import load_crm  # the loader sits above this module

    paths = settings.sources()
    if not paths:
        raise ValueError("Choose the export first: a folder, a file, or files to upload.")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"Not found: {', '.join(missing)}. Check the path (a folder or "
                                "a file of the export).")
    options = {k: getattr(settings, k) for k in LOAD_OPTIONS if getattr(settings, k)}
    return load_crm(paths[0] if len(paths) == 1 else paths, progress=False, **options)


def detect(settings: Settings) -> tuple[str | None, object, list[str]]:
    """Which CRM wrote the export: the one :func:`kpitools.io.inspect` proposes from the
    headers, loaded once; only if that preset keeps no rows is every other preset tried, and
    the one that keeps the most deals and activities wins (no preset if none keeps any).

    Returns
    -------
    (preset, data, tried)
        The preset, the data it loads, and one line per preset tried (rows kept, or why not).
    """
    from kpitools.io import inspect  # the loader sits above this module

    paths = settings.sources()
    try:
        proposed = inspect(paths[0] if len(paths) == 1 else paths).preset
    except (SchemaError, ValueError, OSError):
        proposed = None  # the loads below say what is wrong
    order = [proposed] if proposed else []
    order += [preset for preset in (*CRMS, None) if preset not in order]
    best, tried = (None, None, -1), []
    for preset in order:
        try:
            data = trial_load(_with(settings, preset=preset))
        except (SchemaError, ValueError) as error:
            tried.append(f"{preset or 'no preset'}: {error}")
            continue
        kept = len(data.opportunities) + len(data.activities) + len(data.leads)
        tried.append(f"{preset or 'no preset'}: {kept:,} rows kept")
        if kept > max(best[2], 0):
            best = (preset, data, kept)
        if preset == proposed and kept:
            break  # the headers said so and the load agrees: no other load needed
    if best[1] is None:
        raise ValueError("No CRM preset could read this export:\n" + "\n".join(tried))
    return best[0], best[1], tried


def _with(settings: Settings, **changes) -> Settings:
    values = {**settings.to_dict(), **changes}
    return Settings.from_dict(values, folder=settings.folder)


def owner_words(rep: str, deals: int, activities: int) -> str:
    """An owner as the assistant lists them: "Ana Ruiz (11 deals, 40 activities)".

    Examples
    --------
    >>> owner_words("Ana Ruiz", 11, 0), owner_words("Bo", 1, 2)
    ('Ana Ruiz (11 deals)', 'Bo (1 deal, 2 activities)')
    """
    parts = [f"{n:,} {one if n == 1 else many}" for n, one, many in
             ((deals, "deal", "deals"), (activities, "activity", "activities")) if n]
    return f"{rep} ({', '.join(parts)})" if parts else rep


def owners(data) -> pd.DataFrame:
    """Everyone who owns a deal or an activity: ``rep, deals, activities``, busiest first."""
    counts = {table: getattr(data, table)["rep"].dropna().astype(str).value_counts()
              for table in ("opportunities", "activities")}
    out = pd.DataFrame({"deals": counts["opportunities"], "activities": counts["activities"]})
    out = out.fillna(0).astype(int).rename_axis("rep").reset_index()
    return out.sort_values(["deals", "activities", "rep"], ascending=[False, False, True],
                           ignore_index=True)
