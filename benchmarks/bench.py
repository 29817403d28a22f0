"""Time and memory of kpitools on generated CRM data, next to DuckDB, Polars and the I/O floor.

Run from the repository root with the project's venv (``pip install -r benchmarks/requirements.txt``
adds DuckDB and Polars)::

    python benchmarks/bench.py --scale 1                  # ~10 reps, every format, with peers
    python benchmarks/bench.py --scale 20 --repeat 3 --format parquet
    python benchmarks/bench.py --scale 20 --steps dashboard,widget   # only steps matching these
    python benchmarks/bench.py --scale 200 --only kpitools --repeat 1 --steps load --mem-gb 16
    python benchmarks/bench.py --scale 200 --report-only  # table of every step saved so far

Data: ``kpitools.generate(scale, 0)`` once per scale, written as CSV and Parquet to
``benchmarks/data/scale_<s>/{csv,parquet}/`` with pandas' writers, and as a Salesforce export
to ``.../salesforce/`` (exports.py; git-ignored, reused when present). Every measured step runs in a fresh child process (see steps.py): the time is the
median (and min) of ``--repeat`` runs, memory the process's peak resident set. ``+MB`` is the
peak over the resident memory when the timed part began (after imports; for KPI steps, with the
loaded data already in memory). Peers compute the same dashboard on the same files; each peer's
numbers are checked against kpitools' ("agree"/"DIFFERS"). Each run also saves its rows to
``data/scale_<s>/results.json`` so a big scale can be measured in several shorter runs. The
script prints a table; it is not a test and asserts nothing. See README.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import psutil  # noqa: E402

import steps  # noqa: E402

PEERS = ("DuckDB", "Polars")
TARGETS = {"parquet": 1.5, "csv": 1.3}  # issue 6: dashboard time vs the faster peer
MEM_TARGET = 1.5                        # peak memory vs the I/O floor
WIDGET_MEDIAN_MS, WIDGET_WORST_MS = 20, 50
GENERATOR_FILES = ("sample.py", "_simulate.py")  # the data is regenerated when these change
# The data the KPI steps start from (loaded or generated) is cached again when these change.
CACHE_FILES = ("schema.py", "sample.py", *sorted(
    str(p.relative_to(HERE.parent / "kpitools"))
    for p in (HERE.parent / "kpitools" / "io").rglob("*.py")))


def spawn(job: str, spec: dict, timeout: float, mem_gb: float) -> dict:
    """Run ``job`` in a fresh interpreter; kill it past ``timeout`` s or ``mem_gb`` GB RSS."""
    cmd = [sys.executable, str(HERE / "bench.py"), "--child", job, json.dumps(spec)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=HERE.parent)
    watch, began, killed = psutil.Process(proc.pid), time.monotonic(), None
    while True:
        try:
            out, err = proc.communicate(timeout=0.25)
            break
        except subprocess.TimeoutExpired:
            try:
                rss = watch.memory_info().rss / 2**30
            except psutil.Error:
                rss = 0.0
            if rss > mem_gb or time.monotonic() - began > timeout:
                killed = f"killed: RSS {rss:.1f} GB" if rss > mem_gb else f"timeout {timeout:g} s"
                proc.kill()
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    lines = (err or "").strip().splitlines() or ["no output"]
    reason = next((ln for ln in reversed(lines) if "Error" in ln or "Exception" in ln), lines[-1])
    return {"error": killed or reason.strip()[:150]}


def source_hash(names) -> str:
    """A fingerprint of these kpitools modules' source."""
    return hashlib.sha1(b"".join((HERE.parent / "kpitools" / name).read_bytes()
                                 for name in names)).hexdigest()


def ensure_data(root: Path, scale: float, args) -> dict:
    """Generate and write the files unless present for the current generator code (CRM
    exports missing from an older data folder are written on their own)."""
    meta_path = root / "meta.json"
    version = source_hash(GENERATOR_FILES)
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("generator") == version or args.reuse_data:
            if not all((root / name).is_dir() for name in steps.EXPORTS):
                print(f"writing the CRM exports into {root} ...", flush=True)
                written = spawn("exports", {"root": str(root), "scale": scale}, args.timeout,
                                args.mem_gb)
                if "error" in written:
                    raise SystemExit(f"writing the exports failed: {written['error']}")
                meta.update(written)
                meta_path.write_text(json.dumps(meta, indent=1))
            return meta
        print(f"kpitools' generator changed since {root.name} was written: regenerating")
        for stale in [*root.glob("loaded_*.pkl"), root / "results.json"]:
            stale.unlink(missing_ok=True)
    print(f"generating scale {scale:g} into {root} ...", flush=True)
    root.mkdir(parents=True, exist_ok=True)
    meta = spawn("prepare", {"root": str(root), "scale": scale}, args.timeout, args.mem_gb)
    if "error" in meta:
        raise SystemExit(f"generation failed: {meta['error']}")
    meta["generator"] = version
    meta_path.write_text(json.dumps(meta, indent=1))
    return meta


def fmt_time(seconds) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def plan_steps(args) -> list[tuple[str, str, str]]:
    """(section, step, format) in table order, filtered by --format, --only and --steps."""
    formats = {"both": ("parquet", "csv"), "all": ("parquet", "csv", *steps.EXPORTS)}.get(
        args.format, (args.format,))
    peers = () if args.only == "kpitools" else PEERS
    rows = []
    for fmt in formats:
        rows += [(fmt, "floor", fmt)] if peers else []
        if fmt in steps.EXPORTS:  # a CRM's export: only kpitools reads it (through its preset)
            rows += [(fmt, "load kpitools", fmt)]
            continue
        rows += [(fmt, f"load {who}", fmt) for who in ("kpitools", *peers)]
        rows += [(fmt, f"dashboard {who}", fmt) for who in ("kpitools", *peers)]
    rows += [("kpis", name, "parquet") for name in (*steps.KPIS, "plan")]
    rows += [("widget", name, "parquet") for name in steps.STEPS if name.startswith("widget")]
    wanted = [w.strip() for w in args.steps.split(",")] if args.steps else None
    return [r for r in rows if not wanted or any(w in r[1] for w in wanted)]


def measure(scale: float, args) -> dict:
    root = HERE / "data" / f"scale_{scale:g}"
    saved = root / "results.json"
    if args.report_only:
        if not saved.exists():
            raise SystemExit(f"no saved results for scale {scale:g}: run without --report-only")
        stored = json.loads(saved.read_text())
        return {**stored, "root": root, "results": {
            tuple(key.split("/", 1)): value for key, value in stored["results"].items()}}
    meta = ensure_data(root, scale, args)
    probe = spawn("probe", {}, args.timeout, args.mem_gb)
    mode = probe.get("mode", "read+clean")
    kpi_data = "generated" if args.kpi_data == "generated" else mode
    base = {"root": str(root), "repeat": args.repeat, "load_mode": mode, "scale": scale,
            "as_of": (meta.get("today") or "2024-12-13")[:10], "calls": args.calls,
            "kpi_data": kpi_data, "stages": meta.get("stages", steps.Ctx.stages)}
    todo = plan_steps(args)
    cache = root / f"loaded_{kpi_data}.pkl"
    stamp, version = cache.with_suffix(".version"), source_hash(CACHE_FILES)
    if cache.exists() and (not stamp.exists() or stamp.read_text() != version):
        print("kpitools changed since the KPI steps' data was cached: caching it again")
        cache.unlink()
    if any(section in ("kpis", "widget") for section, _, _ in todo) and not cache.exists():
        print("caching the loaded data for the KPI steps ...", flush=True)
        spawn("cache", {**base, "step": "-"}, args.timeout, args.mem_gb)
        stamp.write_text(version)
    results, load_before = {}, os.getloadavg()[0]
    for section, name, fmt in todo:
        print(f"  running {section:8} {name} ...", file=sys.stderr, flush=True)
        spec = {**base, "step": name, "fmt": fmt}
        results[(section, name)] = spawn("step", spec, args.timeout, args.mem_gb)
    run = {"scale": scale, "meta": meta, "probe": probe, "kpi_data": kpi_data,
           "load": (load_before, os.getloadavg()[0])}
    store = json.loads(saved.read_text())["results"] if saved.exists() else {}
    stamp = time.strftime("%Y-%m-%d %H:%M")
    store.update({f"{s}/{n}": {**r, "repeat": args.repeat, "at": stamp}
                  for (s, n), r in results.items()})
    saved.write_text(json.dumps({**run, "results": store}, indent=1))
    return {**run, "root": root, "results": results}


def _peer_ratio(results, sec, kind, med):
    """(kpitools median / faster peer median, that peer) for load or dashboard rows."""
    peer_times = {p: statistics.median(results[(sec, f"{kind} {p}")]["times"])
                  for p in PEERS if "times" in results.get((sec, f"{kind} {p}"), {})}
    if not peer_times:
        return None, ""
    best = min(peer_times, key=peer_times.get)
    return med / peer_times[best], best


def _mem_ratio(results, sec, r):
    """(peak / floor peak, +MB / floor +MB), or None without a floor row."""
    floor = results.get((sec, "floor"), {})
    if "peak_mb" not in floor:
        return None
    return (r["peak_mb"] / floor["peak_mb"],
            (r["peak_mb"] - r["start_mb"]) / max(floor["peak_mb"] - floor["start_mb"], 1))


def report(run: dict, args) -> None:
    meta, scale = run["meta"], run["scale"]
    order = {(s, n): i for i, (s, n, _) in enumerate(plan_steps(argparse.Namespace(
        format="all", only=None, steps=None)))}
    results = dict(sorted(run["results"].items(), key=lambda kv: order.get(kv[0], 999)))
    sizes = " | ".join(f"{t} {n:,}" for t, n in meta["rows"].items())
    folders = [run["root"] / f for f in ("csv", "parquet", *steps.EXPORTS)]
    disk = ", ".join(f"{f.name} {sum(p.stat().st_size for p in f.iterdir()) / 2**20:,.0f} MB"
                     for f in folders if f.is_dir())
    print(f"\nkpitools benchmark, scale {scale:g} (generate(scale, 0) took "
          f"{meta['generate_s']:.1f} s): {sizes}")
    load = run["probe"]
    print(f"files: {disk}; load step: " + (
        "kt.load_crm(folder)" if load["mode"] == "load_crm" else
        "pd.read_csv(dtype=str)/pd.read_parquet + kt.clean") + (
        f" ({load['why']})" if load.get("why") else ""))
    stamps = sorted({r["at"] for r in results.values() if "at" in r})
    when = (f"saved runs {stamps[0]} .. {stamps[-1]}" if len(stamps) > 1 else
            f"load average {run['load'][0]:.1f} before, {run['load'][1]:.1f} after")
    print(f"n = timed runs (median, min over them); peak MB = VmHWM of a fresh process per step;"
          f" +MB = peak over RSS when timing began\n{os.cpu_count()} CPUs; {when}")
    header = (f"{'step':36} {'n':>2} {'median':>9} {'min':>9} {'peak MB':>8} {'+MB':>7} "
              f"{'vs faster peer':>16} {'mem/floor (+MB)':>16}")
    print(header + "\n" + "-" * len(header))
    agreement, targets, section = [], [], None
    for (sec, name), r in results.items():
        if sec != section:
            section = sec
            source = ("kpitools.generate(scale, 0), not read from files"
                      if run["kpi_data"] == "generated" else "Parquet load, cached")
            print("[" + {"kpis": f"KPI functions on the loaded data ({source})",
                         "widget": f"widget update: {args.calls} calls, one rep each, rotating",
                         **{name: f"from a {name.title()} export (CSV, preset={name!r})"
                            for name in steps.EXPORTS}}.get(sec, f"from {sec.upper()} files") + "]")
        if "error" in r:
            print(f"  {name:34} {r['error']}")
            continue
        if sec == "widget":
            calls = [t * 1000 for t in r["times"]]
            worst = max(range(len(calls)), key=calls.__getitem__)
            med = statistics.median(calls)
            print(f"  {name:34} median {med:.1f} ms, worst {calls[worst]:.1f} ms "
                  f"(call {worst + 1} of {len(calls)}), peak {r['peak_mb']:,.0f} MB")
            if name.startswith("widget: pre-split"):  # what the widgets do since RepIndex
                targets.append(("widget update median <= 20 ms, worst <= 50 ms (target at scale "
                                f"200; this is scale {scale:g})", med <= WIDGET_MEDIAN_MS
                                and calls[worst] <= WIDGET_WORST_MS,
                                f"{med:.1f} ms / {calls[worst]:.1f} ms"))
            continue
        med, low = statistics.median(r["times"]), min(r["times"])
        kind, who = name.split(" ", 1) if " " in name else (name, "")
        ratio, best, mem = None, "", None
        if who == "kpitools":
            ratio, best = _peer_ratio(results, sec, kind, med)
            mem = _mem_ratio(results, sec, r)
            if kind == "dashboard" and ratio is not None:
                targets.append((f"dashboard from {sec} <= {TARGETS[sec]}x the faster peer",
                                ratio <= TARGETS[sec], f"{ratio:.2f}x {best}"))
            if kind == "dashboard" and mem is not None:
                targets.append((f"dashboard peak memory from {sec} <= {MEM_TARGET}x I/O floor",
                                mem[0] <= MEM_TARGET,
                                f"{mem[0]:.2f}x (data only, +MB: {mem[1]:.2f}x)"))
        if sec in ("parquet", "csv") and kind == "dashboard" and who in PEERS:
            mine = results.get((sec, "dashboard kpitools"), {}).get("check")
            if mine and r.get("check"):
                bad = steps.peers.differences(mine, r["check"])
                agreement.append(f"{sec} {who}: " + ("agree" if not bad else
                                                     "DIFFERS on " + ", ".join(bad)))
        label = "I/O floor (pyarrow read)" if name == "floor" else name
        vs = f"{ratio:.2f}x {best}" if ratio is not None else "-"
        mem_text = f"{mem[0]:.2f}x ({mem[1]:.2f}x)" if mem else "-"
        print(f"  {label:34} {len(r['times']):>2} {fmt_time(med):>9} {fmt_time(low):>9} "
              f"{r['peak_mb']:>8,.0f} {r['peak_mb'] - r['start_mb']:>7,.0f} {vs:>16} "
              f"{mem_text:>16}")
    if agreement:
        print("\nagreement with the kpitools dashboard (counts, sums, per-stage values, deciles):")
        print("\n".join(f"  {line}" for line in agreement))
    if targets:
        print("\nissue-6 targets:")
        for text, ok, value in targets:
            print(f"  {'met    ' if ok else 'NOT met'}  {text}: {value}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", choices=("csv", "parquet", *steps.EXPORTS, "both", "all"),
                        default="all", help="both: CSV and Parquet; all: these and the CRM "
                                            "exports (default)")
    parser.add_argument("--only", choices=("kpitools",), help="skip the peers and the floor")
    parser.add_argument("--steps", help="comma-separated parts of step names to run")
    parser.add_argument("--calls", type=int, default=50, help="widget updates to time")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per child process")
    parser.add_argument("--mem-gb", type=float, default=18, help="kill a child above this RSS")
    parser.add_argument("--kpi-data", choices=("loaded", "generated"), default="loaded",
                        help="KPI/widget steps start from the loaded files (default) or from "
                             "generate()'s frames (when loading is too heavy at a scale)")
    parser.add_argument("--reuse-data", action="store_true",
                        help="reuse written files even if the generator code changed since")
    parser.add_argument("--report-only", action="store_true",
                        help="print the table from every step saved for this scale by earlier "
                             "runs (data/scale_<s>/results.json) without running anything")
    args = parser.parse_args(argv)
    for scale in args.scale:
        report(measure(scale, args), args)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        steps.child_main(sys.argv[2:])
    else:
        main()
