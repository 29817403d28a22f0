"""The README is the product's front door: its commands, links and catalogue must stay true."""
import re
import tomllib
from pathlib import Path

import kpitools as kt

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start_commands():
    block = README.split("## Quick start", 1)[1].split("```")[1]
    return [line for line in block.splitlines()[1:] if line.strip()]


def test_quick_start_has_exactly_two_commands_that_install():
    commands = quick_start_commands()
    assert len(commands) == 2
    learner, tests = commands
    assert "pip install -r requirements.txt" in learner
    assert learner.endswith("kpitools-course")  # copies the notebooks, then opens JupyterLab
    assert "pip install -r requirements-dev.txt" in tests and tests.endswith("pytest")


def _requirements(name):
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def _names(requirements):
    return {re.split(r"[<>=!~\[ ]", r)[0].lower() for r in requirements if not r.startswith("-")}


def test_learners_install_no_test_tools_and_developers_get_both():
    learner, dev = _requirements("requirements.txt"), _requirements("requirements-dev.txt")
    assert "-e ." in learner, "kpitools itself, editable, so every notebook can import it"
    assert not _names(learner) & {"pytest", "nbval", "hypothesis", "statsmodels", "playwright"}
    assert "-r requirements.txt" in dev
    assert {"pytest", "nbval", "playwright"} <= _names(dev)


def test_the_python_version_stated_is_the_one_pyproject_checks():
    with open(ROOT / "pyproject.toml", "rb") as f:
        oldest = tomllib.load(f)["project"]["requires-python"].removeprefix(">=")
    assert f"Python {oldest} or newer" in README
    workshop = (ROOT / "docs" / "workshop.md").read_text(encoding="utf-8")
    assert f"Python {oldest} or newer" in workshop
    assert not re.search(r"Python 3\.\d+ or newer", README.replace(f"Python {oldest} or newer", ""))


def test_every_linked_file_exists():
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target


def test_catalogue_section_lists_every_kpi():
    for key in kt.catalogue()["key"]:
        assert f"(`{key}`)" in README, key


def test_every_notebook_is_in_the_map():
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"(notebooks/{notebook.name})" in README, notebook.name
