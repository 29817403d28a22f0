"""Pieces several presets share."""

STATUS_FROM_STAGE = {"status_from_stage": True}
ACTIVITY_NOTE = ("{label} exports planned activities too: all are kept; filter on the export's "
                 "done/status column to count only completed ones.")
DIRECTION = {"inbound": "inbound", "incoming": "inbound", "outbound": "outbound",
             "outgoing": "outbound", "*": ""}
