"""The speed-ups of issue 11 (the cost of a finding) change nothing but speed: each is checked against the plain way."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
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


def test_copies_and_assembled_findings_take_no_more_memory_than_constructed_ones():
    import sys

    f = Finding("jdoe", "jdoe", "a.log", 1, 0, None, None, "c", "k", "subject", None, True, "native", None, "text")
    built = sys.getsizeof(vars(f))
    assert sys.getsizeof(vars(evolve(f, timestamp="2024-03-07T18:20:20Z"))) == built  # the class's shared keys
    assert sys.getsizeof(vars(assemble(Finding, dict(vars(f))))) == built


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


# --- Classification: the literal prefilter of the shipped rules ---

from mfalogscan.rules.classify import classify  # noqa: E402
from mfalogscan.rules.load import RuleSet, load_rules, required_literals  # noqa: E402

RULES = load_rules()
EXAMPLES = [
    'User "CONTOSO\\admin" changed user "jdoe" value Phone from "555" to "556".',
    'User "jdoe" changed User "kchen" value Enabled from True to False',
    'User "NT AUTHORITY\\SYSTEM" added new user "jdoe".',
    'User "CONTOSO\\admin" deleted user record "jdoe".',
    'User "jdoe" added new User Mobile App Device "iPhone".',
    'User "jdoe" deleted User Mobile App Device record "iPhone".',
    'User "jdoe" changed OATH Token serial 123 value enabled',
    "Pfauth failed for user 'jdoe' from 10.0.0.1. Call status: FAILED_FRAUD_CODE_ENTERED - \"Fraud\".",
    "Primary auth type 'LDAP' requested for user 'jdoe'",
    "Primary auth succeeded for user 'jdoe'",
    "Failed LDAP auth for user 'jdoe' Logon failure.",
    'validate_oath_code: user "jdoe" updated authentication result. callStatus = OATH Code Incorrect',
    "validate_security_question_answers: user jdoe updated authentication result.",
    "Calling pfAuthUser('CONTOSO\\jdoe', '', 1)",
    'One-time bypass created for user "jdoe" for 300 seconds.',
    'Sending SMS to user "jdoe"',
]


def unfiltered(rules: RuleSet) -> RuleSet:
    """The same rules, every pattern always run (the plain path)."""
    return dataclasses.replace(rules, rules=tuple(dataclasses.replace(r, prefilter=False) for r in rules.rules))


def is_jdoe(value):
    return value.lower().rsplit("\\", 1)[-1] == "jdoe"


def test_the_shipped_rules_have_literals_to_check_and_user_rules_none(tmp_path):
    literals = {r.id: [lits for _, lits in r.checks] for r in RULES.rules}
    assert literals["user-change.value-changed"] == [('" changed ', '" value ', " from ", 'User "', 'ser "', " to ")]
    assert literals["operational.primary-auth"][2] == (" auth for user '", "Failed ", "'")
    assert literals["operational.bypass"] == [()]  # (?i): no literal is safe
    assert literals["nps.user-not-found"] == [()]  # alternatives: no literal is in every match
    assert all(lits for r in RULES.rules if r.id not in ("operational.bypass", "nps.user-not-found") for _, lits in r.checks)
    assert literals["nps.event"] == literals["adfs.trace"] == []  # scoped to their event logs: no pattern at all
    f = tmp_path / "mine.toml"
    f.write_text('[[rule]]\nid = "mine"\ncategory = "operational"\nkind = "k"\npattern = \'Sending SMS\'\n')
    mine = load_rules([str(f)]).rules[0]
    assert mine.checks == ((mine.patterns[0], ()),)


# Messages: the examples with characters dropped, doubled or changed, and the parts of the rules spliced in.
pieces = st.sampled_from(['User "', '" changed ', "user ", "'jdoe'", '"jdoe"', " value ", " from ", " to ", ".", "Pfauth ",
                          " for user '", "Primary auth ", "Failed ", "validate_oath_code: user ", " updated authentication result",
                          "Calling pfAuthUser('", "bypass", "a", '"', "'", " "])


@st.composite
def messages(draw):
    text = list(draw(st.sampled_from(EXAMPLES)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["drop", "insert", "double"]))
        if how == "drop" and at < len(text):
            del text[at]
        elif how == "insert":
            text[at:at] = draw(pieces)
        elif at < len(text):
            text.insert(at, text[at])
    return "".join(text)


@given(messages(), st.sampled_from([None, "pfsvc", "pfrad"]))
def test_classification_is_the_same_with_and_without_the_prefilter(message, component):
    fast = classify(RULES, message, component, is_jdoe)
    plain = classify(unfiltered(RULES), message, component, is_jdoe)
    assert fast == plain and list(fast.details.items()) == list(plain.details.items())


# Patterns of every kind of part (literals, escapes, classes, groups, alternations, quantifiers, flags),
# each drawn with a text it matches: atom -> the texts one occurrence of it may match.
ATOMS = {
    "a": ["a"], "b": ["b"], "x": ["x"], " ": [" "], ":": [":"], '"': ['"'], "'": ["'"], "\\.": ["."], "\\-": ["-"],
    "\\'": ["'"], '\\"': ['"'], "\\d": ["1", "7"], "\\b": [""], "\\s": [" "], "\\w": ["a", "_"], "\\x61": ["a"],
    "\\N{LATIN SMALL LETTER A}": ["a"], "\\p{L}": ["b"], ".": ["a", " ", '"'], "^": [""], "$": [""], "[ab]": ["a", "b"],
    "[^a]": ["b", '"'], "[]a]": ["]", "a"], "[a-x]": ["c"], "(?:a|b)": ["a", "b"], '(?P<actor>[^"]*)': ["", "ab", "x y"],
    "(ab)": ["ab"], "(?=a)": [""], "(?!b)": [""], "\\L<names>": ["a", "ab"], "(?i)": [""],
}
LITERALS = ["a", "b", "x", " ", ":", '"', "'", "\\.", "\\-", "\\'", '\\"']
QUANTIFIERS = {"": (1, 1), "?": (0, 1), "*": (0, 3), "+": (1, 3), "{2}": (2, 2), "{0,2}": (0, 2), "+?": (1, 3), "{,1}": (0, 1)}


@st.composite
def sequence(draw):
    pattern, text = [], []
    for _ in range(draw(st.integers(1, 8))):
        atom = draw(st.sampled_from(sorted(LITERALS) if draw(st.booleans()) else sorted(ATOMS)))  # literal runs half the time
        quantifier = draw(st.sampled_from(sorted(QUANTIFIERS))) if atom not in ("^", "$", "\\b", "(?i)") else ""
        lo, hi = QUANTIFIERS[quantifier]
        pattern.append(atom + quantifier)
        text.extend(draw(st.sampled_from(ATOMS[atom])) for _ in range(draw(st.integers(lo, hi))))
    return "".join(pattern), "".join(text)


@st.composite
def pattern_and_text(draw):
    """A pattern and a text it usually matches (the property holds either way)."""
    first = draw(sequence())
    shape = draw(st.sampled_from(["plain", "alternation", "group"]))
    if shape == "alternation":
        second = draw(sequence())
        source, text = first[0] + "|" + second[0], draw(st.sampled_from([first[1], second[1]]))
    elif shape == "group":
        source, text = "(" + first[0] + ")x", first[1] + "x"
    else:
        source, text = first
    flag = draw(st.sampled_from(["", "", "(?i)", "(?x)"]))  # global in V0 wherever it stands
    if flag:
        at = draw(st.sampled_from([0, len(source)]))
        source = source[:at] + flag + source[at:]
    if "(?i)" in source and draw(st.booleans()):
        text = text.swapcase()
    if flag == "(?x)":
        text = text.replace(" ", "")
    return source, draw(st.sampled_from(["", "z", '"']) ) + text + draw(st.sampled_from(["", "z", "."]))


@settings(max_examples=500)
@given(pattern_and_text())
def test_a_message_that_matches_holds_every_required_literal(case):
    import regex

    source, text = case
    try:
        pattern = regex.compile(source, regex.V0, names=["a", "ab"], ignore_unused=True)
    except (regex.error, ValueError):
        return
    literals = required_literals(pattern)
    if pattern.search(text) is not None:
        assert all(lit in text for lit in literals), (source, text, literals)


def test_a_shipped_pattern_fails_fast_on_a_long_message_missing_a_literal():
    import time

    for rule in RULES.rules:
        for pattern, literals in rule.checks:
            for missing in literals:
                others = [lit for lit in literals if lit != missing]
                message = ("".join(others) + " x" * 3) * 20000  # ~1 MB: every part but one, over and over
                if missing in message:  # one literal inside another ('ser "' in 'User "')
                    continue
                t = time.perf_counter()
                pattern.search(message, timeout=5)
                assert time.perf_counter() - t < 1.0, (rule.id, missing)


def test_a_user_pattern_still_times_out_where_its_literal_is_missing(tmp_path, monkeypatch):
    import mfalogscan.rules.classify as classify_module

    monkeypatch.setattr(classify_module, "RULE_TIMEOUT", 0.05)
    f = tmp_path / "slow.toml"
    f.write_text('[[rule]]\nid = "slow"\ncategory = "operational"\nkind = "k"\npattern = \'(a|aa)+Z$\'\n')
    c = classify(load_rules([str(f)]), "a" * 40 + "!", None, is_jdoe)
    assert c.category == "unclassified" and c.details["rules_timed_out"] == "slow"


# --- The exact check: search() from one past the last start, against the lookahead it replaced ---

import re  # noqa: E402
import string  # noqa: E402
import unicodedata  # noqa: E402

from mfalogscan.search import casefold  # noqa: E402
from mfalogscan.search.match import QUOTE, NameMatcher, Occurrence, _open_after, _open_before, _str_piece  # noqa: E402
from mfalogscan.search.trie import trie_pattern  # noqa: E402


def plain_occurrences(m: NameMatcher, text: str, lo: int = 0, hi: int | None = None):
    """The exact check as it was: a zero-width lookahead tried at every position."""
    exact = re.compile("(?=(" + trie_pattern(m.keys, _str_piece) + "))")
    hi = len(text) if hi is None else hi
    for match in exact.finditer(text, lo):
        start = match.start()
        if start >= hi:
            break
        key = casefold.fold(match.group(1))
        for k in m._ladder[key]:  # the key, then its prefixes that are names too
            end = start + len(k)
            quoted = start > 0 and text[start - 1] == QUOTE and end < len(text) and text[end] == QUOTE
            if k in m._short:  # one character, or no letter or digit: only where quotes close it
                before, after = text[start - 1 : start], text[end : end + 1]
                if not (quoted or before == after == "'" or (before == "\\" and after in ("'", '"'))):
                    continue
            elif not quoted and not (_open_before(text, start) and _open_after(text, end)):
                continue
            for subject in m._subjects_of[k]:
                yield Occurrence(subject, text[start:end], quoted, start, end)


def plain_analyze(m: NameMatcher, text: str, lo: int = 0, hi: int | None = None) -> dict:
    best: dict = {}
    for occ in plain_occurrences(m, text, lo, hi):
        if occ.beats(best.get(occ.subject)):
            best[occ.subject] = occ
    return best


EXOTIC = "\u212a\u017f\u0131\u0130ÍíÅ\u212bßẞ\u0301"
name_text = st.one_of(
    st.text("ab ", min_size=1, max_size=3),  # overlapping names: "a b" and "b a" in "a b a"
    st.text(string.ascii_letters[:6] + "._-@\\" + "éíß" + "\u0131\u212a", min_size=1, max_size=6),
).filter(lambda n: n.strip() == n)


@pytest.mark.parametrize(
    "names, text",
    [
        (["a b", "b a"], "a b a"),  # overlapping occurrences: the second starts inside the first
        (["a b", "b a"], '"a b a"'),
        (["jdoe", "jdoe smith", "smith jones"], 'x "jdoe smith jones" jdoe smith'),
        (["kate", "k"], 'user "\u212aATE" k'),
        (["mgarcía"], 'user "mgarci\u0301a" MGARCÍA'),
        (["alice@contoso.com"], 'alice@contoso.com.au "alice@contoso.com" alice@contoso.com.'),
    ],
)
@pytest.mark.parametrize("how", [{}, {"accelerate": False}, {"accelerate": False, "fast": False}])
def test_occurrences_on_tricky_lines_are_those_of_the_lookahead_scan(names, text, how):
    m = NameMatcher([(n, i) for i, n in enumerate(names)], **how)  # automaton, Literals, the variant trie
    for lo in range(len(text) + 1):
        for hi in (None, lo, min(len(text), lo + 3)):
            assert list(m.occurrences(text, lo, hi)) == list(plain_occurrences(m, text, lo, hi))


@settings(max_examples=300)
@given(st.lists(name_text, min_size=1, max_size=6), st.lists(st.sampled_from([0, 1, 2]), min_size=6, max_size=6), st.data())
def test_occurrences_are_those_of_the_lookahead_scan(name_list, owners, data):
    # Names that overlap, are prefixes of each other, differ in case or Unicode form, shared by two subjects.
    pairs = [(n, owners[i]) for i, n in enumerate(name_list)]
    m = NameMatcher(pairs, **data.draw(st.sampled_from([{}, {"accelerate": False}, {"accelerate": False, "fast": False}])))
    pieces = st.one_of(
        st.sampled_from(name_list),
        st.sampled_from(name_list).map(lambda n: unicodedata.normalize("NFD", n).upper()),
        st.text("ab ", max_size=3),
        st.text(string.ascii_letters[:6] + ' "\'.@-_' + EXOTIC, max_size=4),
    )
    text = "".join(data.draw(st.lists(pieces, max_size=10)))
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.none() | st.integers(lo, len(text)))
    got = list(m.occurrences(text, lo, hi))
    assert got == list(plain_occurrences(m, text, lo, hi))
    assert all(list(vars(o).items()) == list(vars(Occurrence(**vars(o))).items()) for o in got)
    assert m.analyze(text, lo, hi) == plain_analyze(m, text, lo, hi)


def test_folding_ascii_is_lowering():
    table = casefold._tables()[0]
    every_ascii = "".join(map(chr, range(128)))
    assert every_ascii.translate(table) == every_ascii.lower() == casefold.fold(every_ascii)


@given(st.text(st.characters(min_codepoint=0, max_codepoint=0x1FFFF)))
def test_fold_is_the_table_whatever_the_text(text):
    assert casefold.fold(text) == text.translate(casefold._tables()[0])


# --- The native framing: stamps read by position, records assembled ---

from mfalogscan.framings import native as native_framing  # noqa: E402
from mfalogscan.framings.base import Record  # noqa: E402
from mfalogscan.timeline.stamps import parse_iso  # noqa: E402


def plain_native_parse(line: str):
    """Native.parse as it was: the line pattern, then parse_iso on its stamp."""
    m = native_framing._LINE.match(line)
    if m is None:
        return None
    return Record("native", m["message"], parse_iso(m["timestamp"]), m["level"], int(m["pid"]), int(m["tid"]),
                  m["component"], m["request_id"])


DIGITS = st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩０１９")  # \d is any decimal digit, int() reads them all


def digits(n):
    return st.lists(DIGITS, min_size=n, max_size=n).map("".join)


native_stamps = st.builds(
    lambda y, mo, d, h, mi, s, frac: f"{y}-{mo}-{d}T{h}:{mi}:{s}{'.' + frac if frac else ''}Z",
    digits(4), digits(2), digits(2), digits(2), digits(2), digits(2),
    st.integers(0, 10).flatmap(lambda n: digits(n)),
)
native_lines = st.builds(
    lambda stamp, level, pid, tid, comp, guid, msg: f"{stamp}|{level}|{pid}|{tid}|{comp}|{guid}{msg}",
    native_stamps, st.text(max_size=9), st.text("0123456789١x", min_size=0, max_size=11),
    st.text("0123456789", min_size=1, max_size=11), st.text(min_size=0, max_size=5),
    st.sampled_from(["", "82a3db8d-3317-43f7-b203-6ba81cba93c9|", "82a3db8d|"]), texts,
)


@given(st.one_of(native_lines, texts))
def test_native_records_are_those_parse_iso_gives(line):
    got, want = native_framing.FRAMING.parse(line), plain_native_parse(line)
    assert got == want
    if got is not None:
        assert list(vars(got).items()) == list(vars(want).items())
        assert list(vars(got.stamp).items()) == list(vars(want.stamp).items())


# --- JSON Lines: one encoder for every line, to_dict() from the fields themselves ---

import json  # noqa: E402

from mfalogscan.printers import jsonl  # noqa: E402


def plain_to_dict(f: Finding) -> dict:
    d = {"type": "finding"}
    for name in FINDING_FIELDS:
        value = getattr(f, name)
        d[name] = dict(value) if name == "details" else value
    return d


@given(findings)
def test_a_finding_line_is_what_json_dumps_wrote(finding):
    # Any text: controls, quotes, backslashes, non-BMP characters, lone surrogates; integers past 64 bits.
    d = finding.to_dict()
    assert list(d.items()) == list(plain_to_dict(finding).items())
    assert d["details"] is not finding.details
    assert jsonl.dumps(d) == json.dumps(plain_to_dict(finding), ensure_ascii=False, separators=(",", ":"))
