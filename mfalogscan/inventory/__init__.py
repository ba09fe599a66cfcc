"""The data map (issue 16): every person the logs hold, with no names given, and what is kept past retention.

`inventory(config)` is two passes over the same sources: the first finds
the identities (`scanning.identities`), the second is a scan with each of
them as a subject, so the map counts exactly what a scan for that name
finds. `DataMap` is the result (`datamap.py`).
"""

from .datamap import DataMap, IdentityEntry, inventory

__all__ = ["DataMap", "IdentityEntry", "inventory"]
