#!/usr/bin/env python3
"""Coverage-guided fuzzing of the readers, decoders and framings with atheris (not part of the test run).

    pip install atheris
    python3 fuzz/atheris_scan.py /tmp/fuzz-work tests/fuzz_corpus -max_total_time=600

Each input is written to a file and scanned for two names with small chunks
and a small line limit, so seams and long lines are reached by short inputs.
Any exception that escapes scan() is a bug: atheris stops and writes the
input to crash-*; turn it into a regression test (tests/fuzz_corpus/, the seeds, keeps
such inputs, replayed by tests/test_fuzz.py). Sources reported with an
"internal error" are bugs too, and are raised here as one.
"""

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    # The package imports its parts lazily: import them here so that they are instrumented.
    import mfalogscan.scanning.findings  # noqa: F401
    import mfalogscan.framings.csv_export  # noqa: F401
    import mfalogscan.framings.kiwi  # noqa: F401
    import mfalogscan.framings.native  # noqa: F401
    import mfalogscan.framings.rfc5424  # noqa: F401
    import mfalogscan.framings.syslog  # noqa: F401
    import mfalogscan.search.headcount  # noqa: F401
    import mfalogscan.search.linescan  # noqa: F401
    import mfalogscan.search.linestats  # noqa: F401
    import mfalogscan.search.match  # noqa: F401
    import mfalogscan.scanning.pipeline  # noqa: F401
    import mfalogscan.search.readahead  # noqa: F401
    import mfalogscan.sources.decode  # noqa: F401
    import mfalogscan.sources.openers  # noqa: F401
    import mfalogscan.sources.streams  # noqa: F401
    import mfalogscan.search.streamsearch  # noqa: F401
    import mfalogscan.timeline.stamps  # noqa: F401
    import mfalogscan.timeline.clock  # noqa: F401
    import mfalogscan.scanning.source  # noqa: F401
    from mfalogscan import ScanConfig, Subject, scan

_FD, _PATH = tempfile.mkstemp(suffix=".log")
os.close(_FD)


def one_input(data: bytes) -> None:
    if len(data) < 1:
        return
    # The first byte chooses the chunk size, so seams move with the input.
    chunk = 1 + data[0] * 7
    with open(_PATH, "wb") as f:
        f.write(data[1:])
    report = scan(ScanConfig(paths=(_PATH,), subjects=(Subject("jdoe"), Subject("straße", ("K\u212aate",))),
                             chunk_size=chunk, max_line=512, list_mentions=True))
    for s in report.sources:
        if s.reason and "internal error" in s.reason:
            raise RuntimeError(s.reason)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
