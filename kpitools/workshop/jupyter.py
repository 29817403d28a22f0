"""The Jupyter setup the course runs with: settings shipped in ``workshop/jupyter/`` and the
environment that points JupyterLab and Voila at them.

``config/`` holds server settings (no news or update checks, encrypted kernel connections, the
offline Voila template) and ``labconfig/page_config.json`` (the announcements plugin and the
extension manager switched off); ``data/`` holds the ``kpitools`` Voila template, which is Voila's
lab template without the stylesheets it fetches from a CDN. A user's own Jupyter settings still
win: these folders come after the user's in Jupyter's search paths.
"""
from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent / "jupyter"
CONFIG, DATA = HERE / "config", HERE / "data"


def _prepend(folder: Path, existing: str | None) -> str:
    return os.pathsep.join([str(folder), *([existing] if existing else [])])


def jupyter_env(environ: dict | None = None) -> dict:
    """A copy of ``environ`` (default ``os.environ``) with the course's Jupyter folders added.

    Examples
    --------
    >>> env = jupyter_env({})
    >>> env["JUPYTER_CONFIG_PATH"] == str(CONFIG) and env["JUPYTER_PATH"] == str(DATA)
    True
    """
    env = dict(os.environ if environ is None else environ)
    env["JUPYTER_CONFIG_PATH"] = _prepend(CONFIG, env.get("JUPYTER_CONFIG_PATH"))
    env["JUPYTER_PATH"] = _prepend(DATA, env.get("JUPYTER_PATH"))
    env.pop("MPLBACKEND", None)  # kernels draw inline, whatever the shell exported
    return env
