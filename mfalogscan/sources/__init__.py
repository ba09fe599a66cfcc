"""Sources: paths in, byte streams out, each with what could not be read.

Takes the paths a user gave and gives `openers.Unit`s: one per text stream
to scan (a file, a decompressed layer, an archive member), each a
`peek.PeekReader` with its name (`ARCHIVE!MEMBER`), stored size and times,
and the issues met while reading it; plus a SourceStatus for whatever is
not scanned (a folder's unreadable entry, a skipped member), with why.

- `discover`: paths -> files, in sorted order; what is not a regular file is listed with why.
- `openers`, `streams`, `budget`: magic-byte detection of gzip, bzip2, xz
  and zip, decompression that keeps what precedes damage, and the bomb guard;
  `tar` and `sevenz` read the members of tar and 7z archives (`sevenz_header`:
  what a 7z's own headers tell before py7zr is asked).
- `snapshot`: a file read as it was when opened, and what changed meanwhile.
- `decode`: which encoding a stream is in (`Layout`), binary or text;
  `codepage` (cp1252 told from broken UTF-8, for a sample or a line) and
  `utf16` (the byte order without a BOM, and UTF-16 kept in step after an
  odd NUL run) make its guesses.
- `transcode`: UTF-16/32 to UTF-8 with offsets mapped back to the stored bytes.
- `lineends`: LF, CRLF and a lone CR all end a line, decided as the bytes come.
"""
