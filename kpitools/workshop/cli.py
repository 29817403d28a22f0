"""kpitools-course: open your copy of the course, serve the no-code pages to a room, or
download the offline bundle.

    kpitools-course                       # copy the notebooks to ~/kpitools-course, open JupyterLab
    kpitools-course lab --folder DIR      # ... to another folder
    kpitools-course room                  # serve the no-code pages to the room (trainer)
    kpitools-course bundle ../kpitools-wheels   # every wheel, for an offline install
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMANDS = ("lab", "room", "bundle")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpitools-course", description="Open your copy of the course, serve the no-code "
                                            "pages to a room, or download the offline bundle.")
    commands = parser.add_subparsers(dest="command")
    from kpitools.workshop.course import DEFAULT_FOLDER
    lab = commands.add_parser("lab", help="copy the notebooks (if absent) and open JupyterLab "
                                          "(the default)")
    lab.add_argument("--folder", type=Path, default=DEFAULT_FOLDER,
                     help=f"your working folder (default: {DEFAULT_FOLDER})")
    lab.add_argument("--port", type=int, help="JupyterLab's port (default: 8888 or the next free)")
    bundle = commands.add_parser("bundle", help="download every wheel the course installs into "
                                                "a folder outside the project")
    bundle.add_argument("dest", type=Path, help="the folder for the wheels, e.g. ../kpitools-wheels")
    from kpitools.workshop.room import add_arguments
    add_arguments(commands.add_parser("room", help="serve the no-code pages to the room over the "
                                                   "local network (trainer)"))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        argv.insert(0, "lab")
    args = _parser().parse_args(argv)
    try:
        if args.command == "bundle":
            from kpitools.workshop.bundle import make_bundle
            return make_bundle(args.dest)
        if args.command == "room":
            from kpitools.workshop.room import serve
            return serve(args)
        from kpitools.workshop.course import open_course
        return open_course(args.folder, port=args.port)
    except (ValueError, FileNotFoundError) as exc:
        print(f"kpitools-course: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
