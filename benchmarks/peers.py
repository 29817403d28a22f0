"""The peers of the benchmark: the same dashboard in DuckDB SQL and in Polars, and the I/O floor.

Every dashboard here loads the five files whole (all columns, like ``kt.load_crm``) and computes
the six KPIs of the kpitools dashboard with kpitools' semantics (see ../shared/CONTRACT.md):

- activity ratios per rep and week (weeks start on Monday),
- source conversion (a lead counts once, on its first meeting),
- stage conversion, backfill policy: furthest stage per deal (history or current open stage),
  won = passed every stage; plus backward moves and days in stage per visit (a closed deal whose
  history does not end in its terminal label gets one at ``closed_at``),
- win rate per rep and quarter of ``closed_at`` with Wilson's 90% interval,
- deal metrics of won deals per rep and quarter of ``closed_at``,
- quota gap per rep and month, overdue open pipeline rolled into ``as_of``'s month and no
  pipeline figure (NULL) for months before it.

``summary`` boils a dashboard (a dict of pandas frames) down to the numbers compared between
kpitools and each peer, so the timing table can say whether they computed the same thing.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

TABLES = ("leads", "activities", "opportunities", "stage_history", "quotas")
OUTREACH = ("call", "email", "social", "event")
SPARSE_DATES = {"opportunities": ("closed_at",), "leads": ("mql_at", "sql_at")}  # blank often
Z90 = 1.6448536269514722  # Φ⁻¹(0.95): the 90% Wilson interval kpitools uses by default
ID_TYPES = {"leads": ("lead_id",), "activities": ("activity_id", "lead_id", "opportunity_id"),
            "opportunities": ("opportunity_id", "lead_id"), "stage_history": ("opportunity_id",)}


def files(folder: Path, fmt: str) -> dict[str, Path]:
    """The five table files of one format in ``folder``."""
    return {t: Path(folder) / f"{t}.{fmt}" for t in TABLES}


# --- the I/O floor -------------------------------------------------------------------------
def arrow_read(folder: Path, fmt: str) -> dict:
    """pyarrow reads the files (of a CRM export: every CSV in ``folder``) into Arrow tables
    (types inferred), nothing else."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    read = pq.read_table if fmt == "parquet" else pacsv.read_csv
    paths = (files(folder, fmt).values() if fmt in ("csv", "parquet")
             else sorted(Path(folder).glob("*.csv")))
    return {p.stem: read(str(p)) for p in paths}


# --- DuckDB --------------------------------------------------------------------------------
def duckdb_load(folder: Path, fmt: str):
    """An in-memory DuckDB connection holding the five tables (CREATE TABLE AS SELECT *)."""
    import duckdb

    con = duckdb.connect()
    for table, path in files(folder, fmt).items():
        if fmt == "csv":
            types = ", ".join(f"'{c}': 'VARCHAR'" for c in ID_TYPES.get(table, ()))
            source = f"read_csv('{path}', header=true, types={{{types}}})"
        else:
            source = f"read_parquet('{path}')"
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {source}")
    return con


def _sql_ratio(num: str, den: str) -> str:
    return f"CASE WHEN ({den}) = 0 THEN NULL ELSE ({num}) / ({den}) END"


def _sql_wilson(won: str, n: str) -> str:
    p, z2 = f"(({won})::DOUBLE / ({n}))", Z90 ** 2
    centre = f"(({p} + {z2} / (2 * {n})) / (1 + {z2} / {n}))"
    half = f"({Z90} / (1 + {z2} / {n}) * sqrt({p} * (1 - {p}) / {n} + {z2} / (4 * {n} * {n})))"
    return (f"CASE WHEN {n} > 0 THEN greatest({centre} - {half}, 0) END AS ci_low, "
            f"CASE WHEN {n} > 0 THEN least({centre} + {half}, 1) END AS ci_high")


def duckdb_dashboard(folder: Path, fmt: str, as_of, stages) -> dict:
    """Load with DuckDB, compute the six KPIs in SQL, fetch each result as a pandas frame."""
    con = duckdb_load(folder, fmt)
    k = len(stages)
    codes = ", ".join(f"('{s}', {i})" for i, s in enumerate(stages))
    codes += f", ('Closed Won', {k}), ('Closed Lost', {k + 1})"
    out = {}
    out["activity"] = con.sql(f"""
        SELECT rep, date_trunc('week', "at") AS period,
               count(*) FILTER (WHERE kind IN {OUTREACH}) AS outreach,
               count(*) FILTER (WHERE kind = 'meeting' AND coalesce(is_first_meeting, false))
                   AS first_meetings,
               count(*) FILTER (WHERE kind = 'meeting' AND coalesce(is_first_meeting, false)
                                AND coalesce(next_step_scheduled, false)) AS next_steps,
               {_sql_ratio('outreach', 'first_meetings')} AS outreach_per_first_meeting,
               {_sql_ratio('next_steps::DOUBLE', 'first_meetings')} AS next_step_rate
        FROM activities GROUP BY ALL ORDER BY ALL""").df()
    out["source"] = con.sql(f"""
        WITH met AS (SELECT DISTINCT lead_id FROM activities
                     WHERE kind = 'meeting' AND is_first_meeting AND lead_id IS NOT NULL)
        SELECT l.source, count(*) AS leads, count(met.lead_id) AS first_meetings,
               {_sql_ratio('first_meetings::DOUBLE', 'leads')} AS first_meeting_rate
        FROM leads l LEFT JOIN met USING (lead_id) GROUP BY ALL ORDER BY ALL""").df()
    out["stage"] = con.sql(f"""
        WITH codes(stage, code) AS (VALUES {codes}),
        o AS (SELECT opportunity_id, status, closed_at, c.code AS cur
              FROM opportunities LEFT JOIN codes c USING (stage)),
        hist AS (SELECT h.opportunity_id, c.code, h.entered_at, h.rowid AS rn, 0 AS synthetic
                 FROM stage_history h JOIN codes c USING (stage)
                 WHERE h.entered_at IS NOT NULL
                   AND h.opportunity_id IN (SELECT opportunity_id FROM o)),
        last AS (SELECT opportunity_id, arg_max(code, (entered_at, rn)) AS last_code
                 FROM hist GROUP BY 1),
        term AS (SELECT opportunity_id, closed_at,
                        CASE status WHEN 'won' THEN {k} WHEN 'lost' THEN {k + 1} END AS code
                 FROM o),
        synth AS (SELECT t.opportunity_id, t.code, t.closed_at AS entered_at, 0 AS rn, 1
                  FROM term t LEFT JOIN last l USING (opportunity_id)
                  WHERE t.code IS NOT NULL AND (l.last_code IS NULL OR l.last_code <> t.code)),
        seq AS (SELECT *, lead(code) OVER w AS next_code, lead(entered_at) OVER w AS next_at
                FROM (SELECT * FROM hist UNION ALL SELECT * FROM synth)
                WINDOW w AS (PARTITION BY opportunity_id ORDER BY synthetic, entered_at, rn)),
        visits AS (SELECT code, next_code,
                          (epoch_us(next_at) - epoch_us(entered_at)) / 86400e6 AS days
                   FROM seq WHERE code < {k}),
        per_stage AS (SELECT code, count(*) FILTER (WHERE next_code < code) AS backward_moves,
                             quantile_cont(days, 0.5) AS median_days_in_stage,
                             quantile_cont(days, 0.9) AS p90_days_in_stage
                      FROM visits GROUP BY code),
        furthest AS (SELECT o.status, CASE WHEN o.status = 'won' THEN {k}
                            ELSE greatest(coalesce(v.top, -1),
                                          CASE WHEN o.cur < {k} THEN o.cur ELSE -1 END) END AS f
                     FROM o LEFT JOIN (SELECT opportunity_id, max(code) AS top FROM hist
                                       WHERE code < {k} GROUP BY 1) v USING (opportunity_id)),
        counts AS (SELECT s.code, count(*) FILTER (WHERE f >= s.code) AS reached,
                          count(*) FILTER (WHERE f > s.code) AS advanced,
                          count(*) FILTER (WHERE status = 'open' AND f = s.code) AS still_open
                   FROM furthest, range({k}) s(code) GROUP BY s.code)
        SELECT c.code, cs.stage, reached, advanced, still_open,
               {_sql_ratio('advanced::DOUBLE', 'reached - still_open')} AS conversion,
               coalesce(backward_moves, 0) AS backward_moves, median_days_in_stage,
               p90_days_in_stage
        FROM counts c JOIN codes cs USING (code) LEFT JOIN per_stage USING (code)
        ORDER BY c.code""").df()
    out["win"] = con.sql(f"""
        SELECT rep, date_trunc('quarter', closed_at) AS period,
               count(*) FILTER (WHERE status = 'won') AS won,
               count(*) FILTER (WHERE status = 'lost') AS lost,
               won::DOUBLE / (won + lost) AS win_rate, {_sql_wilson('won', '(won + lost)')}
        FROM opportunities WHERE status IN ('won', 'lost') GROUP BY ALL ORDER BY ALL""").df()
    out["deals"] = con.sql(f"""
        SELECT rep, date_trunc('quarter', closed_at) AS period, count(*) AS won_deals,
               coalesce(sum(amount), 0) AS revenue,
               {_sql_ratio('coalesce(sum(amount), 0)', 'count(amount)')} AS avg_deal_size,
               avg((epoch_us(closed_at) - epoch_us(created_at)) / 86400e6) AS avg_cycle_days,
               median((epoch_us(closed_at) - epoch_us(created_at)) / 86400e6)
                   AS median_cycle_days
        FROM opportunities WHERE status = 'won' GROUP BY ALL ORDER BY ALL""").df()
    now = f"TIMESTAMP '{as_of:%Y-%m-01}'"
    by_stage = ", ".join(f"sum(CASE WHEN stage = '{s}' THEN coalesce(amount, 0) ELSE 0 END) "
                         f"AS \"pipeline_{s}\"" for s in stages)
    filled = ", ".join(f"CASE WHEN period >= {now} THEN coalesce(\"pipeline_{s}\", 0) END "
                       f"AS \"pipeline_{s}\"" for s in stages)
    out["quota"] = con.sql(f"""
        WITH q AS (SELECT rep, date_trunc('month', period)::TIMESTAMP AS period,
                          sum(quota) AS quota FROM quotas GROUP BY ALL),
        c AS (SELECT rep, date_trunc('month', closed_at)::TIMESTAMP AS period,
                     coalesce(sum(amount), 0) AS closed_won
              FROM opportunities WHERE status = 'won' GROUP BY ALL),
        p AS (SELECT rep, greatest(date_trunc('month', expected_close)::TIMESTAMP, {now})
                         AS period, sum(coalesce(amount, 0)) AS open_pipeline, {by_stage}
              FROM opportunities WHERE status = 'open' AND expected_close IS NOT NULL
              GROUP BY ALL),
        j AS (SELECT rep, period, quota, coalesce(closed_won, 0) AS closed_won,
                     CASE WHEN period >= {now} THEN coalesce(open_pipeline, 0) END
                         AS open_pipeline, {filled}
              FROM q FULL JOIN c USING (rep, period) FULL JOIN p USING (rep, period))
        SELECT *, {_sql_ratio('closed_won', 'quota')} AS attainment,
               greatest(quota - closed_won, 0) AS gap,
               {_sql_ratio('open_pipeline', 'greatest(quota - closed_won, 0)')} AS coverage
        FROM j ORDER BY rep, period""").df()
    con.close()
    return out


# --- Polars --------------------------------------------------------------------------------
def polars_load(folder: Path, fmt: str) -> dict:
    """The five tables as eager Polars frames (dates parsed, IDs as strings)."""
    import polars as pl

    out = {}
    for table, path in files(folder, fmt).items():
        if fmt == "csv":
            types = {c: pl.String for c in ID_TYPES.get(table, ())}
            types.update({c: pl.Datetime("us") for c in SPARSE_DATES.get(table, ())})
            frame = pl.read_csv(path, try_parse_dates=True, schema_overrides=types)
        else:
            frame = pl.read_parquet(path)
        out[table] = frame
    return out


def _pl_ratio(num, den):
    import polars as pl

    return pl.when(den != 0).then(num / den).otherwise(None)


def polars_dashboard(folder: Path, fmt: str, as_of, stages) -> dict:
    """Load with Polars, compute the six KPIs with lazy queries, return pandas frames."""
    import polars as pl

    d = polars_load(folder, fmt)
    ts = pl.Datetime("us")
    flag = lambda c: pl.col(c).cast(pl.Boolean).fill_null(False)  # noqa: E731
    acts = d["activities"].lazy()
    opps = d["opportunities"].lazy().with_columns(
        *(pl.col(c).cast(ts) for c in ("created_at", "closed_at", "expected_close")))
    first = (pl.col("kind") == "meeting") & flag("is_first_meeting")
    frames = {}
    frames["activity"] = (
        acts.group_by("rep", pl.col("at").cast(ts).dt.truncate("1w").alias("period"))
        .agg(outreach=pl.col("kind").is_in(OUTREACH).sum(), first_meetings=first.sum(),
             next_steps=(first & flag("next_step_scheduled")).sum())
        .with_columns(outreach_per_first_meeting=_pl_ratio(pl.col("outreach"),
                                                           pl.col("first_meetings")),
                      next_step_rate=_pl_ratio(pl.col("next_steps"), pl.col("first_meetings")))
        .sort("rep", "period"))
    met = acts.filter(first & pl.col("lead_id").is_not_null()).select("lead_id").unique()
    frames["source"] = (
        d["leads"].lazy().join(met.with_columns(hit=pl.lit(1)), on="lead_id", how="left")
        .group_by("source").agg(leads=pl.len(), first_meetings=pl.col("hit").count())
        .with_columns(first_meeting_rate=pl.col("first_meetings") / pl.col("leads"))
        .sort("source"))
    frames["stage"] = _polars_stages(pl, d, stages)
    closed = opps.filter(pl.col("status").is_in(["won", "lost"]))
    n = pl.col("won") + pl.col("lost")
    p, z2 = pl.col("won") / n, Z90 ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z90 / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
    frames["win"] = (
        closed.group_by("rep", pl.col("closed_at").dt.truncate("1q").alias("period"))
        .agg(won=(pl.col("status") == "won").sum(), lost=(pl.col("status") == "lost").sum())
        .with_columns(win_rate=p, ci_low=(centre - half).clip(0, 1),
                      ci_high=(centre + half).clip(0, 1)).sort("rep", "period"))
    won = opps.filter(pl.col("status") == "won")
    cycle = (pl.col("closed_at") - pl.col("created_at")).dt.total_microseconds() / 86400e6
    frames["deals"] = (
        won.group_by("rep", pl.col("closed_at").dt.truncate("1q").alias("period"))
        .agg(won_deals=pl.len(), revenue=pl.col("amount").sum(), priced=pl.col("amount").count(),
             avg_cycle_days=cycle.mean(), median_cycle_days=cycle.median())
        .with_columns(avg_deal_size=_pl_ratio(pl.col("revenue"), pl.col("priced")))
        .drop("priced").sort("rep", "period"))
    frames["quota"] = _polars_quota(pl, d["quotas"].lazy(), opps, as_of, stages)
    return {name: lazy.collect().to_pandas() for name, lazy in frames.items()}


def _polars_stages(pl, d: dict, stages) -> "pl.LazyFrame":
    k = len(stages)
    codes = pl.LazyFrame({"stage": [*stages, "Closed Won", "Closed Lost"],
                          "code": list(range(k + 2))}, schema={"stage": pl.String,
                                                               "code": pl.Int64})
    ts = pl.Datetime("us")
    opps = (d["opportunities"].lazy()
            .select("opportunity_id", "status", pl.col("closed_at").cast(ts), "stage")
            .join(codes, on="stage", how="left").rename({"code": "cur"}))
    hist = (d["stage_history"].lazy().with_row_index("rn")
            .join(codes, on="stage", how="inner")
            .filter(pl.col("entered_at").is_not_null())
            .join(opps.select("opportunity_id"), on="opportunity_id", how="semi")
            .select("opportunity_id", "code", pl.col("entered_at").cast(ts),
                    pl.col("rn").cast(pl.Int64), synthetic=pl.lit(0, pl.Int32)))
    last = hist.group_by("opportunity_id").agg(
        last_code=pl.col("code").sort_by("entered_at", "rn").last())
    term = (pl.when(pl.col("status") == "won").then(k)
            .when(pl.col("status") == "lost").then(k + 1).otherwise(None))
    synth = (opps.join(last, on="opportunity_id", how="left").with_columns(code=term)
             .filter(pl.col("code").is_not_null()
                     & (pl.col("last_code").is_null() | (pl.col("last_code") != pl.col("code"))))
             .select("opportunity_id", pl.col("code").cast(pl.Int64),
                     pl.col("closed_at").alias("entered_at"), rn=pl.lit(0, pl.Int64),
                     synthetic=pl.lit(1, pl.Int32)))
    rows = pl.concat([hist, synth]).sort("opportunity_id", "synthetic", "entered_at", "rn")
    same = pl.col("opportunity_id").shift(-1) == pl.col("opportunity_id")
    visits = (rows.with_columns(next_code=pl.when(same).then(pl.col("code").shift(-1)),
                                next_at=pl.when(same).then(pl.col("entered_at").shift(-1)))
              .filter(pl.col("code") < k)
              .with_columns(days=(pl.col("next_at") - pl.col("entered_at"))
                            .dt.total_microseconds() / 86400e6))
    per_stage = visits.group_by("code").agg(
        backward_moves=(pl.col("next_code") < pl.col("code")).sum(),
        median_days_in_stage=pl.col("days").median(),
        p90_days_in_stage=pl.col("days").quantile(0.9, interpolation="linear"))
    top = hist.filter(pl.col("code") < k).group_by("opportunity_id").agg(top=pl.col("code").max())
    cur_open = pl.when(pl.col("cur") < k).then(pl.col("cur")).otherwise(-1)
    furthest = (opps.join(top, on="opportunity_id", how="left").select(
        "status", f=pl.when(pl.col("status") == "won").then(k)
        .otherwise(pl.max_horizontal(pl.col("top").fill_null(-1), cur_open))))
    f = pl.col("f")
    counts = furthest.select(
        *[(f >= s).sum().alias(f"reached{s}") for s in range(k)],
        *[(f > s).sum().alias(f"advanced{s}") for s in range(k)],
        *[((pl.col("status") == "open") & (f == s)).sum().alias(f"still_open{s}")
          for s in range(k)])
    counts = pl.concat([counts.select(code=pl.lit(s, pl.Int64), stage=pl.lit(stages[s]),
                                      reached=pl.col(f"reached{s}"),
                                      advanced=pl.col(f"advanced{s}"),
                                      still_open=pl.col(f"still_open{s}")) for s in range(k)])
    return (counts.join(per_stage, on="code", how="left")
            .with_columns(conversion=_pl_ratio(pl.col("advanced"),
                                               pl.col("reached") - pl.col("still_open")),
                          backward_moves=pl.col("backward_moves").fill_null(0))
            .sort("code"))


def _polars_quota(pl, quotas, opps, as_of, stages) -> "pl.LazyFrame":
    ts, keys = pl.Datetime("us"), ["rep", "period"]
    q = (quotas.group_by("rep", pl.col("period").cast(ts).dt.truncate("1mo"))
         .agg(quota=pl.col("quota").sum()))
    c = (opps.filter(pl.col("status") == "won")
         .group_by("rep", period=pl.col("closed_at").dt.truncate("1mo"))
         .agg(closed_won=pl.col("amount").sum()))
    now = pl.lit(as_of.replace(day=1, hour=0, minute=0, second=0, microsecond=0)).cast(ts)
    amount = pl.col("amount").fill_null(0)
    p = (opps.filter((pl.col("status") == "open") & pl.col("expected_close").is_not_null())
         .group_by("rep", period=pl.max_horizontal(pl.col("expected_close").dt.truncate("1mo"),
                                                   now))
         .agg(open_pipeline=amount.sum(),
              *[pl.when(pl.col("stage") == s).then(amount).otherwise(0).sum()
                .alias(f"pipeline_{s}") for s in stages]))
    gap = (pl.col("quota") - pl.col("closed_won")).clip(lower_bound=0)
    pipe = ["open_pipeline", *(f"pipeline_{s}" for s in stages)]
    return (q.join(c, on=keys, how="full", coalesce=True)
            .join(p, on=keys, how="full", coalesce=True)
            .with_columns(pl.col("closed_won", *pipe).fill_null(0.0))
            .with_columns(pl.when(pl.col("period") >= now).then(pl.col(pipe)))
            .with_columns(attainment=_pl_ratio(pl.col("closed_won"), pl.col("quota")), gap=gap)
            .with_columns(coverage=_pl_ratio(pl.col("open_pipeline"), pl.col("gap")))
            .sort(keys))


# --- agreement -----------------------------------------------------------------------------
def summary(dash: dict) -> dict:
    """The numbers each dashboard must agree on (counts, sums, per-stage lists)."""
    def total(frame, column):
        return float(frame[column].astype("float64").sum(skipna=True))

    a, s, st = dash["activity"], dash["source"], dash["stage"]
    w, dl, q = dash["win"], dash["deals"], dash["quota"]
    won, lost = total(w, "won"), total(w, "lost")
    out = {"rep_weeks": len(a), "outreach": total(a, "outreach"),
           "first_meetings": total(a, "first_meetings"), "next_steps": total(a, "next_steps"),
           "leads_by_source": dict(zip(s["source"].astype(str), s["leads"].astype(float))),
           "met_by_source": dict(zip(s["source"].astype(str), s["first_meetings"].astype(float))),
           "rep_quarters": len(w), "won": won, "lost": lost, "win_rate": won / (won + lost),
           "ci_low_sum": total(w, "ci_low"), "deal_rows": len(dl),
           "revenue": total(dl, "revenue"), "median_cycle_sum": total(dl, "median_cycle_days"),
           "quota_rows": len(q), "quota": total(q, "quota"), "closed_won": total(q, "closed_won"),
           "open_pipeline": total(q, "open_pipeline"), "gap": total(q, "gap"),
           "coverage_sum": total(q, "coverage")}
    for column in ("reached", "advanced", "still_open", "backward_moves", "conversion",
                   "median_days_in_stage", "p90_days_in_stage"):
        out[column] = [float(v) for v in st[column].astype("float64")]
    for frame, column in ((a, "outreach_per_first_meeting"), (a, "next_step_rate"),
                          (w, "win_rate"), (w, "ci_high"), (dl, "avg_deal_size"),
                          (dl, "median_cycle_days"), (q, "attainment"), (q, "coverage")):
        values = frame[column].astype("float64").to_numpy()
        known = values[~np.isnan(values)]
        deciles = np.quantile(known, np.linspace(0, 1, 11)) if len(known) else []
        out[f"{column} deciles"] = [float(v) for v in deciles] + [float(len(known))]
    return out


def differences(mine: dict, theirs: dict, rel: float = 1e-6) -> list[str]:
    """Keys whose values differ beyond ``rel`` (NaN equals NaN)."""
    def same(x, y):
        if isinstance(x, dict):
            return x.keys() == y.keys() and all(same(x[key], y[key]) for key in x)
        if isinstance(x, list):
            return len(x) == len(y) and all(same(a, b) for a, b in zip(x, y))
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return math.isclose(x, y, rel_tol=rel, abs_tol=1e-9)

    return [key for key in mine if key not in theirs or not same(mine[key], theirs[key])]
