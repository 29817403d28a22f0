"""What messy values cost: the value parsers and the whole load on a clean 1M-row activities
CSV and on messy variants of it, time and peak memory side by side.

Run from the repository root with the project's venv::

    python benchmarks/messy.py                 # 1M rows, 3 runs each
    python benchmarks/messy.py --rows 200000 --repeat 1

Data (written once to ``benchmarks/data/messy/<variant>/activities.csv``, git-ignored, reused):
``clean`` has ISO timestamps, "true"/"false" flags, plain amounts ("1234.50" in an extra
``amount`` column) and tidy names. ``dates`` mixes four date formats (ISO, d/m/y, "5 Mar 2024",
ISO with Z) and a few impossible dates; ``amounts`` writes "$1,234.50", "(200.00)", "5k" and 1%
junk ("approx. 5000", "TBD"); ``ragged`` adds 20 lines with a field too many; ``stray`` 20
lines whose "Zoë" is Windows-1252 in the UTF-8 file; ``messy`` is all of these at once, with
flags in German and ✓, and names in decomposed Unicode or with no-break spaces.

Each measurement runs in a fresh interpreter: setup (imports, reading the column) untimed,
then the timed part ``--repeat`` times (median wall and CPU seconds: on a busy machine the CPU
time of all the process's threads is the steadier figure); memory is the peak resident set
above the resident set when the timed part began (``VmHWM`` after a reset through
/proc/self/clear_refs).
The whole load uses ``kpitools.io.load_crm`` when the package has one, else ``kt.load_crm``,
and says which. Figures are only final on a quiet machine: the table's header gives the load
average. This script prints a table; it is not a test and asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "messy"
VARIANTS = ("clean", "dates", "amounts", "ragged", "stray", "messy")
REPS = ["José Díaz", "Zoë Martin", "Ana Müller", "Sam Carter", "Priya Nair", "Chen Wei",
        "Olu Bakare", "Renée Dubois", "Lars Øberg", "Mia Rossi", "Tom Baker", "Eva Novák",
        "Ivan Petrov", "Sara Cohen", "Kofi Mensah", "Lea Braun", "Noah Smith", "Aiko Sato",
        "Raúl Gómez", "Emma Jones"]
# parser -> (column of the file, the call)
PARSERS = {
    "dates": ("at", lambda values, column: values.dates({"at": column})),
    "amounts": ("amount", lambda values, column: values.amounts(column)),
    "flags": ("is_first_meeting", lambda values, column: values.flags(column)),
    "text": ("rep", lambda values, column: values.text(column)),
    "ids": ("activity_id", lambda values, column: values.ids(column)),
}


# --- data ----------------------------------------------------------------------------------
def _columns(rows: int, messy: set, rng):
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    def pick(options, p=None):
        return np.asarray(options, dtype=object)[rng.choice(len(options), rows, p=p)]

    seconds = np.datetime64("2024-01-01") .astype("datetime64[s]") + rng.integers(
        0, 366 * 86400, rows).astype("timedelta64[s]")
    stamps = pa.array(seconds, pa.timestamp("s"))
    at = pc.strftime(stamps, "%Y-%m-%d %H:%M:%S").to_numpy(zero_copy_only=False).astype(object)
    if "dates" in messy:
        formats = ["%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%d %b %Y %H:%M", "%Y-%m-%dT%H:%M:%SZ"]
        which = rng.integers(0, len(formats), rows)
        for i, fmt in enumerate(formats[1:], 1):
            at[which == i] = pc.strftime(stamps.filter(pa.array(which == i)), fmt).to_numpy(
                zero_copy_only=False)
        junk = rng.random(rows) < 0.001
        at[junk] = pick(["soon", "2099-01-01", "31/02/2024", ""])[junk]
    cents = rng.integers(10_000, 20_000_000, rows)
    if "amounts" in messy:
        amount = np.array([f"${c / 100:,.2f}" for c in cents], dtype=object)
        junk = rng.random(rows) < 0.01
        amount[junk] = pick(["approx. 5000", "TBD", "5k", "(200.00)", "$ -", "", "#DIV/0!"])[junk]
    else:
        amount = np.array([f"{c // 100}.{c % 100:02d}" for c in cents], dtype=object)
    meeting = rng.random(rows) < 0.2
    words = (["Yes", "No", "WAHR", "FALSCH", "✓", ""] if "flags" in messy else ["true", "false"])
    first = pick(words)
    first[~meeting] = "No" if "flags" in messy else "false"
    if "flags" in messy:
        first[rng.random(rows) < 0.0005] = "maybe"
    rep = pick(REPS)
    if "text" in messy:
        variant = rng.random(rows)
        rep[variant < 0.1] = [unicodedata.normalize("NFD", r) for r in rep[variant < 0.1]]
        nbsp = (variant >= 0.1) & (variant < 0.15)
        rep[nbsp] = [r.replace(" ", "\u00a0") for r in rep[nbsp]]
        padded = (variant >= 0.15) & (variant < 0.17)
        rep[padded] = [r + "  " for r in rep[padded]]
    ids = pd.Series(np.arange(rows)).astype(str).str.zfill(7)
    return pd.DataFrame({
        "activity_id": "A" + ids, "rep": rep, "at": at,
        "kind": pick(["call", "email", "social", "event", "meeting"]),
        "lead_id": "L" + pd.Series(rng.integers(0, rows // 4, rows)).astype(str),
        "is_first_meeting": first, "next_step_scheduled": pick(words),
        "amount": amount})


def write_variant(variant: str, rows: int) -> Path:
    """The variant's file (written once, then reused)."""
    import numpy as np

    path = DATA / f"{variant}_{rows}" / "activities.csv"
    if path.exists():
        return path
    messy = {"clean": set(), "dates": {"dates"}, "amounts": {"amounts"}, "ragged": set(),
             "stray": set(), "messy": {"dates", "amounts", "flags", "text"}}[variant]
    rng = np.random.default_rng(0)
    frame = _columns(rows, messy, rng)
    text = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    lines = text.split(b"\n")
    spots = sorted(rng.choice(np.arange(2, len(lines) - 1), 40, replace=False))
    if variant in ("ragged", "messy"):
        for spot in spots[:20]:
            lines[spot] += b",surplus"
    if variant in ("stray", "messy"):
        for spot in spots[20:]:  # the rep (the second field) is "Zoë Martin" in Windows-1252
            activity, _, rest = lines[spot].split(b",", 2)
            lines[spot] = b",".join([activity, "Zoë Martin".encode("cp1252"), rest])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join(lines))
    return path


# --- measuring -----------------------------------------------------------------------------
def _status() -> dict:
    with open("/proc/self/status") as status:
        return {k: v.split()[0] for k, v in (line.split(":", 1) for line in status) if
                k in ("VmRSS", "VmHWM")}


def _child(job: dict) -> dict:
    """Set up, reset the peak, run ``repeat`` times; times and the peak above the start."""
    import gc

    import pandas as pd

    import kpitools.io
    from kpitools.io import values
    loader = getattr(kpitools.io, "load_crm", None)
    if loader is None:
        import kpitools
        loader = kpitools.load_crm
    if job["kind"] == "parser":
        name, call = PARSERS[job["parser"]]
        column = pd.read_csv(job["path"], dtype=str, keep_default_na=False, usecols=[name],
                             on_bad_lines="skip", encoding_errors="replace")[name]
        run = lambda: call(values, column)  # noqa: E731
    elif job["kind"] == "decode":
        data = Path(job["path"]).read_bytes()
        run = lambda: values.decode(data)  # noqa: E731
    else:
        run = lambda: loader(job["path"])  # noqa: E731
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass
    start = int(_status()["VmRSS"])
    times, cpu = [], []
    for _ in range(job["repeat"]):
        gc.collect()
        began, began_cpu = time.perf_counter(), time.process_time()
        result = run()
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
        del result
    return {"seconds": statistics.median(times), "cpu": statistics.median(cpu),
            "mb": (int(_status()["VmHWM"]) - start) / 1024,
            "loader": f"{loader.__module__}.load_crm"}


def spawn(job: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(job)],
                         capture_output=True, text=True, cwd=HERE.parent)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1][:120]}


def _cells(clean: dict, messy: dict) -> str:
    if "error" in messy or "error" in clean:
        return f"{messy.get('error') or clean.get('error')}"
    return "".join(f"{clean[key]:{width}.{digits}f} {messy[key]:{width}.{digits}f} "
                   f"{messy[key] / max(clean[key], floor):6.1f}x "
                   for key, width, digits, floor in (("seconds", 8, 3, 1e-9), ("cpu", 8, 3, 1e-9),
                                                     ("mb", 9, 0, 1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(_child(json.loads(args.child))))
        return
    paths = {v: str(write_variant(v, args.rows)) for v in VARIANTS}
    load = os.getloadavg()[0]
    print(f"{args.rows:,} rows, median of {args.repeat}; load average {load:.2f}"
          + ("" if load < 1 else " (not a quiet machine: figures are not final)"))
    header = (f"{'':28} {'clean s':>8} {'messy s':>8} {'ratio':>7} {'cpu s':>8} {'cpu s':>8} "
              f"{'ratio':>7} {'clean MB':>9} {'messy MB':>9} {'ratio':>7}")
    print(f"\nparsers on one column (clean file vs the 'messy' file)\n{header}")
    for name, (column, _) in PARSERS.items():
        runs = [spawn({"kind": "parser", "parser": name, "path": paths[v],
                       "repeat": args.repeat}) for v in ("clean", "messy")]
        print(f"{name + ' (' + column + ')':28} {_cells(*runs)}")
    clean = spawn({"kind": "decode", "path": paths["clean"], "repeat": args.repeat})
    stray = spawn({"kind": "decode", "path": paths["stray"], "repeat": args.repeat})
    print(f"{'decode (stray bytes)':28} {_cells(clean, stray)}")
    base = spawn({"kind": "load", "path": paths["clean"], "repeat": args.repeat})
    print(f"\nwhole load ({base.get('loader', '?')}) vs the clean file\n{header}")
    for variant in VARIANTS[1:]:
        run = spawn({"kind": "load", "path": paths[variant], "repeat": args.repeat})
        print(f"{variant:28} {_cells(base, run)}")


if __name__ == "__main__":
    main()
