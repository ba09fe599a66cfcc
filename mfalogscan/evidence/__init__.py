"""What a whole scan proves: the Report, events across sources, and its verification.

Takes the stream of findings and statuses from `scanning` and gives a
finished `report.Report`: findings linked into events across sources
(`events`: one change seen in the native log, syslog and an export is one
event, with its original and duplicates), copies and rotation sets of
sources annotated, retention marked, per-person summaries. `document` is
the report as one JSON-ready document; `verify` scans again and compares a
report file with it, part by part. Printers read what this gives.
"""
