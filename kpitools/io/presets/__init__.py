"""CRM export presets as plain data, one module per CRM: which file feeds which table, and what
its columns mean.

Nothing here runs; :func:`kpitools.load_crm` reads these dicts through the mapping engine
(:mod:`kpitools.io.engine`). Headers are matched ignoring case, spaces, ``_`` and ``-``
("Close Date" = "close_date" = "CloseDate"); a canonical column whose own name is a header is
always found, so only differences need listing.

One preset: ``label``, ``export`` (where to click), ``stages`` (open stages in order),
``tables``, and optionally ``closed_won`` / ``closed_lost`` (stage labels that close a deal,
besides "Closed Won" / "Closed Lost"), ``ids`` (``"salesforce"``: every ID column compared on
15 characters), ``lookups`` (name → file globs of files used only to join) and ``ignore``
(file glob → why it is not data). One table:

``files``
    Globs on the lower-case file (or Excel sheet) name.
``signatures``
    Header tuples; a file holding every header of one tuple belongs to the table.
``not``
    Header tuples; a file holding every header of one tuple is not this table's, whatever
    its name or signature.
``columns``
    Canonical column → alternatives, the first that applies wins. A string is a header copied
    as is; a dict is a rule (see :data:`kpitools.io.engine.RULES`):
    ``{"header": h, "map": {...}, "default": v}`` (a value map; ``"keep_prefix": p`` keeps
    only IDs starting with p), ``{"coalesce": (h1, h2)}`` (first non-blank),
    ``{"flags": {"won": h1, "lost": h2}}`` or ``{"flags": {"won": h1, "closed": h2}}`` (the
    status from the CRM's own outcome flags), ``{"status_from_stage": True}`` (the status from
    the stage label: open stages, closed-won and closed-lost labels), ``{"by_status": {status:
    h}, "else": h}`` (h only on rows with that status), ``{"const": v}``, ``{"file": {glob:
    v}}``, ``{"has_header": {h: v}}``, ``{"percent": h}`` (0–100 scale detected and divided by
    100), ``{"row_number": True}`` ("<file>#<row>" as ID). A ``"note"`` key is added to the
    quality report when the rule is used.
``values``
    Canonical column → {raw value (any case): value}; ``""`` is a blank cell, ``"*"`` any other.
``joins``
    ``{"file": lookup or table, "on": header or (left, right), "add": {header: new name},
    "loose": True, "ids": "salesforce", "only_if": header}``; loose keys ignore case and
    spaces and take the other file's spelling.
``unpivot``
    ``{"from": table, "pattern": regex with a ``stage`` group, "id": canonical id column}``:
    one row per non-blank cell of every matching column (HubSpot's "Date entered" columns).
``notes``
    Sentences added to the quality report when the table is loaded.

Examples
--------
>>> from kpitools.io.presets import PRESETS
>>> sorted(PRESETS)
['dynamics365', 'hubspot', 'maven', 'olist', 'pipedrive', 'salesforce', 'zoho']
>>> PRESETS["pipedrive"]["tables"]["opportunities"]["columns"]["amount"]
('Deal - Value',)
"""
from kpitools.io.presets.datasets import MAVEN, OLIST
from kpitools.io.presets.dynamics365 import DYNAMICS365
from kpitools.io.presets.hubspot import HUBSPOT
from kpitools.io.presets.pipedrive import PIPEDRIVE
from kpitools.io.presets.salesforce import SALESFORCE
from kpitools.io.presets.zoho import ZOHO

PRESETS: dict[str, dict] = {"salesforce": SALESFORCE, "hubspot": HUBSPOT, "pipedrive": PIPEDRIVE,
                            "dynamics365": DYNAMICS365, "zoho": ZOHO, "maven": MAVEN,
                            "olist": OLIST}
CRMS = ("salesforce", "hubspot", "pipedrive", "dynamics365", "zoho")
