"""kpitools-course: the learner's copies, the offline bundle's contents, the room's command."""
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from kpitools.workshop import bundle, cli, course, room
from kpitools.workshop.jupyter import CONFIG, DATA, jupyter_env

ROOT = Path(__file__).resolve().parents[1]


def test_the_course_is_copied_once_and_the_learners_work_is_kept(tmp_path):
    folder = tmp_path / "course"
    copied = course.copy_course(folder)
    names = {p.relative_to(folder).as_posix() for p in copied}
    assert {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")} <= names
    assert any(n.startswith("sample_data/") for n in names)  # notebooks open ../sample_data

    mine = folder / "notebooks" / "00_start_here.ipynb"
    mine.write_text("my own work")
    (folder / "notebooks" / "04_win_rate.ipynb").unlink()  # to start it over
    again = course.copy_course(folder)
    assert [p.name for p in again] == ["04_win_rate.ipynb"]
    assert mine.read_text() == "my own work"


def test_the_copies_never_go_into_the_project(tmp_path):
    for inside in (ROOT, ROOT / "notebooks", ROOT / "course"):
        with pytest.raises(ValueError, match="inside the project"):
            course.copy_course(inside)
    assert cli.main(["lab", "--folder", str(ROOT / "x")]) == 2
    assert not (ROOT / "x").exists()


def test_jupyterlab_opens_the_first_notebook_in_the_copy(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(course.subprocess, "call",
                        lambda command, cwd, env: calls.append((command, cwd, env)) or 0)
    assert cli.main(["--folder", str(tmp_path / "c")]) == 0  # "lab" is the default command
    command, cwd, env = calls[0]
    assert cwd == (tmp_path / "c").resolve()
    assert "notebooks/00_start_here.ipynb" in command
    assert f"--ServerApp.root_dir={cwd}" in command
    assert (cwd / "notebooks" / "00_start_here.ipynb").exists()
    assert env["JUPYTER_CONFIG_PATH"].startswith(str(CONFIG))


def test_jupyter_env_keeps_the_users_paths_after_the_courses():
    env = jupyter_env({"JUPYTER_PATH": "/mine", "MPLBACKEND": "Agg"})
    assert env["JUPYTER_PATH"].split(":" if sys.platform != "win32" else ";") == [str(DATA), "/mine"]
    assert "MPLBACKEND" not in env


def test_the_bundle_holds_what_installing_needs_but_not_the_project():
    wanted = bundle.requirements()
    names = [r.split(">")[0].split("=")[0].split("<")[0] for r in wanted]
    for name in ("setuptools", "pandas", "matplotlib", "jupyterlab", "voila"):
        assert name in names, name
    assert not [r for r in wanted if r.startswith("-") or r == "."]
    assert not {"pytest", "playwright"} & set(names)  # the learner's install, not the tests'


def test_the_bundle_goes_outside_the_project(tmp_path):
    with pytest.raises(ValueError, match="inside the project"):
        bundle.make_bundle(ROOT / "wheels")
    assert cli.main(["bundle", str(ROOT / "wheels")]) == 2
    assert not (ROOT / "wheels").exists()


def test_kpitools_installs_from_a_bundle_with_no_index(tmp_path):
    """The offline step that needs more than wheels: building kpitools (editable) from the
    project with the bundle's build backend alone. Dependencies are left out (--no-deps) to
    keep this cheap; pip resolves them from the same folder in the full install."""
    wheels = tmp_path / "wheels"
    backend = [r for r in bundle.requirements() if r.startswith("setuptools")]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--dest", str(wheels),
                    *backend], check=True, timeout=300)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    run = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index",
                          "--find-links", str(wheels), "--no-deps", "-e", str(ROOT)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    shown = subprocess.run([str(python), "-m", "pip", "show", "kpitools"],
                           capture_output=True, text=True)
    assert "Editable project location" in shown.stdout


def test_room_command_serves_the_four_pages_with_culling_and_warm_kernels():
    command = room.voila_command(port=9000, ip="127.0.0.1", warm=2, cull_after=120)
    assert str(room.PAGES) in command and "--Voila.port=9000" in command
    assert "--VoilaConfiguration.default_pool_size=2" in command
    assert "--MappingKernelManager.cull_idle_timeout=120" in command
    assert "--MappingKernelManager.cull_connected=False" in command  # open pages stay
    assert len(list(room.PAGES.glob("*.ipynb"))) == 4
    assert room.budget_mb(12, warm=1) == 16 * room.MB_PER_PAGE + room.MB_SERVER
