"""The search engine: raw bytes in, candidate lines out; decoding comes after.

Takes a source's byte chunks in its search encoding (UTF-8 or an
ASCII-compatible code page; UTF-16/32 arrive transcoded) and gives the
lines where a searched name may be, with their line numbers and byte
offsets in the stored bytes, plus the counts of lines and of lines that do
not start a record. Nothing here parses a record or knows a finding.

- `match`: where names may be in raw bytes (`ByteFinder`, a prefilter that
  never misses: the spans one search for every case variant of every name
  would give) and the exact check on a decoded line (`NameMatcher.analyze`:
  quoted, mention or near miss); `casefold`: the case variants they share.
- `automaton`: the prefilter's engine: buffer and names under one byte
  transform that merges case variants, searched by an Aho-Corasick automaton
  (`ahocorasick_rs`, without the GIL; its cost does not grow with the names),
  or where that is missing by `literals` (the same search in plain Python:
  an expression of the names' first bytes and a dict); `trie`: many literal
  keys as one regular expression (the plain reference, and names with too
  many case forms).
- `streamsearch`, `readahead`: the same search run ahead on a second thread,
  chunk by chunk, with exact seams between chunks.
- `codepage`: the code-page forms of names over ASCII, searched too once a
  UTF-8 source shows bytes that are not UTF-8.
- `linescan`: candidates -> whole lines (bounded windows of long lines),
  record heads of continuation lines, samples for the source's span.
- `linestats`, `headcount`: counting lines and record heads fast (NumPy when
  installed, a literal count otherwise), exactly.
"""
