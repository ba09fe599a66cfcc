"""The census (inventory.census) against the reference path: the same map, line for line, on logs made here."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from mfalogscan.config import ScanConfig, Subject
from mfalogscan.inventory import inventory
from mfalogscan.inventory.census import Census
from mfalogscan.inventory.census_lines import RulePlan
from mfalogscan.inventory.tally import MapTally, when_key
from mfalogscan.rules.load import load_rules

AS_OF = datetime(2026, 12, 1, tzinfo=timezone.utc)


def native(stamp: str, message: str, component: str = "pfsvc", guid: bool = False) -> str:
    g = "|2760e0c0-f07c-6e7d-3b98-2e7ae11ea1f9" if guid else ""
    return f"{stamp}|i|2960|4036|{component}{g}|{message}"


def _maps(paths, subjects=(), **kw):
    cfg = ScanConfig(paths=tuple(str(p) for p in paths), subjects=tuple(subjects), discovering=True, as_of=AS_OF,
                     **kw)
    fast, slow = inventory(cfg), inventory(cfg, census=False)
    return fast, slow


SPAN = ("first_timestamp", "last_timestamp")


def _view(m, spans: bool = True, keys=None):
    """Everything the census must give as the reference does. Apart (checked in `assert_same`): the mentions and
    the sources an identity is in, and so a source's count of identities (the census's are the records naming it,
    the scan's every unquoted occurrence), and the spans of sources (the census's of every line, the scan's of
    its samples). With nobody found, the reference runs no scan and knows no span (`spans` False): rotation sets
    are left out then."""
    ids = {e.key: {k: v for k, v in e.to_dict().items() if k not in ("mentions", "sources", "mentions_past_retention")}
           for e in m.identities if keys is None or e.key in keys}
    left_out = ("identities", "identities_past_retention") + (SPAN if spans else SPAN + ("rotation_set",))
    sources = [{k: v for k, v in s.to_dict().items() if k not in left_out} for s in m.sources]
    rotations = [{k: v for k, v in r.to_dict().items() if k not in SPAN} for r in m.rotation_sets] if spans else []
    return ids, sources, rotations, m.skipped_names


def _within(fast, slow) -> None:
    """The census's span holds the scan's: the oldest and the newest of every line, not of the samples."""
    for f, s in zip(fast.sources + fast.rotation_sets, slow.sources + slow.rotation_sets):
        if s.first_timestamp is not None:
            assert f.first_timestamp <= s.first_timestamp and f.last_timestamp >= s.last_timestamp


def assert_same(paths, subjects=(), **kw):
    fast, slow = _maps(paths, subjects, **kw)
    try:
        spans = slow.report is not None
        slow_ids = {e.key: e for e in slow.identities}
        assert _view(fast, spans, slow_ids) == _view(slow, spans)
        _within(fast, slow)
        extra = 0
        for e in fast.identities:
            s = slow_ids.get(e.key)
            if s is None:  # a name no scan finds (written in a mixed Unicode form): only its unquoted records
                assert e.findings == 0, e.identity
                extra += 1
                continue
            # records naming it unquoted, and the files holding them: never more than a scan's unquoted
            # occurrences and the files holding those
            assert e.mentions <= s.mentions and set(e.sources) <= set(s.sources), e.identity
        for f, s in zip(fast.sources, slow.sources):
            assert f.identities <= s.identities + extra, f.path
            # those with findings past retention there, and in the census those a record past it names unquoted
            assert f.identities_past_retention >= s.identities_past_retention, f.path
        return fast
    finally:
        fast.close()
        slow.close()


LINES = [
    native("2026-11-20T10:00:00.000000Z", 'User "CONTOSO\\admin" changed user "JDoe" value Phone from "1" to "2".'),
    native("2026-11-20T10:01:00.000000Z", 'User "CONTOSO\\admin" added new user "jdoe"'),
    native("2026-11-20T10:02:00.5Z", 'User "CONTOSO\\admin" added new user "Jos\u00e9"'),
    native("2026-11-20T10:03:00Z", 'User "Jose\u0301" deleted user record "jdoe"'),
    native("2026-11-20T10:04:00.000000Z", "Pfauth succeeded for user 'alice' from 10.0.0.1. Call status: "
           'SUCCESS_NO_PIN - "Only # Entered".', guid=True),
    # "bob@x" is quoted (a changed value) before any record makes it an identity: it waits, then counts.
    native("2026-11-20T10:05:00.000000Z", 'User "CONTOSO\\admin" changed user "carol" value Email from "bob@x" '
           'to "carol@x".'),
    native("2026-11-20T10:06:00.000000Z", 'User "bob@x" changed OATH Token "T1" value Enabled from "0" to "1".'),
    "   at Pfsvc.Process(\"jdoe\") in frame.cs:line 12",  # a continuation: the record above's
    native("2026-02-30T10:07:00.000000Z", 'User "CONTOSO\\admin" added new user "nodate"'),  # no such day
    native("2026-11-20T10:08:00.000000Z", "validate_oath_code: user dave updated authentication result. "
           "callStatus = OATH Code Correct"),  # named without quotes
    native("2026-11-20T10:09:00.000000Z", 'Something "jdoe" nobody has a rule for'),  # unclassified
    native("2026-11-20T10:10:00.000000Z", 'User "CONTOSO\\admin" changed user "CONTOSO\\admin" value PIN '
           'from "a" to "b".'),  # self
    native("2026-11-20T10:11:00.000000Z", 'User "Eve" changed user "eve" value Phone from "x" to "y".'),  # self too
    native("2026-01-05T08:00:00.000000Z", 'User "CONTOSO\\admin" changed user "olduser" value Email from "a" to "b".'),
    "no head here, quoting \"jdoe\"",
]


def test_the_census_gives_the_references_map_on_a_log_with_every_kind_of_line(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    log.write_bytes(("junk before any record \"jdoe\"\r\n" + "\r\n".join(LINES) + "\r\n").encode())
    (tmp_path / "MultiFactorAuthSvc.log.1").write_bytes(("\n".join(LINES[-3:]) + "\n").encode())
    m = assert_same([tmp_path])
    got = {e.identity: (e.findings, dict(e.by_role)) for e in m.identities}
    assert got["bob@x"] == (2, {"mentioned": 1, "target": 1})
    assert got["CONTOSO\\admin"][1]["self"] == 1 and got["Eve"] == (2, {"self": 2})  # in both files
    # the four user-change lines, the continuation, the unclassified line, the plain lines (once in the backup)
    assert got["JDoe"][0] == 8, got["JDoe"]
    assert "dave" in got


def test_users_file_persons_group_their_names_as_in_the_reference(tmp_path):
    (tmp_path / "MultiFactorAuthSvc.log").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    persons = [Subject("jdoe", aliases=("CONTOSO\\admin",)), Subject("nobody@here")]
    m = assert_same([tmp_path], persons)
    entry = next(e for e in m.identities if e.identity == "jdoe")
    assert entry.by_role.get("self") and entry.aliases == ("CONTOSO\\admin",)
    assert any(e.identity == "nobody@here" and e.findings == 0 for e in m.identities)


def test_units_the_census_cannot_read_take_the_reference_path(tmp_path):
    long = native("2026-11-20T10:00:00.000000Z", 'User "CONTOSO\\admin" added new user "longline" ' + "x" * 5000)
    (tmp_path / "a" ).mkdir()
    (tmp_path / "a" / "MultiFactorAuthSvc.log").write_text(long + "\n" + LINES[0] + "\n", encoding="utf-8")
    nul = native("2026-11-20T10:00:00.000000Z", 'User "CONTOSO\\admin" added new user "nul\x00user"')
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "MultiFactorAuthSvc.log").write_bytes((nul + "\n" + LINES[1] + "\n").encode())
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "MultiFactorAuthSvc.log").write_bytes(
        (LINES[0] + "\n").encode() + native("2026-11-20T10:00:00Z", 'User "CONTOSO\\admin" added new user "Jos\xe9"')
        .encode("cp1252") + b"\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "MultiFactorAuthSvc.log").write_bytes("\n".join(LINES).encode("utf-16"))
    m = assert_same([tmp_path], max_line=4096)
    names = {e.identity for e in m.identities}
    assert {"longline", "Jos\u00e9", "JDoe"} <= names
    # the code-page line is read as the scan reads it; a long line, a NUL inside a line, UTF-16: the reference
    assert {p.rsplit("/", 2)[-2] for p in m.census_units} == {"c"}


def _census_of(text: str) -> Census:
    from mfalogscan.framings.native import FRAMING

    tally = MapTally(when_key(AS_OF))
    c = Census(1, tally, RulePlan(load_rules()), FRAMING, {}, [], {}, 1 << 20, True, False, 0.5, {})
    c.lines(text.encode(), False)
    c.flush()
    assert c.failed is None
    return c


def test_the_census_counts_one_finding_per_line_and_person():
    c = _census_of(native("2026-11-20T10:00:00.000000Z", 'User "a" changed user "T" value Email from "T" to "t"')
                   + "\n")
    person = c.tally.people["t"]
    assert person.findings == 1 and person.counts == {(0, "target"): 1}


NAMES = ["jdoe", "JDoe", "Jos\u00e9", "Jose\u0301", "CONTOSO\\admin", "alice@contoso.com", "ALICE@contoso.com", "bob"]
TEMPLATES = [
    'User "{a}" changed user "{b}" value Phone from "{c}" to "x".',
    'User "{a}" added new user "{b}"',
    'User "{a}" deleted user record "{b}"',
    'User "{b}" added new User Mobile App Device',
    "Pfauth succeeded for user '{b}' from 10.0.0.1. Call status: SUCCESS_NO_PIN - \"PIN Entered\".",
    "Primary auth succeeded for user '{b}'",
    'validate_oath_code: user "{b}" updated authentication result. callStatus = OATH Code Correct',
    "validate_oath_code: user {b} updated authentication result.",
    'Calling pfAuthUser(\'{b}\')',
    'One-time bypass for "{b}" by "{a}"',
    'Nothing "{a}" for "{b}" at all',
    "   at frame(\"{b}\")",
    "plain {a} line",
]
STAMPS = ["2026-11-20T10:00:00.000000Z", "2026-11-20T10:00:01Z", "2025-01-01T00:00:00.123Z", "2026-02-29T00:00:00Z",
          "2024-02-29T00:00:00.1234567Z"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(STAMPS), st.sampled_from(TEMPLATES), st.sampled_from(NAMES),
                          st.sampled_from(NAMES), st.sampled_from(NAMES + ["+1 425", ""]),
                          st.sampled_from(["\n", "\r\n"])), min_size=1, max_size=25))
def test_random_native_logs_give_the_references_map(tmp_path_factory, lines):
    folder = tmp_path_factory.mktemp("log")
    text = ""
    for stamp, template, a, b, c, end in lines:
        message = template.format(a=a, b=b, c=c)
        text += (message if message.startswith(("   ", "plain")) else native(stamp, message)) + end
    (folder / "MultiFactorAuthSvc.log").write_bytes(text.encode())
    assert_same([folder])


def test_an_identitys_unquoted_records_count_under_every_spelling(tmp_path):
    auth = "Pfauth succeeded for user '{}' from 10.0.0.1. Call status: SUCCESS_NO_PIN - \"PIN Entered\"."
    (tmp_path / "MultiFactorAuthSvc.log").write_text("\n".join(
        native(f"2026-11-20T10:0{i}:00Z", auth.format(name)) for i, name in enumerate(["alice", "ALICE", "Alice"]))
        + "\n", encoding="utf-8")
    m = assert_same([tmp_path])
    assert [(e.identity, e.findings, e.mentions) for e in m.identities] == [("alice", 0, 3)]


def test_both_cores_on_a_big_unit_give_the_same_map(tmp_path, monkeypatch):
    from mfalogscan.inventory import census_pool

    monkeypatch.setattr(census_pool, "POOL_FROM", 1)
    monkeypatch.setattr(census_pool, "BLOCK", 300)  # a block every few lines: heads and continuations across them
    lines = LINES * 8
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "MultiFactorAuthSvc.log").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    (tmp_path / "b").mkdir()  # a NUL in a block: the worker gives the unit up, and it takes the reference path
    (tmp_path / "b" / "MultiFactorAuthSvc.log").write_bytes(("\n".join(lines[:20] + ["x\x00y"] + lines) + "\n").encode())
    cfg = dict(paths=(str(tmp_path),), subjects=(), discovering=True, as_of=AS_OF)
    one, two = inventory(ScanConfig(**cfg)), inventory(ScanConfig(**cfg, jobs=2))
    try:
        assert [e.to_dict() for e in one.identities] == [e.to_dict() for e in two.identities]
        assert [s.to_dict() for s in one.sources] == [s.to_dict() for s in two.sources]
        assert {p.rsplit("/", 2)[-2] for p in two.census_units} == {"a"}
    finally:
        one.close()
        two.close()
    assert_same([tmp_path], jobs=2)


def test_waiting_findings_keep_their_order_in_memory_and_on_disk():
    from mfalogscan.scanning.spill import Spill

    spill = Spill(limit=3)
    spill.extend([1, 2])
    spill.extend([3, 4, 5])
    spill.append(6)
    spill.extend([7])
    try:
        assert list(spill) == [1, 2, 3, 4, 5, 6, 7]
    finally:
        spill.close()


def test_a_line_longer_than_max_line_gives_a_pooled_unit_up_and_says_so(tmp_path, monkeypatch):
    from mfalogscan.inventory import census_pool

    monkeypatch.setattr(census_pool, "POOL_FROM", 1)
    monkeypatch.setattr(census_pool, "BLOCK", 300)
    (tmp_path / "MultiFactorAuthSvc.log").write_bytes(
        ("\n".join(LINES) + "\n" + "z" * 20_000 + "\n" + "\n".join(LINES) + "\n").encode())
    m = assert_same([tmp_path], jobs=2, max_line=4096)
    assert not m.census_units and "longer than --max-line" in next(iter(m.given_up.values()))


def test_the_command_says_which_files_it_counted_the_slow_way(tmp_path):
    from typer.testing import CliRunner

    from mfalogscan.cli import app

    (tmp_path / "MultiFactorAuthSvc.log").write_bytes(("\n".join(LINES) + "\nx\x00y\n").encode())
    got = CliRunner().invoke(app, ["inventory", str(tmp_path), "-f", "csv", "--as-of", "2026-12-01"])
    assert got.exit_code == 0
    assert "MultiFactorAuthSvc.log: counted the slow way (the fast reading gave it up: NUL bytes inside lines)" \
        in got.stderr
