"""The scan: sources in, findings and source statuses out, in a stable order.

Takes a ScanConfig and gives, source by source, each source's findings in
line order and then its SourceStatus (`pipeline.scan_events`). One source
is scanned end to end by `source.scan_found` in named steps, each owned by
the package it belongs to: sniffing (sources, framings), the candidate
search (search), findings (`findings`: exact check, record, rules),
times (timeline), the status (`status`). `reading` brings a unit's bytes
to the search (read ahead, hashed, counted, decoded); `binary` counts raw
matches in a file judged binary; `parallel` runs sources in worker
processes with the output of a serial run. Nothing here prints or links
findings across sources: that is evidence's.
"""
