"""Columns of another file added by key (Maven's teams, a Salesforce User file), and HubSpot's
"Date entered" columns turned into stage-history rows."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kpitools.io.engine import Part
from kpitools.io.labels import header_index, header_key, map_values, text


def join(piece, join_spec, raw_by_name, log) -> pd.DataFrame:
    """Add columns of another file by key, one value per row (never adds or drops rows)."""
    frame, label = piece.frame.copy(), piece.label
    if "only_if" in join_spec and not piece.header(join_spec["only_if"]):
        return frame
    on = join_spec["on"]
    left, right = (on, on) if isinstance(on, str) else on
    add, name = join_spec["add"], join_spec["file"]
    other = raw_by_name.get(name)
    left_header = piece.header(left)
    right_index = {} if other is None else header_index(other.columns)
    right_header = right_index.get(header_key(right))
    if left_header is None or right_header is None:
        if "only_if" in join_spec:
            log.note(f"{label}: {left_header!r} kept as it is (no {name} file with "
                 f"{right!r} to look it up in); export that file too to see names.")
            return frame
        log.note(f"{label}: no {name} file with {right!r} to join: "
                 f"{', '.join(add.values())} left blank.")
        for new in add.values():
            frame[new if new not in frame else f"{new} ({name})"] = np.nan
        return frame

    def norm(values):
        values = values.astype("string").str.strip()
        if join_spec.get("loose"):
            values = values.str.casefold().str.replace(r"[\s_\-]+", "", regex=True)
        if join_spec.get("ids") == "salesforce":
            values = values.where(~values.str.fullmatch(r"[A-Za-z0-9]{18}").fillna(False),
                                  values.str.slice(0, 15))
        return values

    keys = norm(other[right_header])
    duplicate = (keys.duplicated() & keys.ne("")).fillna(False).astype(bool)
    if duplicate.any():
        log.note(f"{name}: {int(duplicate.sum())} repeated {right_header!r} values; the "
                 "first of each is used in the join.")
    lookup = other[~duplicate.to_numpy()].set_index(keys[~duplicate].to_numpy())
    left_keys = norm(frame[left_header])
    blank = left_keys.eq("").fillna(True).astype(bool)
    matched = left_keys.isin(lookup.index).fillna(False).astype(bool) & ~blank
    if join_spec.get("loose"):
        spelled = left_keys.map(lookup[right_header]).astype("string")
        differs = (matched & spelled.ne(frame[left_header].astype("string").str.strip())
                   ).fillna(False).astype(bool)
        for before, after in sorted(set(zip(frame[left_header][differs], spelled[differs]))):
            count = int((frame[left_header][differs] == before).sum())
            log.note(f"{label}: {left_header} {before!r} written {after!r} as in the "
                     f"{name} file ({count:,} rows), so the join keeps every row.")
        frame[left_header] = frame[left_header].where(~differs, spelled)
    added = []
    for source, new in add.items():
        target = new if new not in frame else f"{new} ({name})"
        header = right_index.get(header_key(source))
        values = left_keys.map(lookup[header]) if header else pd.Series(np.nan, frame.index)
        frame[target] = text(values.where(matched, np.nan))
        added.append(target)
    for mask, why in ((blank, f"a blank {left_header!r}"),
                      (~matched & ~blank, f"a {left_header!r} not found in the {name} file")):
        if mask.any():
            examples = sorted(set(frame[left_header][mask].dropna().astype(str)) - {""})[:3]
            log.note(f"{label}: {int(mask.sum()):,} rows have {why}"
                     f"{f' (e.g. {examples})' if examples else ''}: "
                     f"{', '.join(added)} left blank there.")
    return frame


def unpivot(parts, spec, tspec, labels, log) -> list[Part]:
    """One stage-history row per filled 'Date entered "<stage> (<pipeline>)"' cell (dates as
    the file writes them; the load parses every date column alike)."""
    pattern, made = re.compile(spec["pattern"]), []
    for part in parts:
        for column in part.frame.columns:
            match = pattern.match(str(column))
            if not match:
                continue
            cells = part.frame[column].astype("string").str.strip()
            filled = (cells.notna() & cells.ne("")).to_numpy()
            stage = map_values(pd.Series([match["stage"]]), tspec.get("values", {}).get("stage"),
                               part.file, "stage_history.stage", log)
            stage = labels.spell(stage).iloc[0]
            frame = pd.DataFrame({
                "opportunity_id": part.frame[spec["id"]].to_numpy()[filled],
                "stage": stage,
                "entered_at": text(cells[filled]).reset_index(drop=True),
                "pipeline": match.groupdict().get("pipeline")})
            # The cell is the row's origin: (file row, this column) names it in the report.
            made.append(Part(frame, part.file, part.rows[filled],
                             dict.fromkeys(("opportunity_id", "stage", "entered_at"), column),
                             part.modified))
    if not made:
        log.note(f"{', '.join(p.file for p in parts)}: no columns like "
                 f"'Date entered \"<stage> (<pipeline>)\"', so no stage history; add the "
                 "'Date entered' properties to the export to get it.")
    return made
