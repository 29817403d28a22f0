"""Synthetic B2B CRM data: ``generate`` simulates a sales team; ``load_sample`` loads sample_data/.

The simulation runs in business time (weekdays, 08:00-18:00, whole minutes): leads arrive, reps
work them with outreach, some leads book a first meeting, first meetings with a scheduled next step
become opportunities, and opportunities move through the stages (skipping one, going back, stalling)
until they are won or lost. Reps differ in volume, persistence, booking, next-step and win rates.
Everything is vectorised with numpy; ``scale`` multiplies the volume (1.0 = 10 reps, ~50,000
activities in the 12 months before ``SAMPLE_TODAY``). The team starts using the CRM on
``SAMPLE_START`` and enters its open pipeline in the first week; quotas ramp up over the first
months while new deals start to close.

The simulation itself, in numpy arrays, is ``kpitools._simulate``; this module turns it into
canonical tables.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kpitools._simulate import (  # noqa: F401  (the public constants: kpitools.sample.<name>)
    LOSS_REASONS, NEW_REP, NEW_REP_START, PRODUCTS, REGIONS, REP_NAMES, SAMPLE_START, SAMPLE_TODAY,
    SEGMENTS, SOURCES, _DETAIL_LABELS, _LOSS_REASON, _cdf, _clock, _deal_activities,
    _expected_close, _ids, _leads, _opportunities, _other, _outreach, _pick, _quotas, _reps,
    _stages, _take)
from kpitools.io import QualityReport, clean
from kpitools.schema import (DEFAULT_STAGES, EXCLUDED_COLUMNS, KINDS, OPTIONAL, REQUIRED, TABLES,
                             TERMINAL_STAGES, TEXT, CRMData)

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
SAMPLES = ("demo",)


def _frame(table: str, columns: dict) -> pd.DataFrame:
    """A canonical frame, exactly as ``clean`` returns it ("str" text with NaN, bools, ...)."""
    frame = pd.DataFrame(index=pd.RangeIndex(len(columns[REQUIRED[table][0]])))
    for name in REQUIRED[table] + OPTIONAL[table]:  # one block per column: no consolidation copy
        if name not in columns:  # optional columns the simulation does not make (currency)
            continue
        value = columns.pop(name)
        dtype = TEXT if value.dtype == object or name == "kind" else None
        frame[name] = pd.Series(value, dtype=dtype, index=frame.index, copy=False)
        del value
    frame.attrs["stages"] = DEFAULT_STAGES
    return frame


def generate(scale: float = 1.0, seed: int = 0) -> CRMData:
    """Synthetic CRM data of a B2B sales team: 12 months up to ``SAMPLE_TODAY`` (2024-12-13).

    Deterministic for a given ``seed``; every table grows linearly with ``scale``. Reps differ in
    activity volume, first-meeting, next-step and win rates; the rep ``NEW_REP`` joined three months
    ago and has few closed deals. Opportunities skip stages, move backward, stall, and are lost at
    every stage; a few won deals have no stage history. The result is already clean: ``clean()``
    excludes nothing and returns the same tables.

    Parameters
    ----------
    scale : float, default 1.0
        Size of the team and of every table: 1.0 is 10 reps and about 50,000 activities;
        ``max(1, round(10 * scale))`` reps.
    seed : int, default 0
        Seed of numpy's ``default_rng``.

    Returns
    -------
    CRMData
        leads, activities, opportunities, stage_history and quotas in the canonical schema, with
        ``today = SAMPLE_TODAY`` and an empty quality report.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.generate(0.1, seed=1)
    >>> data.today, data.opportunities["rep"].nunique()
    (Timestamp('2024-12-13 00:00:00'), 1)
    >>> sorted(data.activities["kind"].unique())
    ['call', 'email', 'event', 'meeting', 'other', 'social']
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.number)) or not scale > 0:
        raise ValueError(f"generate: scale must be a positive number (1.0 = 10 reps, ~50,000 "
                         f"activities), got {scale!r}.")
    rng = np.random.default_rng(seed)
    reps = _reps(max(1, round(10 * scale)), rng)
    leads = _leads(reps, scale, rng)
    touches, firsts = _outreach(leads, reps, rng)
    opps = _opportunities(firsts, leads, reps, rng)
    deals = _stages(opps, reps, rng)
    meetings = _deal_activities(deals, opps, rng)
    other = _other(reps, scale, rng)
    quotas = _quotas(opps, deals, reps)
    expected = _expected_close(opps, deals, rng)

    lead_ids = _ids("L", len(leads["t"]))
    opp_ids = _ids("O", len(opps["t"]))
    names = reps["name"]
    tables = {"leads": {
        "lead_id": lead_ids, "rep": names[leads["rep"]], "created_at": _clock(leads["t"]),
        "source": _take(SOURCES, leads["source"]),
        "mql_at": _clock(leads["mql"], leads["mql_missing"]),
        "sql_at": _clock(leads["sql"], leads["sql_missing"]),
        "region": _take(REGIONS, leads["region"]),
        "segment": _take(SEGMENTS, leads["segment"])}}

    parts = [(touches, touches["kind"], touches["lead"], -1, False, False),
             (firsts, 4, firsts["lead"], -1, True, firsts["next_step"]),
             (meetings, 4, -1, meetings["opp"], False, False),
             (other, 5, -1, -1, False, False)]
    size = [len(part["t"]) for part, *_ in parts]

    def stack(values):
        return np.concatenate([np.broadcast_to(v, (s,)) for v, s in zip(values, size)])

    t = stack([part["t"] for part, *_ in parts])
    order = np.argsort(t, kind="stable")
    kind = stack([p[1] for p in parts])[order]
    tables["activities"] = {
        "activity_id": _ids("A", len(t)), "rep": names[stack([p[0]["rep"] for p in parts])[order]],
        "at": _clock(t[order]), "kind": _take(KINDS, kind),
        "lead_id": _take(lead_ids, stack([p[2] for p in parts])[order]),
        "opportunity_id": _take(opp_ids, stack([p[3] for p in parts])[order]),
        "is_first_meeting": stack([p[4] for p in parts])[order].astype(bool),
        "next_step_scheduled": stack([p[5] for p in parts])[order].astype(bool),
        "channel_detail": _DETAIL_LABELS[stack([p[0]["detail"] for p in parts])[order]]}
    del parts, touches, firsts, meetings, other, t, order, kind  # keep the peak memory low

    status = deals["status"]
    labels = np.array(DEFAULT_STAGES + TERMINAL_STAGES, dtype=object)
    reason = np.where(deals["stall"], 6, _pick(rng, _cdf(_LOSS_REASON)[deals["final"]]))
    tables["opportunities"] = {
        "opportunity_id": opp_ids, "rep": names[opps["rep"]], "created_at": _clock(opps["t"]),
        "amount": opps["amount"], "status": _take(("open", "won", "lost"), status),
        "stage": labels[np.where(status == 0, deals["current"], 3 + status)],
        "closed_at": _clock(deals["close"], status == 0), "expected_close": expected,
        "source": _take(SOURCES, opps["source"]),
        "lead_id": _take(lead_ids, opps["lead"]),
        "product": _take(PRODUCTS, opps["product"]),
        "region": _take(REGIONS, opps["region"]),
        "segment": _take(SEGMENTS, opps["segment"]),
        "loss_reason": _take(LOSS_REASONS, np.where(status == 2, reason, -1))}

    has_history = ~deals["no_history"]
    opp, col = np.nonzero(deals["seen"] & has_history[:, None])
    closed = np.flatnonzero((status > 0) & has_history)
    hist_opp = np.concatenate([opp, closed])
    hist_t = np.concatenate([deals["entered"][opp, col], deals["close"][closed]])
    hist_stage = np.concatenate([deals["stage"][opp, col], 3 + status[closed]])
    order = np.lexsort((hist_t, hist_opp))
    tables["stage_history"] = {"opportunity_id": opp_ids[hist_opp[order]],
                               "stage": labels[hist_stage[order]],
                               "entered_at": _clock(hist_t[order])}
    tables["quotas"] = {"rep": names[quotas["rep"]], "period": quotas["period"],
                        "quota": quotas["quota"]}

    frames = {name: _frame(name, tables.pop(name)) for name in list(tables)}
    sizes = {name: len(frame) for name, frame in frames.items()}
    note = (f"Synthetic sample data: kpitools.generate(scale={scale}, seed={seed}); "
            f"today is {SAMPLE_TODAY.date()}.")
    report = QualityReport(pd.DataFrame(columns=EXCLUDED_COLUMNS), sizes, dict(sizes), [note])
    return CRMData(**frames, quality=report, stages=DEFAULT_STAGES, today=SAMPLE_TODAY)


def write_sample(folder, *, scale: float = 1.0, seed: int = 0) -> list[Path]:
    """Write ``generate(scale, seed)`` as one CSV per table (ISO dates, no index) into ``folder``.

    Parameters
    ----------
    folder : str or Path
        Created if missing; existing CSVs of the same names are overwritten.
    scale, seed
        Passed to :func:`generate`.

    Returns
    -------
    list of Path
        The files written: leads.csv, activities.csv, opportunities.csv, stage_history.csv,
        quotas.csv.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [path.name for path in write_sample(tmp, scale=0.1)]
    ['leads.csv', 'activities.csv', 'opportunities.csv', 'stage_history.csv', 'quotas.csv']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = generate(scale, seed)
    paths = []
    for name, frame in data.tables().items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False, float_format="%.0f")  # amounts and quotas are whole
        paths.append(path)
    return paths


def load_sample(name: str = "demo") -> CRMData:
    """The shipped sample CRM data (``sample_data/`` of the repository), loaded and validated.

    The CSVs are ``generate(1, 0)``: 10 reps, about 50,000 activities, 12 months up to
    ``SAMPLE_TODAY`` (2024-12-13). Without the folder (kpitools installed without a clone) the
    same data is generated instead. No network is used.

    Parameters
    ----------
    name : str, default "demo"
        Which sample; "demo" is the only one.

    Returns
    -------
    CRMData
        The five canonical tables, the quality report (nothing excluded) and ``today``.

    Examples
    --------
    >>> import kpitools as kt
    >>> data = kt.load_sample()
    >>> data.today.date(), data.activities["rep"].nunique()
    (datetime.date(2024, 12, 13), 10)
    >>> len(data.quality.excluded)
    0
    """
    if name not in SAMPLES:
        raise ValueError(f"load_sample: unknown sample {name!r}. Valid names: {list(SAMPLES)}.")
    files = {table: SAMPLE_DIR / f"{table}.csv" for table in TABLES}
    if not all(path.is_file() for path in files.values()):
        return generate(1.0, 0)
    frames = {table: pd.read_csv(path, dtype=str, keep_default_na=False)
              for table, path in files.items()}
    data = clean(frames, notes=[f"Sample data {name!r} from {SAMPLE_DIR} (kpitools.generate(1, 0));"
                                f" today is {SAMPLE_TODAY.date()}."])
    data.today = SAMPLE_TODAY
    return data
