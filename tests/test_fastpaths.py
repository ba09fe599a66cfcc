"""The speed-ups of issue 5 change nothing but speed: each is checked against its plain counterpart."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfalogscan.framings import kiwi, native as native_framing
from mfalogscan.search.headcount import NotStartCounter
from mfalogscan.search.automaton import Prefilter
from mfalogscan.search.match import ByteFinder, NameMatcher
from mfalogscan.sources.decode import encodable
from mfalogscan.search.streamsearch import DENSE, StreamSearch
from mfalogscan.search.readahead import ReadAhead

from .conftest import AUTH, CHANGE, OTHER, native
from .helpers import keyed, run
from .test_match import pf_cases

HEAD = native_framing.FRAMING.head

# Lines that start a record in several shapes, and lines that nearly do.
head_lines = st.one_of(
    st.builds(lambda s: native(CHANGE, s), st.integers(0, 3599)),
    st.builds(lambda s: native(OTHER, s).replace(".006280Z", "Z"), st.integers(0, 3599)),
    st.builds(lambda s, d: native(AUTH, s).replace(".006280Z", "." + "1" * d + "Z"), st.integers(0, 3599), st.integers(1, 9)),
)
near_misses = st.one_of(
    st.just("   at Pfsvc.Trace()"),
    st.just(""),
    st.just("2024-03-07T18:20:20.006280|i|no zone"),
    st.just("2024-03-07 18:20:20.006280Z|space not T"),
    st.just("2024-03-07T18:20:20.0062801234Z|ten fraction digits"),
    st.just("x2024-03-07T18:20:20.006280Z|shifted"),
    st.just("2024-3-07T18:20:20.006280Z|short month"),
    st.text(alphabet="0123456789-T:.Z| ab", max_size=40),
)


def naive_not_starts(lines: list[str]) -> int:
    return sum(1 for line in lines if not HEAD.match(line.encode()))


@given(st.lists(st.one_of(head_lines, near_misses), min_size=1, max_size=40), st.data())
def test_head_literal_count_equals_asking_the_pattern_at_every_line(lines, data):
    buf = ("\n".join(lines) + "\n").encode()
    lo = data.draw(st.integers(0, len(buf)))
    stop = data.draw(st.integers(lo, len(buf)))
    starts = [i + 1 for i, b in enumerate(buf) if b == 10 and lo <= i < stop]
    expected = sum(1 for s in starts if not HEAD.match(buf, s))
    for fixed in (True, False):
        counter = NotStartCounter(HEAD, b"\n", fixed)
        # Twice: the second call uses the skeleton learnt in the first.
        for _ in range(2):
            assert counter.count(buf, lo, stop, len(starts)) == expected


@given(st.lists(st.one_of(head_lines, near_misses), min_size=1, max_size=30), st.integers(1, 5000))
def test_unparsed_lines_of_a_scan_do_not_depend_on_the_literal_count(lines, chunk):
    data = ("\n".join(lines) + "\n").encode()
    fd, path = tempfile.mkstemp(suffix=".log")
    try:
        os.write(fd, data)
        os.close(fd)
        fast = run(path, "jdoe", list_mentions=True, chunk_size=chunk, framing="native")
        original = native_framing.Native.head_fixed_digits
        native_framing.Native.head_fixed_digits = False
        try:
            slow = run(path, "jdoe", list_mentions=True, chunk_size=chunk, framing="native")
        finally:
            native_framing.Native.head_fixed_digits = original
    finally:
        os.unlink(path)
    assert fast.sources[0].unparsed_lines == slow.sources[0].unparsed_lines == naive_not_starts(lines)
    assert keyed(fast) == keyed(slow)


def test_framings_that_claim_fixed_digits_keep_heads_under_any_digits():
    # The claim behind the literal count, on real heads: every digit changed, still a head.
    samples = {
        native_framing.Native: ["2024-03-07T18:20:20.006280Z|", "2024-03-07T18:20:20Z|", "2024-03-07T18:20:20.1234567Z|"],
        kiwi.Kiwi: ["2024-03-07 18:20:20", "03-07-2024\t18:20:20", "2024/03/07 18:20:20"],
    }
    for framing, heads in samples.items():
        assert framing.head_fixed_digits
        for head in heads:
            assert framing.head.match(head.encode())
            for digit in "0123456789":
                assert framing.head.match(re.sub(r"\d", digit, head).encode()), (framing, head, digit)


# --- the reading thread and the search it does ahead ---

search_text = st.text(alphabet="ab \"jdoeJDOE2lnkK\u212a\u017fsStrasse", max_size=300)
name_sets = st.sampled_from([
    ["jdoe"], ["jd", "jdoe", "do"], ["kate", "straße"], ["s", "ss", "sss"],
    ["leeanne", "ann"], ["jdoe", "jdoe2"], ["ab", "ba", "oe"],  # names inside names, names on nearly every byte
    ["a", "b", "e"],  # short names: searched where quotes close them
])


def _search_in_pieces(data: bytes, names, cuts, dense=DENSE):
    matcher = NameMatcher([(n, i) for i, n in enumerate(names)])
    finder = matcher.finder("utf-8")
    search, found, at = StreamSearch(finder, matcher.max_bytes(), dense), [], 0
    for size in cuts * (len(data) // max(1, sum(cuts)) + 1):
        if at >= len(data):
            break
        found.extend(search.feed(data[at : at + size]))
        at += size
    found.extend(search.finish())
    return finder, search, found


@given(search_text, name_sets, st.lists(st.integers(1, 40), min_size=1, max_size=40))
def test_the_search_ahead_gives_exactly_what_one_whole_search_gives(text, names, cuts):
    data = text.encode()
    finder, search, found = _search_in_pieces(data, names, cuts)
    assert found == list(finder.spans(data))
    assert search.handover is None


@given(search_text, st.lists(st.integers(1, 40), min_size=1, max_size=40), st.integers(0, 20))
def test_a_dense_name_is_handed_over_where_the_candidates_given_end(text, cuts, dense):
    data = text.encode()
    finder, search, found = _search_in_pieces(data, ["ab", "oe", "ss"], cuts, dense)
    whole = list(finder.spans(data))
    if search.handover is None:
        assert found == whole
    else:
        assert found == [s for s in whole if s[0] < search.handover]
        assert found and found[-1][1] == search.handover


@given(st.lists(st.one_of(head_lines, st.text(alphabet="ae \"jdoe", max_size=80)), min_size=1, max_size=30),
       st.integers(1, 400), st.integers(0, 30))
def test_a_scan_with_a_dense_name_handed_back_to_the_scanner_finds_the_same(lines, chunk, dense):
    from mfalogscan.search import streamsearch

    data = ("\n".join(lines) + "\n").encode()
    fd, path = tempfile.mkstemp(suffix=".log")
    saved = streamsearch.DENSE
    try:
        os.write(fd, data)
        os.close(fd)
        streamsearch.DENSE = dense
        # "ee" is on many lines; "e", a short name, is searched only where quotes close it
        fast = run(path, "e", "ee", "jdoe", list_mentions=True, chunk_size=chunk, max_line=100, short_names=True)
    finally:
        streamsearch.DENSE = saved
        plain = run(path, "e", "ee", "jdoe", list_mentions=True, chunk_size=chunk, max_line=100, fast=False,
                    accelerate=False, short_names=True)
        os.unlink(path)
    assert [f.to_dict() for f in fast.findings] == [f.to_dict() for f in plain.findings]


def test_a_name_inside_a_longer_one_cut_by_the_first_seam_is_found(tmp_path):
    # From review: "leeann|e" at the seam after the 64 KiB sniff sample hid "leeanne" behind "ann".
    seam = 64 * 1024 + 2 * 1024 * 1024
    head = "2024-03-07T18:20:20.006280Z|i|1|2|pfsvc|"
    path = tmp_path / "seam.log"
    path.write_text(head + "x" * (seam - len(head) - 8) + ' "leeanne" ' + "y" * 1000 + "\n")
    users = (("leeanne",), ("ann",))
    fast = run(str(path), *users)
    assert [(f.user, f.quoted) for f in fast.findings] == [("leeanne", True)]
    assert keyed(fast) == keyed(run(str(path), *users, fast=False, accelerate=False)) == keyed(run(str(path), *users, jobs=2))


def test_a_long_lines_window_ends_where_the_whole_name_ends(tmp_path):
    # From review: "jdoe|2" at a seam gave a window one byte shorter, so the finding's details differed.
    head = "2024-03-07T18:20:20.006280Z|i|2960|4036|pfsvc|"
    line = head + 'User "CONTOSO\\admin" changed user "jdoe2" value Phone from "1" to "' + "B" * 9000 + '".\n'
    path = tmp_path / "long.log"
    path.write_text(line)
    cut = line.index("jdoe2") + 4
    opts = dict(max_line=1000, chunk_size=cut)
    fast = run(str(path), "jdoe", "jdoe2", **opts)
    assert [f.to_dict() for f in fast.findings] == [f.to_dict() for f in run(str(path), "jdoe", "jdoe2", fast=False, accelerate=False, **opts).findings]


def test_read_ahead_hands_over_every_chunk_in_order_and_stops_when_abandoned():
    chunks = [bytes([i]) * 1000 for i in range(50)]
    ahead = ReadAhead(lambda: iter(chunks), depth=2)
    assert list(ahead.chunks()) == chunks
    endless = ReadAhead(lambda: iter(lambda: b"x" * 100, None), depth=2)
    it = endless.chunks()
    assert next(it) == b"x" * 100
    endless.close()  # returns although the reader would go on for ever
    assert not endless._thread.is_alive()


def test_an_error_on_the_reading_thread_is_raised_in_the_scanner():
    def broken():
        yield b"fine"
        raise ValueError("boom")

    it = ReadAhead(broken).chunks()
    assert next(it) == b"fine"
    with pytest.raises(ValueError, match="boom"):
        next(it)


@given(
    st.lists(st.one_of(head_lines, near_misses, st.text(alphabet='ab "\'jdoeJDOE\u212a\u017fí', max_size=40)), min_size=1, max_size=20),
    st.sampled_from([("jdoe",), ("kate",), ("jdoe", "kate", "straße"), ("straße",)]),
    st.integers(1, 5000),
)
def test_one_name_and_many_names_take_the_fast_path_with_the_plain_paths_findings(lines, users, chunk):
    data = ("\n".join(lines)).encode()
    fd, path = tempfile.mkstemp(suffix=".log")
    try:
        os.write(fd, data)
        os.close(fd)
        fast = run(path, *users, list_mentions=True, chunk_size=chunk)
        plain = run(path, *users, list_mentions=True, chunk_size=chunk, fast=False)
    finally:
        os.unlink(path)
    assert [f.to_dict() for f in fast.findings] == [f.to_dict() for f in plain.findings]
    assert [s.to_dict() for s in fast.sources] == [s.to_dict() for s in plain.sources]


# --- the name automaton (ahocorasick_rs), the trie over the same bytes and the plain search: one answer ---

FIRSTS = ["robert", "roberta", "linda", "lindsay", "jürgen", "kirk", "sissi", "iris"]
LASTS = ["smith", "smithers", "müller", "kirkpatrick", "ısık"]
# Hundreds of real-looking names sharing prefixes, and names whose case variants leave ASCII or are not letters.
MANY = [f"{f}.{l}{n:04d}@contoso.com" for f in FIRSTS for l in LASTS for n in (0, 1, 12, 123, 1234)]
SPECIAL = ["Jürgen.Müller", "ΣΟΦΊΑ.ΟΔΥΣΣΈΩΣ", "иван.петров", "İlker", "kirk", "sissi", "josé.garcía", "Straße"]


@st.composite
def automaton_logs(draw):
    """(lines, encoding, planted quoted line numbers): the names above spelt in any case and form, in log lines."""
    import unicodedata

    from mfalogscan.search.casefold import variants

    enc = draw(st.sampled_from(["utf-8", "cp1252", "utf-16-le"]))
    lines, planted = [], set()
    for i in range(draw(st.integers(1, 20))):
        kind = draw(st.sampled_from(["change", "auth", "near", "long", "noise"]))
        if kind == "noise":
            noise = draw(st.text(alphabet='ab "\'kKsS\u212a\u017f\u0131ıİσςΣ', max_size=30))
            lines.append("".join(ch for ch in noise if encodable(ch, enc)))
            continue
        name = draw(st.sampled_from(MANY + SPECIAL))
        form = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), name)
        spelt = "".join(draw(st.sampled_from(variants(ch))) for ch in form)
        try:
            spelt.encode(enc)
        except UnicodeEncodeError:
            spelt = name if all(encodable(ch, enc) for ch in name) else "nobody"
        if kind == "change":
            lines.append(native(f'User "CONTOSO\\admin" changed user "{spelt}" value Phone from "1" to "2".', i))
        elif kind == "auth":
            lines.append(native(f"Pfauth succeeded for user '{spelt}' from 10.0.0.1.", i))
        elif kind == "near":
            lines.append(native(f'User "CONTOSO\\admin" changed user "{spelt}2" value Phone from "1" to "2".', i))
        else:  # longer than max_line: searched in windows
            lines.append("x" * draw(st.integers(0, 300)) + f' "{spelt}" ' + "y" * draw(st.integers(0, 300)) + f" '{spelt}'")
        if kind in ("change", "long") and spelt != "nobody":
            planted.add(i + 1)
    return lines, enc, planted


@given(automaton_logs(), st.integers(1, 400), st.booleans())
def test_the_automaton_the_trie_and_the_plain_search_give_the_same_findings(log, chunk, dense):
    from .conftest import text_bytes

    lines, enc, planted = log
    data = text_bytes(lines, "\n", enc, bom=enc == "utf-16-le")
    # "ee": a name on many lines; "e": a short name, searched only where quotes close it (--short-names)
    users = MANY + SPECIAL + (["e", "ee"] if dense else [])
    opts = dict(list_mentions=True, chunk_size=chunk, max_line=100, encoding="cp1252" if enc == "cp1252" else None,
                short_names=True)
    fd, path = tempfile.mkstemp(suffix=".log")
    try:
        os.write(fd, data)
        os.close(fd)
        automaton = run(path, *users, **opts)
        trie = run(path, *users, accelerate=False, **opts)
        plain = run(path, *users, fast=False, accelerate=False, **opts)
    finally:
        os.unlink(path)
    assert [f.to_dict() for f in automaton.findings] == [f.to_dict() for f in trie.findings]
    assert [f.to_dict() for f in automaton.findings] == [f.to_dict() for f in plain.findings]
    assert [s.to_dict() for s in automaton.sources] == [s.to_dict() for s in plain.sources]
    assert planted <= {f.line for f in automaton.findings if f.quoted}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pf_cases(), st.lists(st.integers(1, 12), min_size=1, max_size=30), st.booleans())
def test_the_search_ahead_over_either_backend_gives_exactly_one_whole_search(case, cuts, accelerate):
    enc, names, data, cap = case
    matcher = NameMatcher([(n, i) for i, n in enumerate(names)])
    finder = ByteFinder(matcher, enc, True, accelerate)
    finder.prefilter = Prefilter(matcher.search_keys, enc, accelerate, cap)  # small caps: names searched by prefixes
    finder.prefilter.blocks = (1, 3, 16)  # and a few bytes per automaton call
    search, found, at, i = StreamSearch(finder, matcher.max_bytes()), [], 0, 0
    while at < len(data):
        size = cuts[i % len(cuts)]
        found.extend(search.feed(data[at : at + size]))
        at, i = at + size, i + 1
    found.extend(search.finish())
    assert found == list(finder.spans(data))


# --- --jobs: worker processes, the serial run's output ---


def _cli(*args, stdin=None):
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    return subprocess.run([sys.executable, "-m", "mfalogscan", *args], input=stdin, capture_output=True, env=env)


@pytest.mark.parametrize("jobs", ["2", "3", "0"])
def test_jobs_give_the_serial_output_byte_for_byte(jobs):
    serial = _cli("scan", "sample_logs", "--user", "jdoe", "--user", "asmith", "-f", "json")
    parallel = _cli("scan", "sample_logs", "--user", "jdoe", "--user", "asmith", "-f", "json", "--jobs", jobs)
    assert serial.returncode == parallel.returncode == 0, parallel.stderr
    assert parallel.stdout == serial.stdout
    assert len(json.loads(serial.stdout)["sources"]) > 4


def test_jobs_keep_standard_input_and_unreadable_paths_in_their_place(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for name in ("a.log", "c.log"):
        (logs / name).write_text(native(CHANGE, 1) + "\n")
    (logs / "b.log").symlink_to(tmp_path / "gone.log")  # listed, then unreadable
    args = [str(logs / "a.log"), "-", str(logs), "--user", "jdoe", "-f", "jsonl"]
    stdin = (native(CHANGE, 2) + "\n").encode()
    serial = _cli("scan", *args, stdin=stdin)
    parallel = _cli("scan", *args, "--jobs", "2", stdin=stdin)
    assert parallel.stdout == serial.stdout
    assert parallel.returncode == serial.returncode == 2, serial.stderr  # the broken link is an error, in both
    records = [json.loads(line) for line in serial.stdout.splitlines()]
    paths = [r["path"] for r in records if r["type"] == "source"]
    assert paths == [str(logs / n) for n in ("a.log",)] + ["(standard input)"] + [str(logs / n) for n in ("a.log", "b.log", "c.log")]


def test_jobs_must_be_a_number_of_zero_or_more():
    result = _cli("scan", "sample_logs", "--user", "jdoe", "--jobs", "-1")
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr


# --- the NumPy line counter (the `fast` extra) against the plain one ---

np = pytest.importorskip("numpy")
from mfalogscan.search import linestats  # noqa: E402


class _EveryRegion:
    """Let the NumPy counter take regions of any size (it skips small ones, as overhead)."""

    def __enter__(self):
        self.saved = linestats._MIN_REGION
        linestats._MIN_REGION = 0

    def __exit__(self, *exc):
        linestats._MIN_REGION = self.saved


@given(st.lists(st.one_of(head_lines, near_misses), min_size=1, max_size=60), st.sampled_from([b"\n", b"\r"]), st.data())
def test_numpy_line_counter_counts_what_the_plain_one_counts(lines, nl, data):
    buf = nl.join(line.encode() for line in lines) + data.draw(st.sampled_from([b"", nl]))
    lo = data.draw(st.integers(0, len(buf)))
    hi = data.draw(st.integers(lo, len(buf)))
    stop = data.draw(st.integers(lo, hi))
    with _EveryRegion():
        counters = [linestats.NumpyLineCounter(nl, HEAD, True), linestats.LineCounter(nl, HEAD, True),
                    linestats.NumpyLineCounter(nl, HEAD, False)]
        for c in counters:
            c.region(buf, lo, hi)
        cuts = sorted(data.draw(st.lists(st.integers(lo, hi), min_size=2, max_size=6)))
        for a, b in zip(cuts, cuts[1:]):
            assert len({c.between(a, b) for c in counters}) == 1
        newlines = buf.count(nl, lo, stop)
        answers = {c.not_starts(stop, newlines) for c in counters}
    expected = sum(1 for i in range(lo, stop) if buf[i : i + 1] == nl and not HEAD.match(buf, i + 1))
    assert answers == {expected}


@given(st.lists(st.one_of(head_lines, near_misses), min_size=1, max_size=40), st.integers(1, 3000), st.sampled_from(["\n", "\r\n"]))
def test_scans_with_and_without_numpy_are_identical(lines, chunk, newline):
    data = (newline.join(lines) + newline).encode()
    fd, path = tempfile.mkstemp(suffix=".log")
    try:
        os.write(fd, data)
        os.close(fd)
        with _EveryRegion():
            fast = run(path, "jdoe", list_mentions=True, chunk_size=chunk)
        plain = run(path, "jdoe", list_mentions=True, chunk_size=chunk, accelerate=False)
    finally:
        os.unlink(path)
    assert [f.to_dict() for f in fast.findings] == [f.to_dict() for f in plain.findings]
    assert [s.to_dict() for s in fast.sources] == [s.to_dict() for s in plain.sources]


def test_without_numpy_the_plain_counter_serves(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now raises ImportError
    assert type(linestats.make_counter(b"\n", HEAD, True, True)) is linestats.LineCounter
    assert type(linestats.make_counter(b"\n", HEAD, True, False)) is linestats.LineCounter


def test_word_tests_tell_digits_from_their_neighbours():
    fixed_mask, fixed_value, low, high = linestats._word_tests(b"0000-00-00T00:00:00.000000Z|")[0]

    def passes(word: bytes) -> bool:
        w = int(np.frombuffer(word, "<u8")[0])
        return (w & fixed_mask) == fixed_value and (((w & low) + (low & 0x0606060606060606)) & high) == 0

    assert passes(b"2024-03-") and passes(b"9999-99-") and passes(b"0000-00-")
    # Letter O, the wrong separator, the bytes just past '9' and before '0', a high bit.
    for bad in (b"2O24-03-", b"2024/03-", b"202:-03-", b"202/-03-", b"\xb0" + b"024-03-", b"2024-03:"):
        assert len(bad) == 8 and not passes(bad), bad


def test_read_ahead_restores_the_switch_interval_however_it_ends():
    before = sys.getswitchinterval()
    ahead = ReadAhead(lambda: iter([b"a", b"b"]))
    it = ahead.chunks()
    next(it)
    assert sys.getswitchinterval() < before
    ahead.close()  # abandoned midway, as the pipeline does on an error
    assert sys.getswitchinterval() == before
    assert list(ReadAhead(lambda: iter([b"a"])).chunks()) == [b"a"]
    assert sys.getswitchinterval() == before


def test_read_ahead_gives_up_on_a_reader_stuck_in_a_read():
    # From review: Ctrl-C while reading a terminal hung until standard input ended.
    release = threading.Event()

    def stuck():
        yield b"first"
        release.wait()  # a read that does not return
        yield b"never"

    ahead = ReadAhead(stuck)
    it = ahead.chunks()
    assert next(it) == b"first"
    ahead.close()  # returns (after at most a second) although the reader is still blocked
    assert ahead._thread.is_alive()  # it gave up waiting: the reader is still in its read
    release.set()
    ahead._thread.join(5)
    assert not ahead._thread.is_alive()  # once the read returns, the reader sees the stop and ends


def test_overlapping_read_aheads_restore_the_switch_interval_once_both_end():
    # From review: two library scans in threads left the process at 0.1 ms.
    before = sys.getswitchinterval()
    first, second = ReadAhead(lambda: iter([b"a"])), ReadAhead(lambda: iter([b"b"]))
    a, b = first.chunks(), second.chunks()
    next(a), next(b)
    first.close()
    assert sys.getswitchinterval() < before
    second.close()
    assert sys.getswitchinterval() == before


def test_a_worker_that_dies_leaves_the_output_of_a_serial_run(tmp_path, monkeypatch):
    from mfalogscan.scanning import source as pipeline

    if not sys.platform.startswith("linux"):
        pytest.skip("workers are spawned here and would not inherit the patch")
    for i in range(6):
        (tmp_path / f"{i}.log").write_text(native(CHANGE, i) + "\n")
    serial = run(str(tmp_path), "jdoe")
    parent, real = os.getpid(), pipeline.scan_found

    def dies_in_a_worker(found, ctx):
        if os.getpid() != parent and found.path.endswith("2.log"):
            os._exit(3)  # as the OOM killer would end it
        return real(found, ctx)

    monkeypatch.setattr(pipeline, "scan_found", dies_in_a_worker)  # forked workers inherit it
    assert keyed(run(str(tmp_path), "jdoe", jobs=2)) == keyed(serial)
