"""A rep's own course settings: which export to load, how to read it, who "me" is, the quota.

The settings are a small JSON file (by default in the user's data folder, never in the
repository) that the import assistant writes and :func:`kpitools.course_data` reads, so every
notebook runs on the same numbers without code. Without a settings file the course runs on the
sample team.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import platformdirs

# KPITOOLS_SETTINGS names a settings file, or "sample" for the practice team whatever is saved.
ENV_VAR = "KPITOOLS_SETTINGS"
# KPITOOLS_HOME names the user folder itself (tests and workshops keep a private one).
HOME_VAR = "KPITOOLS_HOME"
SAMPLE = "sample"
VERSION = 1
LOG_NAME = "activity_log.sqlite"  # the activity log's file in the user's folder


def user_folder() -> Path:
    """The user's kpitools data folder (settings, activity log, uploaded exports), outside any
    repository: ``$KPITOOLS_HOME`` if set, else the system's user data folder.

    Examples
    --------
    >>> import os
    >>> folder = user_folder()
    >>> folder.name == "kpitools" or folder == Path(os.environ["KPITOOLS_HOME"])
    True
    """
    named = os.environ.get(HOME_VAR)
    return Path(named) if named else Path(platformdirs.user_data_dir("kpitools", appauthor=False))


def default_path() -> Path:
    """Where the settings are saved unless told otherwise."""
    return user_folder() / "settings.json"


@dataclass
class Settings:
    """How to load a rep's own export and whose numbers to show.

    Parameters
    ----------
    source : str, optional
        The export: a folder, a file, or several files (relative paths are relative to the
        settings file).
    preset, mapping, stages, closed_won, closed_lost, today
        Passed on to :func:`kpitools.load_crm`.
    me : str, optional
        The rep whose numbers the course shows (as the CRM writes the name).
    monthly_quota : float, optional
        The rep's monthly quota, used when the export carries no quotas.
    activity_log : str, optional
        The rep's activity log file (see :mod:`kpitools.mylog`); default
        ``activity_log.sqlite`` in the user's kpitools folder.
    currency : str, optional
        The currency the course shows when the export has deals in several (default: the
        one most of ``me``'s deals are in).

    Examples
    --------
    >>> s = Settings(source="export/", preset="hubspot", me="Ana Lima", monthly_quota=40000)
    >>> Settings.from_dict(s.to_dict()) == s
    True
    """

    source: str | list[str] | None = None
    preset: str | None = None
    mapping: dict | None = None
    stages: list[str] | None = None
    closed_won: list[str] | None = None
    closed_lost: list[str] | None = None
    today: str | None = None
    me: str | None = None
    monthly_quota: float | None = None
    activity_log: str | None = None
    currency: str | None = None
    folder: Path | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        """The JSON-ready fields (``folder`` is where the file lives, not a setting)."""
        out = {"version": VERSION, **asdict(self)}
        out.pop("folder")
        return out

    @classmethod
    def from_dict(cls, values: dict, folder: Path | None = None) -> "Settings":
        """Settings from a mapping; an unknown key is an error that names the valid ones."""
        values = {k: v for k, v in values.items() if k != "version"}
        known = {f.name for f in fields(cls)} - {"folder"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"settings: unknown key(s) {unknown}. Valid keys: {sorted(known)}.")
        return cls(**values, folder=folder)

    @classmethod
    def read(cls, path: str | Path) -> "Settings":
        """Read a settings file written by :meth:`save` (or by hand)."""
        path = Path(path)
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"settings: {path} is not valid JSON ({error}). Fix the file or "
                             "save the settings again from the import assistant.") from error
        return cls.from_dict(values, folder=path.parent)

    def save(self, path: str | Path | None = None) -> Path:
        """Write the settings as JSON (default: :func:`default_path`); returns the path."""
        path = Path(path) if path is not None else default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        return path

    def sources(self) -> list[Path]:
        """The export paths, relative ones resolved against the settings file's folder."""
        items = [self.source] if isinstance(self.source, (str, Path)) else list(self.source or ())
        return [self._resolve(item) for item in items]

    def log_path(self) -> Path:
        """The activity log file: ``activity_log`` (relative to the settings file's folder),
        else ``activity_log.sqlite`` in the user's kpitools folder."""
        return self._resolve(self.activity_log) if self.activity_log else user_folder() / LOG_NAME

    def _resolve(self, path) -> Path:
        path = Path(path)
        return path if path.is_absolute() else (self.folder or Path.cwd()) / path


def find(settings=None) -> Settings | None:
    """The settings to use: ``settings`` (a Settings, a dict or a path), else the file named by
    ``$KPITOOLS_SETTINGS``, else the saved default; None means the sample team."""
    if isinstance(settings, Settings):
        return settings
    if isinstance(settings, dict):
        return Settings.from_dict(settings)
    chosen = settings if settings is not None else os.environ.get(ENV_VAR)
    if chosen == SAMPLE:
        return None
    if chosen is not None:
        return Settings.read(chosen)
    return Settings.read(default_path()) if default_path().is_file() else None


def save_settings(path: str | Path | None = None, **changes) -> Path:
    """Change some settings and save them, keeping the others (one call, e.g. the quota).

    Parameters
    ----------
    path : str or Path, optional
        The settings file; default the one ``$KPITOOLS_SETTINGS`` names, else the saved default.
    **changes
        Fields of :class:`Settings`, e.g. ``monthly_quota=40_000`` or ``me="Ana Lima"``.

    Returns
    -------
    Path
        Where the settings were saved.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "settings.json"
    >>> _ = save_settings(path, me="Ana Lima")
    >>> _ = save_settings(path, monthly_quota=40_000)
    >>> Settings.read(path).me, Settings.read(path).monthly_quota
    ('Ana Lima', 40000)
    """
    if path is None:
        named = os.environ.get(ENV_VAR)
        path = named if named not in (None, SAMPLE) else default_path()
    path = Path(path)
    current = Settings.read(path).to_dict() if path.is_file() else {}
    return Settings.from_dict({**current, **changes}).save(path)
