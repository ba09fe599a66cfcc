"""The data map (issue 16): every person the logs hold, with no names given, and what is kept past retention.

`inventory(config)` reads every unit once: the census (`census.py`) counts a
native UTF-8 MultiFactorAuthSvc.log in that one read; every other unit is
read for its identities and then scanned with every identity as a subject
(the reference path). The map counts exactly the findings a scan for each
name finds. `DataMap` is the result (`datamap.py`).
"""

from .datamap import DataMap, IdentityEntry, inventory

__all__ = ["DataMap", "IdentityEntry", "inventory"]
