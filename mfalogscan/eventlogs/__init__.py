"""Windows event logs: binary EVTX files and Event Viewer's exports, read into `EventRecord`s.

Event logs are not lines: a record is a BinXML document (EVTX) or an XML
element, a CSV row or a text block (exports), and names are field values,
not quoted text. So these sources do not go through `search` and
`framings`; each reader here gives `EventRecord`s (and `ReadProblem`s for
what it could not read), and `scanning.eventscan` matches and classifies them.
"""
