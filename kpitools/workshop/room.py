"""Room mode: the trainer's laptop serves the no-code course pages (dashboard, planner, quiz,
self-checks) to every attendee's browser over the local network, with Voila.

Every open page runs its own Python kernel on the trainer's laptop (about 250 MB). A page's
kernel stops when the page is closed (Voila's page asks for it), and any kernel whose page went
away without saying so is culled after ``--cull-after`` seconds; a kernel whose page is still
open is never culled. ``--warm`` kernels per page are started ahead, with the page already
computed, so the first attendees get their page at once. Budget: about 0.25 GB per open page
plus 0.25 GB per warm kernel and 0.1 GB for the server: 12 attendees with one page open each
and one warm kernel per page need about 4.1 GB.
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from pathlib import Path

from kpitools.workshop.jupyter import jupyter_env

PAGES = Path(__file__).resolve().parent / "room"
MB_PER_PAGE, MB_SERVER = 250, 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8866, help="port (default: 8866)")
    parser.add_argument("--ip", default="0.0.0.0",
                        help="address to listen on (default: every network of this laptop; "
                             "127.0.0.1 for this laptop only)")
    parser.add_argument("--warm", type=int, default=1,
                        help="kernels per page started ahead (default: 1; 0 for none)")
    parser.add_argument("--cull-after", type=int, default=300,
                        help="seconds before the kernel of a page that went away is stopped")


def budget_mb(attendees: int, warm: int = 1, pages: int | None = None) -> int:
    """Memory the room needs, in MB: one open page per attendee, ``warm`` kernels per page.

    Examples
    --------
    >>> budget_mb(12, warm=1, pages=4)
    4100
    """
    pages = len(list(PAGES.glob("*.ipynb"))) if pages is None else pages
    return (attendees + warm * pages) * MB_PER_PAGE + MB_SERVER


def voila_command(*, port: int = 8866, ip: str = "0.0.0.0", warm: int = 1,
                  cull_after: int = 300) -> list[str]:
    """The Voila command line that serves the room pages."""
    return [sys.executable, "-m", "voila", str(PAGES), "--no-browser",
            f"--Voila.ip={ip}", f"--Voila.port={port}", "--Voila.port_retries=0",
            f"--VoilaConfiguration.preheat_kernel={warm > 0}",
            f"--VoilaConfiguration.default_pool_size={max(warm, 0)}",
            "--VoilaConfiguration.show_tracebacks=False",
            f"--MappingKernelManager.cull_idle_timeout={cull_after}",
            f"--MappingKernelManager.cull_interval={max(cull_after // 4, 5)}",
            "--MappingKernelManager.cull_connected=False",
            # A closing page asks Voila to stop its kernel in a POST that carries no XSRF token;
            # with the check on, Voila refuses (403) and the kernel lives on. The room has no
            # login for a forged request to ride on, so the check protects nothing here.
            "--Voila.tornado_settings", "disable_check_xsrf=True"]


def _address() -> str:
    """This laptop's address on the local network, as far as its name tells (no packet sent)."""
    try:
        found = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        found = []
    outside = [a for a in found if not a.startswith("127.")]
    return outside[0] if outside else "<this laptop's address>"


def serve(args: argparse.Namespace) -> int:
    """Run Voila on the room pages until Ctrl+C."""
    host = _address() if args.ip == "0.0.0.0" else args.ip
    print(f"Serving the course pages at http://{host}:{args.port}/ — write it on the board.\n"
          f"Memory: about {budget_mb(12, args.warm) / 1000:.1f} GB for 12 attendees with one page "
          f"open each ({MB_PER_PAGE} MB a page). No password: the training network only. "
          "Stop with Ctrl+C.", flush=True)
    command = voila_command(port=args.port, ip=args.ip, warm=args.warm,
                            cull_after=args.cull_after)
    try:
        return subprocess.call(command, cwd=PAGES, env=jupyter_env())
    except KeyboardInterrupt:
        return 0
