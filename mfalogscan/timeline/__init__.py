"""Time: stamps as written -> moments in UTC, or None with the reason; and the window a user asks for.

Takes the stamps the framings read (`stamps.Stamp`: fields as written, with
or without year and zone) and gives UTC datetimes: a source's
`clock.SourceClock` gathers them in stream order and resolves them at the
source's end (years for year-less stamps, the zone assumed for zone-less
ones, the source's span). `policy` reads --since/--until/--as-of/--timezone
and writes the UTC stamps of findings. Nothing here reads a file.
"""
