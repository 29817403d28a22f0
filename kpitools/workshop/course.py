"""A learner's own copy of the course: the notebooks copied to a working folder outside the
project, opened there in JupyterLab, so the project's notebooks are never written to (JupyterLab
autosaves outputs into whatever notebook is open) and a ``git pull`` never conflicts.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from kpitools.workshop.jupyter import jupyter_env

ROOT = Path(__file__).resolve().parents[2]  # the project folder (kpitools is installed editable)
DEFAULT_FOLDER = Path.home() / "kpitools-course"
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
COPIED = ("notebooks", "sample_data")  # sample_data/ too: notebooks open ../sample_data/...


def _outside_project(folder: Path) -> Path:
    folder = Path(folder).expanduser().resolve()
    if folder == ROOT or ROOT in folder.parents:
        raise ValueError(f"{folder} is inside the project folder {ROOT}: the course's copies go "
                         f"elsewhere, e.g. {DEFAULT_FOLDER}")
    return folder


def copy_course(folder: Path = DEFAULT_FOLDER) -> list[Path]:
    """Copy the notebooks (and the sample data they open) into ``folder``, keeping what is there.

    A notebook already in ``folder`` is the learner's work and is never overwritten; one that
    is missing (new in the project, or deleted to start it over) is copied again.

    Parameters
    ----------
    folder : path
        The working folder, outside the project; created if needed.

    Returns
    -------
    list of Path
        The files copied this time (empty when everything was there).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "course"
    >>> any(p.name == "00_start_here.ipynb" for p in copy_course(folder))
    True
    >>> copy_course(folder)
    []
    """
    folder = _outside_project(folder)
    missing = ROOT / "notebooks"
    if not missing.is_dir():
        raise FileNotFoundError(f"no notebooks in {missing}: kpitools-course runs from the "
                                "project folder's install (pip install -r requirements.txt)")
    copied = []
    for part in COPIED:
        for source in sorted((ROOT / part).rglob("*")):
            relative = source.relative_to(ROOT)
            target = folder / relative
            if source.is_dir() or ".ipynb_checkpoints" in relative.parts or target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied.append(target)
    return copied


def lab_command(folder: Path, notebook: str = FIRST_NOTEBOOK, *, port: int | None = None
                ) -> list[str]:
    """The command that opens ``notebook`` in JupyterLab, serving ``folder``."""
    return [sys.executable, "-m", "jupyterlab", notebook, f"--ServerApp.root_dir={folder}",
            *([f"--port={port}"] if port else [])]


def open_course(folder: Path = DEFAULT_FOLDER, *, port: int | None = None) -> int:
    """Copy what is missing into ``folder``, then run JupyterLab there until it is stopped."""
    folder = _outside_project(folder)
    copied = copy_course(folder)
    print(f"Your copy of the course: {folder} ({len(copied)} file(s) copied now; your own "
          "changes are kept). Stop JupyterLab with Ctrl+C.", flush=True)
    try:
        return subprocess.call(lab_command(folder, port=port), cwd=folder,
                               env=jupyter_env())
    except KeyboardInterrupt:
        return 0
