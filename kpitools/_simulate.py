"""The simulation behind ``kpitools.sample.generate``, all in numpy arrays of codes and business
minutes: the sample's calendar, team and categories (re-exported by ``kpitools.sample``), the model
parameters, the business clock, and one function per step (reps, leads, outreach and first
meetings, opportunities, stage paths, deal meetings, other activities, quotas, expected close).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools.schema import KINDS

SAMPLE_TODAY = pd.Timestamp("2024-12-13")
SAMPLE_START = SAMPLE_TODAY - pd.DateOffset(months=12)
REP_NAMES = ("Amara Okafor", "Lukas Berg", "Mei Lin", "Diego Alvarez", "Priya Nair",
             "Jonas Kalnins", "Sofia Rossi", "Kwame Mensah", "Leila Haddad", "Sam Carter",
             "Yuki Tanaka", "Elena Petrova", "Omar Farouk", "Hannah Schmidt", "Mateus Costa",
             "Aisha Bello", "Ravi Patel", "Ingrid Larsen", "Tomas Novak", "Chloe Martin")
NEW_REP = "Sam Carter"  # joined three months before SAMPLE_TODAY (whenever there are 2+ reps)
NEW_REP_START = SAMPLE_TODAY - pd.DateOffset(months=3)
SOURCES = ("Inbound web", "Referral", "Outbound", "Event", "Partner")
REGIONS = ("EMEA", "North America", "APAC", "LATAM")
SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
PRODUCTS = ("Starter", "Professional", "Enterprise Suite", "Analytics Add-on")
LOSS_REASONS = ("No budget", "Not a fit", "No decision", "Chose competitor", "Price", "Timing",
                "No response")

# --- model parameters --------------------------------------------------------------------------
_SRC = {  # per source, in SOURCES order: Referral best, Outbound worst
    "share": np.array([0.30, 0.10, 0.32, 0.13, 0.15]),
    "first_meeting": np.array([0.32, 0.45, 0.20, 0.26, 0.30]),
    "touches_booked": np.array([3.5, 3.0, 5.0, 4.0, 4.0]),    # outreach before a first meeting
    "touches_unbooked": np.array([6.0, 5.0, 6.0, 6.0, 6.0]),  # a cadence that never books
    "next_step": np.array([1.0, 1.2, 0.85, 0.95, 1.05]),
    "win": np.array([1.0, 1.4, 0.75, 0.9, 1.1]),
    "mql": np.array([0.8, 0.9, 0.3, 0.65, 0.7]),
}
_SEG = {  # per segment: SMB, Mid-Market, Enterprise
    "share": np.array([0.5, 0.35, 0.15]), "first_meeting": np.array([1.05, 1.0, 0.85]),
    "win": np.array([1.1, 1.0, 0.8]), "median_amount": np.array([8000.0, 16000.0, 40000.0]),
    "pace": np.array([0.8, 1.1, 1.6]),
    "product": np.array([[0.6, 0.3, 0.0, 0.1], [0.15, 0.6, 0.1, 0.15], [0.0, 0.25, 0.6, 0.15]]),
}
_STAGE_DAYS = np.array([6.0, 9.0, 10.0, 8.0])      # median business days per visit
_LOSS_STAGE = np.array([0.3, 0.3, 0.25, 0.15])     # where lost deals are lost
_LOSS_REASON = np.array([[0.35, 0.35, 0.2, 0.1, 0, 0, 0], [0.3, 0.15, 0.3, 0.25, 0, 0, 0],  # per
                         [0.1, 0, 0.25, 0.3, 0.3, 0.05, 0], [0.05, 0, 0.15, 0.3, 0.35, 0.15, 0]])
_MEETING_CHANCE = np.array([0.55, 0.85, 0.85, 0.75])  # a meeting during a stage visit
_LEAD_ACTIVITIES = 45_000  # outreach + first meetings at scale 1
_OTHER_ACTIVITIES = 3_000  # admin, internal meetings, training at scale 1
# channel_detail per kind: (labels, usual weights, weights on the touch that booked a meeting)
_DETAILS = {
    "call": (("Cold call", "Follow-up call", "Voicemail"), (0.45, 0.35, 0.2), (0.35, 0.6, 0.05)),
    "email": (("Template A: pain point", "Template B: case study", "Template C: short ask",
               "Follow-up email"), (0.3, 0.25, 0.25, 0.2), (0.2, 0.4, 0.25, 0.15)),
    "social": (("LinkedIn InMail", "LinkedIn connection", "LinkedIn comment"), (0.45, 0.35, 0.2),
               (0.6, 0.3, 0.1)),
    "event": (("Trade show", "Webinar", "Customer meetup"), (0.4, 0.35, 0.25), (0.45, 0.25, 0.3)),
    "meeting": (("Video call", "On-site visit", "Qualification call", "Discovery workshop", "Demo",
                 "Proposal review", "Negotiation call"), (1, 0, 0, 0, 0, 0, 0), None),
    "other": (("Internal meeting", "CRM update", "Proposal preparation", "Training"),
              (0.3, 0.3, 0.25, 0.15), None),
}
_DETAIL_LABELS = np.array([d for k in KINDS for d in _DETAILS[k][0]], dtype=object)
_DETAIL_START = dict(zip(KINDS, np.cumsum([0] + [len(_DETAILS[k][0]) for k in KINDS])))
_MEETING = _DETAIL_START["meeting"]  # + 0 video, 1 on-site, 2 qualification ... 6 negotiation
_STAGE_MEETING = np.array([2, 3, 4, 6]) + _MEETING  # Propose alternates Demo / Proposal review

# --- business clock: int64 minutes since SAMPLE_START, 600 per weekday -----------------------
_DAY = 600
_START_D = np.datetime64(SAMPLE_START.date(), "D")
_END = int(np.busday_count(_START_D, np.datetime64(SAMPLE_TODAY.date(), "D"))) * _DAY
_NEW_T = int(np.busday_count(_START_D, np.datetime64(NEW_REP_START.date(), "D"))) * _DAY


def _clock(t: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Business minutes → datetime64[us] timestamps (NaT where ``missing``)."""
    t = np.asarray(t, dtype=np.int64)
    days = np.busday_offset(_START_D, t // _DAY, roll="forward").astype("datetime64[m]")
    out = (days + (480 + t % _DAY).astype("timedelta64[m]")).astype("datetime64[us]")
    if missing is not None:
        out[missing] = np.datetime64("NaT", "us")
    return out


def _minutes(business_days: np.ndarray, at_least: int = 0) -> np.ndarray:
    return np.maximum(at_least, np.floor(business_days * _DAY)).astype(np.int64)


def _pick(rng, cdf: np.ndarray) -> np.ndarray:
    """One category per row from per-row cumulative probabilities (n × k)."""
    u = rng.random(len(cdf))
    code = np.zeros(len(cdf), dtype=np.int64)
    for column in range(cdf.shape[1] - 1):  # loop over categories, not rows
        code += u >= cdf[:, column]
    return code


def _cdf(p) -> np.ndarray:
    p = np.asarray(p, dtype="float64")
    return np.cumsum(p / p.sum(axis=-1, keepdims=True), axis=-1)


def _ids(prefix: str, n: int) -> np.ndarray:
    """'L000001'-style IDs (1-based, zero-padded to at least 6 digits) as an object array."""
    width = max(6, len(str(n)))
    number = np.arange(1, n + 1, dtype=np.int64)
    chars = np.empty((n, len(prefix) + width), dtype=np.uint32)
    chars[:, :len(prefix)] = [ord(c) for c in prefix]
    for position in range(len(prefix) + width - 1, len(prefix) - 1, -1):
        number, digit = np.divmod(number, 10)
        chars[:, position] = digit + 48
    return chars.view(f"<U{len(prefix) + width}").ravel().astype(object)


def _take(labels, codes: np.ndarray) -> np.ndarray:
    """labels[codes] as an object array, NaN where the code is -1."""
    labels = np.concatenate([np.asarray(labels, dtype=object), np.array([np.nan], dtype=object)])
    return labels[codes]  # code -1 picks the NaN at the end


# --- the simulation ------------------------------------------------------------------------
def _rep_names(n: int) -> np.ndarray:
    index = np.arange(n)
    if 1 < n <= 10:
        index[-1] = REP_NAMES.index(NEW_REP)
    names = np.array(REP_NAMES, dtype=object)[index % len(REP_NAMES)]
    over = index >= len(REP_NAMES)
    names[over] = names[over] + " " + (index[over] // len(REP_NAMES) + 1).astype(str).astype(object)
    return names


def _reps(n: int, rng) -> dict:
    names = _rep_names(n)
    start = np.where((names == NEW_REP) & (n > 1), _NEW_T, 0)
    return {"name": names, "start": start, "span": _END - start,
            "volume": rng.lognormal(0, 0.2, n), "persistence": rng.uniform(0.8, 1.3, n),
            "booking": rng.lognormal(0, 0.2, n), "next_step": rng.uniform(0.42, 0.68, n),
            "win": rng.uniform(0.26, 0.46, n), "pace": rng.uniform(0.8, 1.25, n),
            "mix": _cdf(rng.dirichlet([8, 9, 4, 2], n)), "home": rng.integers(0, 4, n),
            "target": rng.uniform(0.65, 1.15, n)}


def _leads(reps: dict, scale: float, rng) -> dict:
    # Each rep has an activity capacity; persistent reps work fewer leads more deeply.
    booked = np.clip(_SRC["first_meeting"] * reps["booking"][:, None], 0.02, 0.9)
    per_lead = (booked * (_SRC["touches_booked"] * reps["persistence"][:, None] + 1)
                + (1 - booked) * _SRC["touches_unbooked"] * reps["persistence"][:, None])
    capacity = reps["volume"] * reps["span"]
    count = rng.poisson(_LEAD_ACTIVITIES * scale * capacity / capacity.sum()
                        / (per_lead @ _SRC["share"]))
    rep = np.repeat(np.arange(len(count)), count)
    created = reps["start"][rep] + (rng.random(len(rep)) * reps["span"][rep]).astype(np.int64)
    order = np.argsort(created, kind="stable")  # lead IDs follow creation time
    rep, created, m = rep[order], created[order], len(rep)
    return {"rep": rep, "t": created, "source": rng.choice(5, m, p=_SRC["share"]),
            "region": np.where(rng.random(m) < 0.85, reps["home"][rep], rng.integers(0, 4, m)),
            "segment": rng.choice(3, m, p=_SEG["share"])}


def _outreach(leads: dict, reps: dict, rng) -> tuple[dict, dict]:
    rep, src, created, m = leads["rep"], leads["source"], leads["t"], len(leads["rep"])
    p = np.clip(_SRC["first_meeting"][src] * reps["booking"][rep] * _SEG["first_meeting"][
        leads["segment"]], 0.02, 0.9)
    books = rng.random(m) < p
    mean = np.where(books, _SRC["touches_booked"][src], _SRC["touches_unbooked"][src])
    k = 1 + rng.poisson(np.maximum(mean * reps["persistence"][rep] - 1, 0))
    lead = np.repeat(np.arange(m), k)
    n = len(lead)
    first_of = np.cumsum(k) - k
    last_of = first_of + k - 1
    first = np.zeros(n, dtype=bool)
    first[first_of] = True
    gap = np.where(first, _minutes(rng.exponential(0.4, n), 0) + 10,
                   _minutes(rng.exponential(2.5, n), 0) + 30)
    walked = np.cumsum(gap)
    t = created[lead] + walked - np.repeat(walked[first_of] - gap[first_of], k)
    meet_t = t[last_of] + _minutes(rng.exponential(2.0, m)) + 60
    met = books & (meet_t < _END)
    touch_rep = rep[lead]
    kind = _pick(rng, reps["mix"][touch_rep])
    kind[first & (src[lead] == SOURCES.index("Event")) & (rng.random(n) < 0.7)] = 3
    booking = np.zeros(n, dtype=bool)
    booking[last_of[met]] = True
    detail = np.zeros(n, dtype=np.int64)
    for code, name in enumerate(KINDS[:4]):  # loop over the four outreach kinds
        labels, usual, booked = _DETAILS[name]
        rows = np.flatnonzero(kind == code)
        cdf = np.where(booking[rows][:, None], _cdf(booked), _cdf(usual))
        detail[rows] = _DETAIL_START[name] + _pick(rng, cdf)
    keep = t < _END
    touches = {"rep": touch_rep[keep], "t": t[keep], "kind": kind[keep], "lead": lead[keep],
               "detail": detail[keep]}
    who = np.flatnonzero(met)
    rate = np.clip(reps["next_step"][rep[who]] * _SRC["next_step"][src[who]], 0.05, 0.95)
    firsts = {"rep": rep[who], "t": meet_t[who], "lead": who,
              "next_step": rng.random(len(who)) < rate,
              "detail": _MEETING + (rng.random(len(who)) < 0.3)}  # video call or on-site visit
    # marketing- and sales-qualified: MQL soon after creation, SQL at the first meeting
    mql_flag = rng.random(m) < _SRC["mql"][src]
    room = np.where(met, np.minimum(1200, (meet_t - created) // 2), 1200)
    leads["mql"] = np.minimum(created + (rng.random(m) * room).astype(np.int64), _END - 1)
    leads["mql_missing"] = ~mql_flag
    leads["sql"] = meet_t
    leads["sql_missing"] = ~(mql_flag & met)
    return touches, firsts


def _opportunities(firsts: dict, leads: dict, reps: dict, rng) -> dict:
    convert = firsts["next_step"] & (rng.random(len(firsts["t"])) < 0.95)
    lead = firsts["lead"][convert]
    created = firsts["t"][convert] + _minutes(rng.exponential(0.8, len(lead)))
    lead, created = lead[created < _END], created[created < _END]
    # a few deals come without a lead: partner registrations, referrals straight to the rep
    extra = rng.poisson(0.07 * np.bincount(leads["rep"][lead], minlength=len(reps["name"])))
    xrep = np.repeat(np.arange(len(extra)), extra)
    xcreated = reps["start"][xrep] + (rng.random(len(xrep)) * reps["span"][xrep]).astype(np.int64)
    # the open pipeline the team brought along when it started: entered in the first week,
    # already at any stage
    carried = rng.poisson(0.12 * np.bincount(leads["rep"][lead], minlength=len(extra))
                          * (reps["start"] == 0))
    crep = np.repeat(np.arange(len(carried)), carried)
    xrep = np.concatenate([xrep, crep])
    x, c = len(xrep), len(crep)
    out = {"rep": np.concatenate([leads["rep"][lead], xrep]),
           "t": np.concatenate([created, xcreated, rng.integers(0, 5 * _DAY, c)]),
           "lead": np.concatenate([lead, np.full(x, -1)]),
           "source": np.concatenate([leads["source"][lead], rng.choice(5, x, p=_SRC["share"])]),
           "region": np.concatenate([leads["region"][lead], reps["home"][xrep]]),
           "segment": np.concatenate([leads["segment"][lead], rng.choice(3, x, p=_SEG["share"])]),
           "entry": np.concatenate([np.zeros(len(lead) + x - c, dtype=np.int64),
                                    rng.choice(4, c, p=[0.35, 0.25, 0.22, 0.18])])}
    order = np.argsort(out["t"], kind="stable")
    out = {key: value[order] for key, value in out.items()}
    o, seg = len(order), out["segment"]
    out["amount"] = np.round(_SEG["median_amount"][seg] * rng.lognormal(0, 0.5, o))
    out["product"] = _pick(rng, _cdf(_SEG["product"])[seg])
    return out


def _stages(opps: dict, reps: dict, rng) -> dict:
    """Stage paths: skips, backward moves and stalls; closes after the last visit."""
    o, rep, seg = len(opps["t"]), opps["rep"], opps["segment"]
    stall = rng.random(o) < 0.10
    p_win = np.clip(reps["win"][rep] * _SRC["win"][opps["source"]] * _SEG["win"][seg], 0.02, 0.9)
    won = ~stall & (rng.random(o) < p_win)
    entry = opps["entry"]
    final = np.where(won, 3, np.maximum(entry, rng.choice(4, o, p=_LOSS_STAGE)))
    skip = np.where((rng.random(o) < 0.12) & (final >= 2),
                    1 + (rng.random(o) * (final - 1)).astype(int), -1)
    skip = np.where(skip > entry, skip, -1)
    frm = 1 + (rng.random(o) * final).astype(int)  # a backward move from here, to `to`
    frm = np.where(frm == skip, final, frm)
    back = (rng.random(o) < 0.12) & (final >= 1) & (frm > entry)
    to = frm - 1 - ((rng.random(o) < 0.15) & (frm >= 2))
    # six candidate visits: the four stages in order, then "back to `to`" and "again `frm`"
    order_key = np.column_stack([np.tile(np.arange(4.0), (o, 1)), frm + 0.3, frm + 0.6])
    stage = np.column_stack([np.tile(np.arange(4), (o, 1)), to, frm])
    valid = np.column_stack([(np.arange(4) <= final[:, None]) & (np.arange(4) != skip[:, None])
                             & (np.arange(4) >= entry[:, None]), back, back])
    days = (_STAGE_DAYS[stage] * (reps["pace"][rep] * _SEG["pace"][seg])[:, None]
            * rng.lognormal(0, 0.6, (o, 6)))
    days[:, 4:] *= 0.6
    sort = np.argsort(np.where(valid, order_key, np.inf), axis=1, kind="stable")
    stage, valid, days = (np.take_along_axis(a, sort, axis=1) for a in (stage, valid, days))
    last = valid.sum(axis=1) - 1
    days[np.arange(o), last] *= np.where(stall, rng.uniform(4, 10, o), np.where(won, 1.0, 0.7))
    spent = np.where(valid, _minutes(days, 60), 0)
    entered = opps["t"][:, None] + np.cumsum(spent, axis=1) - spent
    close = opps["t"] + spent.sum(axis=1)
    is_open = close >= _END
    seen = valid & (entered < _END)
    status = np.where(is_open, 0, np.where(won, 1, 2))
    return {"stage": stage, "entered": entered, "spent": spent, "seen": seen, "close": close,
            "status": status, "final": final, "stall": stall,
            "current": stage[np.arange(o), seen.sum(axis=1) - 1],
            "last_entered": entered[np.arange(o), seen.sum(axis=1) - 1],
            "no_history": (status == 1) & (rng.random(o) < 0.03)}


def _deal_activities(deals: dict, opps: dict, rng) -> dict:
    """Meetings during stage visits (opportunity_id set, no lead_id)."""
    seen = deals["seen"] & ~deals["no_history"][:, None]
    opp, col = np.nonzero(seen)
    stage = deals["stage"][opp, col]
    entered = deals["entered"][opp, col]
    end = np.minimum(entered + deals["spent"][opp, col], _END)
    once = rng.random(len(opp)) < _MEETING_CHANCE[stage]
    twice = once & (stage >= 2) & (rng.random(len(opp)) < 0.35)
    which = np.concatenate([np.flatnonzero(once), np.flatnonzero(twice)])
    t = entered[which] + (rng.uniform(0.05, 0.95, len(which)) * (end - entered)[which]).astype(
        np.int64)
    detail = _STAGE_MEETING[stage[which]] - ((stage[which] == 2) & (rng.random(len(which)) < 0.5))
    return {"rep": opps["rep"][opp[which]], "t": t, "opp": opp[which], "detail": detail}


def _other(reps: dict, scale: float, rng) -> dict:
    count = rng.poisson(_OTHER_ACTIVITIES * scale * reps["span"] / reps["span"].sum())
    rep = np.repeat(np.arange(len(count)), count)
    t = reps["start"][rep] + (rng.random(len(rep)) * reps["span"][rep]).astype(np.int64)
    weights = np.array(_DETAILS["other"][1])
    detail = rng.choice(len(weights), len(rep), p=weights / weights.sum())
    return {"rep": rep, "t": t, "detail": _DETAIL_START["other"] + detail}


def _month(t: np.ndarray) -> np.ndarray:
    """Month index since SAMPLE_START's month (0 = December 2023)."""
    return (_clock(t).astype("datetime64[M]") - _START_D.astype("datetime64[M]")).astype(np.int64)


def _quotas(opps: dict, deals: dict, reps: dict) -> dict:
    """Monthly quotas: each rep's steady won revenue / target attainment, ramped while starting."""
    n, months = len(reps["name"]), int(_month(np.array([_END - 1]))[0]) + 1
    start = _month(reps["start"])
    won = deals["status"] == 1
    k = _month(deals["close"][won]) - start[opps["rep"][won]]
    revenue = np.bincount(opps["rep"][won] * months + k, weights=opps["amount"][won],
                          minlength=n * months).reshape(n, months)
    settled = start == 0
    steady = revenue[:, 4:months - 1].mean(axis=1)
    ramp = np.ones(months)
    if steady[settled].sum() > 0:
        ramp[:4] = np.clip(revenue[settled, :4].sum(axis=0) / steady[settled].sum(), 0.1, 1)
    quota = steady / reps["target"]
    fallback = 0.8 * np.median(quota[settled & (quota > 0)]) if (quota[settled] > 0).any() else 5e4
    quota = np.maximum(1000, np.round(np.where(settled & (quota > 0), quota, fallback), -3))
    count = months - start
    rep = np.repeat(np.arange(n), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    period = (_START_D.astype("datetime64[M]") + (start[rep] + k)).astype("datetime64[us]")
    return {"rep": rep, "period": period,
            "quota": np.maximum(100.0, np.round(quota[rep] * ramp[k], -2))}


def _expected_close(opps: dict, deals: dict, rng) -> np.ndarray:
    """Open deals: a few weeks overdue (stalled) to ~3 months out; closed deals: near the close."""
    o = len(opps["t"])
    today = np.datetime64(SAMPLE_TODAY.date(), "D")
    stalled = (_END - deals["last_entered"]) > 30 * _DAY
    ahead = np.where(stalled, rng.integers(-42, -6, o),
                     -14 + (3 - deals["current"]) * 22 + rng.integers(0, 36, o))
    created = _clock(opps["t"]).astype("datetime64[D]")
    planned = np.maximum(today + ahead, created + 7)
    closed = _clock(deals["close"]).astype("datetime64[D]") + rng.integers(-14, 22, o)
    return np.where(deals["status"] == 0, planned, closed).astype("datetime64[us]")
