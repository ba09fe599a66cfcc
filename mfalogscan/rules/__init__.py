"""Classification: a Record's message -> category, kind and role, with rules kept as data.

`load` reads the shipped `default.toml` and any --rules files (errors name
the file, line and rule) into a RuleSet with its SHA-256; `classify` gives
the verdict for one message (user-change, operational, or unclassified,
never guessed) and how the searched person appears in it.
"""
