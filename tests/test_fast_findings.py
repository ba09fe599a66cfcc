"""The speed-ups of issue 11 (the cost of a finding) change nothing but speed: each is checked against the plain way."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mfalogscan.model import FINDING_FIELDS, Finding, SourceStatus, assemble, evolve
from mfalogscan.timeline.policy import instant

from .conftest import AUTH, CHANGE, OTHER, native, sample_lines
from .helpers import run

# Any text a log can hold once decoded, lone surrogates included (UTF-16 logs, surrogatepass).
texts = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=30)
maybe_texts = st.none() | texts
maybe_ints = st.none() | st.integers(-(2**70), 2**70)

findings = st.builds(
    Finding,
    user=texts, matched=texts, source=texts, line=st.integers(0, 2**40), offset=st.integers(0, 2**40),
    timestamp=maybe_texts, timestamp_raw=maybe_texts, category=texts, kind=texts, role=texts, rule=maybe_texts,
    quoted=st.booleans(), format=texts, component=maybe_texts, text=texts, text_truncated=st.booleans(),
    message=texts, level=maybe_texts, pid=maybe_ints, tid=maybe_ints, request_id=maybe_texts,
    call_status=maybe_texts, field=maybe_texts, record_line=st.none() | st.integers(0, 2**40),
    details=st.dictionaries(texts, texts, max_size=4), event=maybe_texts, duplicate_of=maybe_texts,
    past_retention=st.none() | st.booleans(), message_key=texts,
)
values = st.none() | st.booleans() | st.integers() | texts | st.dictionaries(texts, texts, max_size=2)
FIELD_NAMES = [f.name for f in dataclasses.fields(Finding)]


def same(a, b) -> bool:
    """Equal as objects and in every stored attribute, in the same order (message_key is not compared by ==)."""
    return type(a) is type(b) and a == b and list(vars(a).items()) == list(vars(b).items())


@given(findings, st.dictionaries(st.sampled_from(FIELD_NAMES), values))
def test_evolve_builds_what_replace_builds(finding, changes):
    before = dict(vars(finding))
    assert same(evolve(finding, **changes), dataclasses.replace(finding, **changes))
    assert vars(finding) == before  # the original is untouched


def test_evolve_copies_source_statuses_and_refuses_what_replace_refuses():
    s = SourceStatus("a.log", "scanned", issues=("x",))
    assert same(evolve(s, findings=3, mentions={"jdoe": 1}), dataclasses.replace(s, findings=3, mentions={"jdoe": 1}))
    with pytest.raises(TypeError):
        evolve(s, no_such_field=1)
    with pytest.raises(TypeError):
        dataclasses.replace(s, no_such_field=1)


def test_evolve_will_not_copy_a_class_whose_init_does_more_than_store_fields():
    @dataclasses.dataclass(frozen=True)
    class Checked:
        a: int

        def __post_init__(self):
            pass

    @dataclasses.dataclass(frozen=True)
    class Derived:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    for obj in (Checked(1), Derived(1)):
        with pytest.raises(TypeError):
            evolve(obj, a=2)


def test_finding_fields_are_the_output_order():
    assert FINDING_FIELDS == tuple(n for n in FIELD_NAMES if n != "message_key")


@given(findings)
def test_assemble_builds_what_the_constructor_builds(finding):
    values = dict(vars(finding))
    assert same(assemble(Finding, dict(values)), Finding(**values))
    with pytest.raises(TypeError):
        assemble(Finding, {k: v for k, v in values.items() if k != "event"})
    with pytest.raises(TypeError):
        assemble(Finding, {**values, "no_such_field": 1})


def test_scanned_findings_hold_their_fields_in_field_order(tmp_path):
    log = tmp_path / "a.log"
    log.write_text("\n".join(sample_lines(30)) + "\n", encoding="utf-8")
    report = run(str(log), "jdoe", list_mentions=True)
    assert report.findings
    for f in report.findings:
        assert same(f, Finding(**vars(f)))
        assert list(vars(f)) == FIELD_NAMES


# Lines naming jdoe quoted, as a mention, on a continuation line, on a line that does not parse; and others.
log_lines = st.lists(
    st.one_of(
        st.builds(lambda s: native(CHANGE, s), st.integers(0, 3599)),
        st.builds(lambda s: native(AUTH, s), st.integers(0, 3599)),
        st.builds(lambda s: native(OTHER, s), st.integers(0, 3599)),
        st.just("   at Pfsvc.Check(jdoe)"),
        st.just('   user "jdoe" in a trace'),
    ),
    min_size=1,
    max_size=25,
)


@given(log_lines, st.none() | st.integers(0, 3599), st.none() | st.integers(0, 3599), st.booleans())
def test_mentions_counted_without_a_finding_are_counted_as_listed_ones(lines, since, until, listed):
    """Without --mentions a mention is only counted: the counts are what listing every finding says."""
    import os
    import tempfile

    from mfalogscan.timeline.policy import TimePolicy

    def at(s):
        return None if s is None else datetime(2024, 3, 7, 18, s // 60, s % 60, tzinfo=timezone.utc)

    fd, path = tempfile.mkstemp(suffix=".log")
    try:
        os.write(fd, ("\n".join(lines) + "\n").encode())
        os.close(fd)
        everything = run(path, "jdoe", list_mentions=True).findings
        window = TimePolicy(since=at(since), until=at(until))
        got = run(path, "jdoe", list_mentions=listed, time=window)
    finally:
        os.unlink(path)

    def inside(f):
        return f.timestamp is None or window.in_window(instant(f.timestamp))

    source = got.sources[0]
    unquoted_inside = sum(1 for f in everything if not f.quoted and inside(f))
    counted_outside = sum(1 for f in everything if (f.quoted or listed) and not inside(f))
    assert source.mentions == ({"jdoe": unquoted_inside} if unquoted_inside else {})
    assert source.outside_window == ({"jdoe": counted_outside} if counted_outside else {})
    expected = [(f.line, f.quoted, f.rule, f.timestamp) for f in everything if (f.quoted or listed) and inside(f)]
    assert [(f.line, f.quoted, f.rule, f.timestamp) for f in got.findings] == expected
