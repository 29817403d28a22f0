"""The addresses docs/workshop.md and the README give attendees answer when JupyterLab was
started the documented way (``kpitools-course``, which serves the learner's copy of the course)."""
from __future__ import annotations

import re
import urllib.request

import pytest

from kpitools.workshop import course

pytestmark = pytest.mark.browser
DOCS = [course.ROOT / "docs" / "workshop.md", course.ROOT / "README.md"]
LAB_URL = re.compile(r"http://localhost:8888(/[^\s>)`]*)")


def test_documented_jupyterlab_addresses_answer(workspace, browser, tmp_path):
    from tests.browser.conftest import _NO_PROXY, Server, _root_args, free_port
    paths = sorted({m for doc in DOCS for m in LAB_URL.findall(doc.read_text(encoding="utf-8"))})
    assert any("/voila/render/" in p for p in paths), "the docs give the dashboard's address"
    folder = tmp_path / "course"
    course.copy_course(folder)
    port = free_port()
    command = course.lab_command(folder, port=port) + [
        "--no-browser", "--ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
        "--ServerApp.port_retries=0", *_root_args()]
    server = Server("JupyterLab (kpitools-course)", command, folder, workspace["env"], port,
                    workspace["dirs"]["logs"] / "course-lab.log")
    try:
        server.wait_ready("/api/status")
        for path in paths:
            with _NO_PROXY.open(server.url + path, timeout=120) as response:
                body = response.read().decode("utf-8", "replace")
                assert response.status == 200, path
            if "/voila/render/" in path:
                assert "Traceback" not in body and "jupyter-widgets" in body, body[-2000:]
    finally:
        server.stop()
