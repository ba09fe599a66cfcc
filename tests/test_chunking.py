"""The reader's property: findings never depend on how the stream is chunked."""

import os
import tempfile

from hypothesis import given
from hypothesis import strategies as st

from .conftest import AUTH, CHANGE, OTHER, gzip_bytes, native, text_bytes
from .helpers import keyed, run

MAX_LINE = 300  # small, so that generated lines cross it both ways

line_kinds = st.one_of(
    st.builds(lambda s: native(CHANGE, s), st.integers(0, 3599)),
    st.builds(lambda s: native(AUTH, s), st.integers(0, 3599)),
    st.builds(lambda s: native(OTHER, s), st.integers(0, 3599)),
    st.just('   at trace line "jdoe" here'),
    st.just("   at plain trace"),
    st.just(""),
    st.builds(lambda n, m: "x" * n + ' "JDoe" ' + "y" * m, st.integers(0, 900), st.integers(0, 900)),
    st.builds(lambda n: native("z" * n + ' user "jdoe" ' + "w" * n, 1), st.integers(100, 700)),
    st.text(alphabet="ab \"'jdoe", max_size=30),
)


def scan_bytes(data: bytes, chunk: int):
    fd, path = tempfile.mkstemp(suffix=".log")
    try:
        os.write(fd, data)
        os.close(fd)
        return run(path, "jdoe", list_mentions=True, chunk_size=chunk, max_line=MAX_LINE)
    finally:
        os.unlink(path)


@given(
    st.lists(line_kinds, min_size=1, max_size=25),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["utf-8", "utf-16-le"]),
    st.booleans(),
    st.integers(1, 9000),
)
def test_any_chunk_size_gives_the_same_findings(lines, newline, encoding, compress, chunk):
    data = text_bytes(lines, newline, encoding, bom=encoding != "utf-8")
    if compress:
        data = gzip_bytes(data)
    reference = scan_bytes(data, 1 << 20)
    other = scan_bytes(data, chunk)
    assert keyed(other) == keyed(reference)
    assert other.sources[0].lines == reference.sources[0].lines == len(lines)
    assert other.sources[0].unparsed_lines == reference.sources[0].unparsed_lines
    span = lambda r: (r.sources[0].first_timestamp, r.sources[0].last_timestamp)  # noqa: E731
    assert span(other) == span(reference)
    # Every line holding a quoted "jdoe" (in any case) is found.
    quoted_lines = {i + 1 for i, line in enumerate(lines) if '"jdoe"' in line.lower()}
    assert {f.line for f in reference.findings if f.quoted} == quoted_lines


def test_names_straddling_every_chunk_boundary():
    data = text_bytes([native(CHANGE, i) for i in range(40)])
    reference = keyed(scan_bytes(data, 1 << 20))
    assert len(reference) == 40
    for chunk in range(1, 140):
        assert keyed(scan_bytes(data, chunk)) == reference, chunk


def test_a_record_head_far_behind_a_chunk_boundary():
    lines = [native("Exception", 5, level="e")] + ["   at frame %d" % i for i in range(500)] + ['   at "jdoe"']
    data = text_bytes(lines)
    for chunk in (7, 512, 4096, 1 << 20):
        f = scan_bytes(data, chunk).findings[0]
        assert (f.line, f.record_line, f.level) == (502, 1, "e"), chunk


def test_long_line_shorter_than_the_guard_with_small_chunks():
    """Regression: a long line under ~10 KB once lost findings and shifted offsets with small chunks."""
    data = b"x" * 3000 + b' "jdoe" ' + b"y" * 7000 + b'\nnext "jdoe"\n'
    expected = [(1, 0), (2, 10009)]
    for chunk in (1, 100, 8192, 1 << 20):
        got = [(f.line, f.offset) for f in scan_bytes(data, chunk).findings]
        assert got == expected, chunk


@given(
    st.lists(
        st.one_of(
            st.builds(lambda n, m: "a" * n + ' "jdoe" ' + "b" * m, st.integers(0, 12000), st.integers(0, 12000)),
            st.builds(lambda s: native(CHANGE, s), st.integers(0, 59)),
            st.just('   at "jdoe"'),
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(1, 20000),
)
def test_lines_around_the_window_and_guard_sizes(lines, chunk):
    data = text_bytes(lines)
    reference = scan_bytes(data, 1 << 20)
    assert keyed(scan_bytes(data, chunk)) == keyed(reference)
    assert [f.line for f in reference.findings] == list(range(1, len(lines) + 1))
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line.encode()) + 1)
    assert [f.offset for f in reference.findings] == starts


@given(
    st.lists(st.one_of(line_kinds, st.text(alphabet='ab "\'jdoeJDOE\u212a\u017fí', max_size=40)), min_size=1, max_size=20),
    st.sampled_from(["utf-8", "utf-16-le"]),
    st.integers(1, 5000),
)
def test_the_fast_path_gives_byte_identical_findings_to_the_plain_path(lines, encoding, chunk):
    data = text_bytes(lines, "\n", encoding, bom=encoding != "utf-8")
    fd, path = tempfile.mkstemp(suffix=".log")
    try:
        os.write(fd, data)
        os.close(fd)
        users = ("jdoe", "kate", "straße")
        fast = run(path, *users, list_mentions=True, chunk_size=chunk, max_line=MAX_LINE)
        plain = run(path, *users, list_mentions=True, chunk_size=chunk, max_line=MAX_LINE, fast=False)
    finally:
        os.unlink(path)
    assert [f.to_dict() for f in fast.findings] == [f.to_dict() for f in plain.findings]
