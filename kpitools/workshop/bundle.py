"""The offline bundle: every wheel the course installs, downloaded into one folder outside the
project, so laptops without internet install with ``pip install --no-index --find-links``.

``pip download -r requirements.txt`` would also pack the project itself (its ``-e .`` line, with
any virtual environment or bundle inside it) into a zip; here kpitools' own line is replaced by
what installing it needs: its dependencies and its build backend.
"""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def requirements(root: Path = ROOT) -> list[str]:
    """What the bundle holds: kpitools' build backend and dependencies, and requirements.txt's
    other lines.

    Examples
    --------
    >>> reqs = requirements()
    >>> any(r.startswith("setuptools") for r in reqs), any(r.startswith("pandas") for r in reqs)
    (True, True)
    >>> any(r.startswith("-e") for r in reqs)
    False
    """
    with open(root / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)
    wanted = [*project["build-system"]["requires"], *project["project"]["dependencies"]]
    for line in (root / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and line not in ("-e .", "."):
            if line.startswith("-"):
                raise ValueError(f"requirements.txt: {line!r} is not handled by the bundle; "
                                 "list packages by name there")
            wanted.append(line)
    return list(dict.fromkeys(wanted))


def pip_command(dest: Path, root: Path = ROOT) -> list[str]:
    """``pip download`` of :func:`requirements` into ``dest``."""
    return [sys.executable, "-m", "pip", "download", "--dest", str(dest), *requirements(root)]


def make_bundle(dest: Path, root: Path = ROOT) -> int:
    """Download the wheels into ``dest`` (outside the project); returns pip's exit code."""
    dest = Path(dest).expanduser().resolve()
    if dest == root or root in dest.parents:
        raise ValueError(f"{dest} is inside the project folder {root}; put the bundle next to "
                         f"it instead, e.g. {root.parent / 'kpitools-wheels'}")
    code = subprocess.call(pip_command(dest, root))
    if code == 0:
        size = sum(p.stat().st_size for p in dest.iterdir()) / 1e6
        print(f"\n{dest}: {len(list(dest.iterdir()))} files, {size:,.0f} MB. On a laptop "
              "without internet, in the project folder:\n"
              f"  pip install --no-index --find-links {dest} -r requirements.txt")
    return code
