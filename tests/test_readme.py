"""The README is the product's front door: its commands, links and catalogue must stay true."""
import re
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
    assert all("pip install -r requirements.txt" in c for c in commands)
    assert commands[0].endswith("jupyter lab notebooks/00_start_here.ipynb")
    assert commands[1].endswith("pytest")


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
