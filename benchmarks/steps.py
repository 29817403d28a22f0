"""The measured steps, and the code that runs one of them inside a fresh child process.

A step is ``setup`` (untimed: imports, and for KPI steps loading the cached, already-loaded
CRMData) then ``run`` (timed, ``repeat`` times in the same process, the previous result freed
first). Peak memory is the kernel's high-water mark of resident memory (``VmHWM`` in
/proc/self/status, the counter behind ``getrusage().ru_maxrss``), reset after setup by writing
"5" to /proc/self/clear_refs. ``ru_maxrss`` itself is not used: after fork/exec it inherits the
parent's high-water mark, so a child of a big parent would report the parent's memory.
"""
from __future__ import annotations

import gc
import importlib
import json
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import exports
import peers

DASHBOARD_KEYS = ("activity", "source", "stage", "win", "deals", "quota")
EXPORTS = {"salesforce": exports.write_salesforce}  # CRM exports loaded with their preset


@dataclass
class Ctx:
    """What a child needs to know: where the files are, the format, the load path, the as-of."""

    step: str
    root: str           # benchmarks/data/scale_<s>
    fmt: str = "parquet"     # or "csv", or "salesforce" (an export read with that preset)
    repeat: int = 1
    load_mode: str = "load_crm"
    as_of: str = "2024-12-13"
    calls: int = 50
    kpi_data: str = "load_crm"  # what the KPI steps start from: a load mode, or "generated"
    scale: float = 1.0
    stages: tuple = ("Qualify", "Discover", "Propose", "Negotiate")  # the generated data's

    @property
    def folder(self) -> Path:
        return Path(self.root) / self.fmt

    @property
    def cache(self) -> Path:
        return Path(self.root) / f"loaded_{self.kpi_data}.pkl"

    @property
    def today(self):
        import pandas as pd
        return pd.Timestamp(self.as_of)


# --- memory --------------------------------------------------------------------------------
def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0); harmless where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


# --- kpitools ------------------------------------------------------------------------------
def kt_load(folder: Path, fmt: str, mode: str):
    """kpitools' load step: ``kt.load_crm(folder)`` (a CRM export with its preset), or read as
    text + ``kt.clean`` (fallback)."""
    import kpitools as kt

    if mode == "load_crm" or fmt in EXPORTS:
        load_crm = kt.load_crm
        return load_crm(folder, preset=fmt) if fmt in EXPORTS else load_crm(folder)
    import pandas as pd
    read = (lambda p: pd.read_csv(p, dtype=str)) if fmt == "csv" else pd.read_parquet
    return kt.clean({t: read(p) for t, p in peers.files(folder, fmt).items()})


def kt_dashboard_kpis(d, today) -> dict:
    import kpitools as kt

    opps = d.opportunities
    return {"activity": kt.activity_ratios(d.activities, by="rep", freq="W"),
            "source": kt.source_conversion(d.leads, d.activities),
            "stage": kt.stage_conversion(d.stage_history, opps),
            "win": kt.win_rate(opps, by="rep", freq="QS"),
            "deals": kt.deal_metrics(opps, by="rep", freq="QS"),
            "quota": kt.quota_gap(opps, d.quotas, by="rep", freq="MS", as_of=today)}


def _import_kpitools(ctx):
    import kpitools  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401


def _loaded(ctx):
    _import_kpitools(ctx)
    with open(ctx.cache, "rb") as handle:
        return pickle.load(handle)


def _plan_inputs(ctx):
    import kpitools as kt

    d = _loaded(ctx)
    ratios = kt.activity_ratios(d.activities).iloc[0]
    return {"target_revenue": float(d.quotas["quota"].sum()) / 12,
            "avg_deal_size": float(kt.deal_metrics(d.opportunities)["avg_deal_size"].iloc[0]),
            "win_rate": float(kt.win_rate(d.opportunities)["win_rate"].iloc[0]),
            "next_step_rate": float(ratios["next_step_rate"]),
            "outreach_per_first_meeting": float(ratios["outreach_per_first_meeting"]),
            "weeks": 4}


def _kpi(call):
    """A KPI step: setup loads the cached CRMData, run calls ``call(kt, data, today)``."""
    def run(ctx, d):
        import kpitools as kt
        return call(kt, d, ctx.today)
    return _loaded, run


KPIS = {
    "activity_ratios rep x week": lambda kt, d, t: kt.activity_ratios(d.activities, by="rep",
                                                                       freq="W"),
    "source_conversion": lambda kt, d, t: kt.source_conversion(d.leads, d.activities),
    "lead_conversion by source": lambda kt, d, t: kt.lead_conversion(d.leads, d.opportunities,
                                                                     by="source"),
    "stage_conversion backfill": lambda kt, d, t: kt.stage_conversion(d.stage_history,
                                                                      d.opportunities),
    "stage_conversion strict": lambda kt, d, t: kt.stage_conversion(
        d.stage_history, d.opportunities, policy="strict"),
    "transition_matrix": lambda kt, d, t: kt.transition_matrix(d.stage_history, d.opportunities),
    "win_rate rep x quarter": lambda kt, d, t: kt.win_rate(d.opportunities, by="rep", freq="QS"),
    "deal_metrics rep x quarter": lambda kt, d, t: kt.deal_metrics(d.opportunities, by="rep",
                                                                   freq="QS"),
    "quota_gap rep x month, as_of": lambda kt, d, t: kt.quota_gap(
        d.opportunities, d.quotas, by="rep", freq="MS", as_of=t),
    "pipeline_as_of (today - 90 days)": lambda kt, d, t: kt.pipeline_as_of(
        d.stage_history, d.opportunities, t - __import__("pandas").Timedelta(days=90)),
}


# --- widget update -------------------------------------------------------------------------
def _widget_setup(ctx, presplit: bool):
    """The loaded data, the reps, and (pre-split) the widgets' own per-rep index, built once."""
    d = _loaded(ctx)
    reps = sorted(d.opportunities["rep"].dropna().unique())
    if not presplit:
        return d, reps, None
    from kpitools._repnumbers import RepIndex
    return d, reps, RepIndex(d, ["opportunities", "stage_history"])


def _widget_run(ctx, state):
    """One dropdown change per call, rotating through the reps; returns per-call seconds."""
    import kpitools as kt

    d, reps, index = state
    opps, hist = d.opportunities, d.stage_history
    calls = []
    for i in range(ctx.calls):
        rep = reps[i % len(reps)]
        start = time.perf_counter()
        if index is None:
            mine = opps[(opps["rep"] == rep).to_numpy()]
            history = hist[hist["opportunity_id"].isin(mine["opportunity_id"]).to_numpy()]
        else:
            mine, history = index.rows("opportunities", rep), index.rows("stage_history", rep)
        kt.stage_conversion(history, mine)
        kt.win_rate(mine)
        calls.append(time.perf_counter() - start)
    return calls


@dataclass
class Step:
    setup: object         # setup(ctx) -> state, untimed
    run: object           # run(ctx, state) -> result, timed
    check: object = None  # check(result) -> numbers compared between kpitools and the peers
    calls: bool = False   # run returns per-call times (widget), not one timed result


def _imports(*modules):
    """A setup that only imports ``modules`` (so import time stays out of the timing)."""
    return lambda ctx: [importlib.import_module(m) for m in modules]


def _plan(ctx, inputs):
    import kpitools as kt
    return kt.plan(**inputs)


STEPS: dict[str, Step] = {
    "floor": Step(_imports("pyarrow.parquet", "pyarrow.csv", "pyarrow.dataset"),
                  lambda c, s: peers.arrow_read(c.folder, c.fmt)),
    "load kpitools": Step(_import_kpitools, lambda c, s: kt_load(c.folder, c.fmt, c.load_mode)),
    "load DuckDB": Step(_imports("duckdb"), lambda c, s: peers.duckdb_load(c.folder, c.fmt)),
    "load Polars": Step(_imports("polars"), lambda c, s: peers.polars_load(c.folder, c.fmt)),
    "dashboard kpitools": Step(
        _import_kpitools,
        lambda c, s: kt_dashboard_kpis(kt_load(c.folder, c.fmt, c.load_mode), c.today),
        peers.summary),
    "dashboard DuckDB": Step(
        _imports("duckdb", "pandas"),
        lambda c, s: peers.duckdb_dashboard(c.folder, c.fmt, c.today, c.stages), peers.summary),
    "dashboard Polars": Step(
        _imports("polars", "pandas"),
        lambda c, s: peers.polars_dashboard(c.folder, c.fmt, c.today, c.stages), peers.summary),
    **{name: Step(*_kpi(call)) for name, call in KPIS.items()},
    "plan": Step(_plan_inputs, _plan),
    "widget: filter + compute": Step(lambda c: _widget_setup(c, False), _widget_run, calls=True),
    "widget: pre-split by rep": Step(lambda c: _widget_setup(c, True), _widget_run, calls=True),
}


def run_child(ctx: Ctx) -> dict:
    """Set up, reset the memory high-water mark, run ``repeat`` times; return the measurements."""
    step = STEPS[ctx.step]
    state = step.setup(ctx)
    gc.collect()
    reset_peak()
    start_mb = _status_mb("VmRSS")
    times, out = [], None
    for _ in range(1 if step.calls else ctx.repeat):
        out = None
        gc.collect()
        began = time.perf_counter()
        out = step.run(ctx, state)
        times.append(time.perf_counter() - began)
    peak_mb = _status_mb("VmHWM")
    if step.calls:
        times = out
    return {"times": times, "start_mb": start_mb, "peak_mb": peak_mb,
            "check": step.check(out) if step.check else None}


def prepare(root: str, scale: float) -> dict:
    """Generate once, write CSV and Parquet (pandas writers) and each CRM export, return table
    sizes and timings."""
    import kpitools
    from kpitools.sample import generate
    gen = getattr(kpitools, "generate", generate)

    began = time.perf_counter()
    data = gen(scale, 0)
    meta = {"generate_s": time.perf_counter() - began, "today": str(data.today or ""),
            "stages": list(data.stages),
            "rows": {t: len(f) for t, f in data.tables().items()}}
    for fmt in ("csv", "parquet"):
        began = time.perf_counter()
        folder = Path(root) / fmt
        folder.mkdir(parents=True, exist_ok=True)
        for table, frame in data.tables().items():
            path = folder / f"{table}.{fmt}"
            frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path, index=False)
        meta[f"write_{fmt}_s"] = time.perf_counter() - began
    return {**meta, **write_exports(root, data)}


def write_exports(root: str, data=None, scale: float = 1.0) -> dict:
    """Write the generated data (generated again if not given) as each CRM's export."""
    if data is None:
        from kpitools.sample import generate
        data = generate(scale, 0)
    meta = {}
    for name, write in EXPORTS.items():
        began = time.perf_counter()
        write(data, Path(root) / name)
        meta[f"write_{name}_s"] = time.perf_counter() - began
    return meta


def probe_load() -> dict:
    """Is ``kt.load_crm`` usable? Load a tiny generated folder and compare row counts."""
    import tempfile

    from kpitools.sample import generate
    data = generate(0.05, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for table, frame in data.tables().items():
            frame.to_csv(Path(tmp) / f"{table}.csv", index=False)
        try:
            loaded = kt_load(Path(tmp), "csv", "load_crm")
        except Exception as error:  # noqa: BLE001 - any failure means "use the fallback"
            return {"mode": "read+clean", "why": f"{type(error).__name__}: {error}"[:200]}
    kept = {t: len(f) for t, f in loaded.tables().items()}
    want = {t: len(f) for t, f in data.tables().items()}
    if kept != want:
        return {"mode": "load_crm", "why": f"row counts differ: {kept} vs generated {want}"}
    return {"mode": "load_crm", "why": ""}


def cache_loaded(ctx: Ctx) -> dict:
    """Load the Parquet folder once (or generate) and pickle the CRMData the KPI steps use."""
    if ctx.kpi_data == "generated":
        from kpitools.sample import generate
        data = generate(ctx.scale, 0)
    else:
        data = kt_load(Path(ctx.root) / "parquet", "parquet", ctx.load_mode)
    with open(ctx.cache, "wb") as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return {"rows": {t: len(f) for t, f in data.tables().items()}}


def child_main(argv: list[str]) -> None:
    """Entry point of a child: ``bench.py --child JOB JSON``; prints one RESULT line."""
    job, spec = argv[0], json.loads(argv[1])
    if job == "step":
        result = run_child(Ctx(**spec))
    elif job == "prepare":
        result = prepare(spec["root"], spec["scale"])
    elif job == "exports":
        result = write_exports(spec["root"], scale=spec["scale"])
    elif job == "probe":
        result = probe_load()
    else:
        result = cache_loaded(Ctx(**spec))
    sys.stdout.write("RESULT " + json.dumps(result, default=str) + "\n")
