"""The matcher: quoted occurrences, mentions, near-misses; byte prefilter agrees with the exact check."""

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mfalogscan.search.casefold import fold, variants
from mfalogscan.search.match import NameMatcher

ENCODINGS = ("utf-8", "utf-16-le", "cp1252")


def occurrences(names, line, encoding="utf-8"):
    """analyze() on a line, after checking the byte prefilter flags it whenever analyze finds something."""
    m = NameMatcher([(n, i) for i, n in enumerate(names)])
    found = m.analyze(line)
    searcher = m.line_searcher(encoding)
    try:
        data = line.encode(encoding)
    except UnicodeEncodeError:
        return found
    if found:
        assert searcher is not None and searcher.search(data) is not None, "prefilter missed a line the exact check matches"
    return found


@pytest.mark.parametrize(
    "line, quoted",
    [
        ('User "CONTOSO\\admin" changed user "jdoe" value', True),
        ('2021-03-04T10:11:12-05:00,MFASRV01,"pfsvc: User ""jdoe"" changed"', True),
        ("Pfauth succeeded for user 'jdoe' from 10.0.0.1", False),
        ("Calling pfAuthUser('CONTOSO\\jdoe', '', 1)", False),
        ("for user jdoe.", False),
        ('validate_oath_code: user "JDoe" updated', True),
    ],
)
def test_found(line, quoted):
    occ = occurrences(["jdoe"], line)
    assert occ[0].quoted is quoted


@pytest.mark.parametrize(
    "line",
    ['"jdoe2"', '"xjdoe"', "jdoe.smith", "alice@jdoe.com", '"jdoe_x"', "jdoe-admin", "ajdoe"],
)
def test_near_misses_are_nothing(line):
    assert occurrences(["jdoe"], line) == {}


def test_quotes_are_the_boundary():
    assert occurrences(["alice.smith@contoso.com"], '"alice.smith@contoso.com.au"') == {}
    assert occurrences(["alice.smith@contoso.com"], 'to "alice.smith@contoso.com"')[0].quoted


def test_prefix_names_and_overlaps_are_all_seen():
    line = '"jdoe" and "jdoe smith" and "smith jones"'
    occ = occurrences(["jdoe", "jdoe smith", "smith jones"], line)
    assert {i: o.quoted for i, o in occ.items()} == {0: True, 1: True, 2: True}
    occ = occurrences(["john smith", "smith jones"], "john smith jones")
    assert set(occ) == {0, 1}


def test_quoted_beats_mention_on_the_same_line():
    occ = occurrences(["jdoe"], "user 'jdoe' changed \"JDOE\"")
    assert occ[0].quoted and occ[0].matched == "JDOE"


def test_composed_and_decomposed_forms_are_the_same_name():
    import unicodedata

    nfd = unicodedata.normalize("NFD", "mgarcía")
    assert occurrences([nfd], 'user "mgarcía"')[0].quoted
    assert occurrences(["mgarcía"], f'user "{nfd.upper()}"')[0].quoted


def test_unicode_case_variants():
    assert occurrences(["mgarcía"], 'changed user "MGARCÍA" value')[0].quoted
    assert occurrences(["kate"], 'user "\u212aATE"')[0].quoted  # KELVIN SIGN
    assert occurrences(["Jürgen"], 'user "JÜRGEN"', "utf-16-le")[0].quoted
    assert occurrences(["straße"], 'user "STRASSE"') == {}


# --- properties ---

NAME_CHARS = string.ascii_letters + string.digits + "._-@\\$+()'" + "éíüßøÅ"
names = st.text(NAME_CHARS, min_size=1, max_size=20).filter(lambda n: n.strip() == n)
filler = st.text(string.ascii_letters + string.digits + " |:,'()-=", max_size=40)


def case_variant(draw, name):
    return "".join(draw(st.sampled_from(variants(ch))) for ch in name)


@given(st.data(), names, filler, filler, st.sampled_from(ENCODINGS))
def test_quoted_name_anywhere_is_found(data, name, before, after, encoding):
    shown = case_variant(data.draw, name)
    line = before + '"' + shown + '"' + after
    occ = occurrences([name], line, encoding)
    assert 0 in occ and occ[0].quoted
    assert fold(occ[0].matched) == fold(name)


@given(names, filler, st.sampled_from(["X", "1", "_", ".x", "@x", "-x"]), st.booleans())
def test_near_misses_never_count_as_quoted(name, before, extra, at_end):
    assume(fold(name) not in fold(extra))
    shown = name + extra if at_end else extra[::-1] + name
    occ = occurrences([name], before + '"' + shown + '"')
    assert not (0 in occ and occ[0].quoted)


@given(names, filler, st.sampled_from(["'{}'", "{}", " {} ", "({})"]))
def test_unquoted_forms_are_never_quoted(name, before, form):
    line = before + " " + form.format(name)
    assume('"' not in line)
    occ = occurrences([name], line)
    assert not any(o.quoted for o in occ.values())


@given(st.text("ab.$+(\\'", min_size=2, max_size=8), st.data())
def test_regex_metacharacters_are_literal(name, data):
    # Replace one metacharacter by a letter: a regex reading would still match, a literal one must not.
    metas = [i for i, c in enumerate(name) if c in ".$+(\\'"]
    assume(metas)
    i = data.draw(st.sampled_from(metas))
    other = name[:i] + "z" + name[i + 1 :]
    assert occurrences([name], f'"{other}"') == {}
    assert occurrences([name], f'"{name}"')[0].quoted


@given(st.lists(names, min_size=1, max_size=30, unique_by=fold), st.data())
def test_many_names_each_found(name_list, data):
    target = data.draw(st.sampled_from(range(len(name_list))))
    line = 'x "' + name_list[target] + '" y'
    occ = occurrences(name_list, line)
    assert target in occ and occ[target].quoted


# --- the fast byte search never misses what the exact check finds ---

exotic_text = st.text(string.ascii_letters + " \"'" + "\u212a\u017f\u0131\u0130ÍíÅ\u212bß\u1e9e", max_size=30)


@given(st.lists(names, min_size=1, max_size=5, unique_by=fold), exotic_text, st.data(), st.sampled_from(["utf-8", "cp1252"]))
def test_fast_finder_flags_every_line_the_exact_check_accepts(name_list, filler, data, encoding):
    target = data.draw(st.sampled_from(name_list))
    shown = case_variant(data.draw, target)
    line = filler + ' "' + shown + '" ' + filler
    m = NameMatcher([(n, i) for i, n in enumerate(name_list)])
    try:
        raw = line.encode(encoding)
    except UnicodeEncodeError:
        return
    if not m.analyze(line):
        return
    for fast in (True, False):
        assert m.finder(encoding, fast)(raw)(0) is not None, (fast, line)


# --- the automaton prefilter (search/automaton.py) against a brute force and against the plain trie ---

import random  # noqa: E402
import unicodedata  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

from mfalogscan.search.automaton import CAP, Prefilter  # noqa: E402

PF_ENCODINGS = ["utf-8", "cp1252", "cp1254", "cp1251", "latin-1", "cp932"]
# Letters with non-ASCII case variants (k s i), Latin-1, Greek and Cyrillic letters, the exotic forms themselves,
# the Angstrom and Kelvin signs, a titlecase digraph, combining marks and joiners.
PF_ALPHABET = "aekinorstlz" + "üößéåσςΣµμдт" + "\u212aſıİ\u212bǅ" + "\u0301\u0308" + ".@-1 "
pf_names = st.text(alphabet=PF_ALPHABET, min_size=1, max_size=7).filter(lambda s: s.strip() == s)


def spell(name: str, rng: random.Random) -> str:
    """One way the name may be written: a random normal form, a random case variant of every character."""
    return "".join(rng.choice(variants(ch)) for ch in unicodedata.normalize(rng.choice(["NFC", "NFD"]), name))


@st.composite
def pf_cases(draw):
    """(encoding, names, buffer, cap): names spelt in any case and form among noise and random bytes."""
    enc = draw(st.sampled_from(PF_ENCODINGS))
    names = draw(st.lists(pf_names, min_size=1, max_size=4))
    rng = random.Random(draw(st.integers(0, 2**32)))
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["name", "name", "noise", "bytes"]))
        if kind == "bytes":
            parts.append(draw(st.binary(max_size=4)))
            continue
        text = spell(rng.choice(names), rng) if kind == "name" else draw(st.text(alphabet=PF_ALPHABET + "\"'x", max_size=6))
        parts.append(text.encode(enc, errors="ignore"))
    return enc, names, b"".join(parts), draw(st.sampled_from([1, 2, 4, CAP]))


def brute_force_starts(keys, buf: bytes, encoding: str) -> list[int]:
    """Every offset i where some buf[i:j] decodes (strictly) to text whose fold is a key: the truth."""
    keys = set(keys)
    longest = max(map(len, keys)) * 4
    out = []
    for i in range(len(buf)):
        for j in range(i + 1, min(len(buf), i + longest) + 1):
            try:
                text = buf[i:j].decode(encoding)
            except UnicodeDecodeError:
                continue
            if fold(text) in keys:
                out.append(i)
                break
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pf_cases())
def test_the_prefilter_never_misses_and_every_backend_gives_the_plain_spans(case):
    enc, names, buf, cap = case
    m = NameMatcher([(n, i) for i, n in enumerate(names)])
    truth = brute_force_starts(m.keys, buf, enc)
    fast, fallback = Prefilter(m.keys, enc, True, cap), Prefilter(m.keys, enc, False, cap)
    if fast.backend is None:  # no name has a form in this encoding
        assert truth == [] and fallback.backend is None and list(fast.spans(buf)) == []
        return
    assert fallback.backend == "re" and fast.backend in ("ahocorasick_rs", "re")  # "re": not installed here
    spans = list(fast.spans(buf))
    assert spans == list(fallback.spans(buf))
    tiny = Prefilter(m.keys, enc, True, cap)
    tiny.blocks = (1, 2, 8)  # the automaton asked a few bytes at a time: blocks join exactly
    if fast.backend == "ahocorasick_rs":
        starts = fast.starts(buf)
        assert starts == sorted(set(starts)) and set(truth) <= set(starts)
        assert tiny.starts(buf) == starts and list(tiny.spans(buf)) == spans
    # A name starting inside a longer one is covered by its span, as in one left-to-right search.
    assert all(any(s <= i < e for s, e in spans) for i in truth)
    if enc != "cp932":  # lowering bytes of a double-byte code page may find more than the raw trie: never less
        assert spans == list(m.finder(enc, fast=False).spans(buf))
    # The searcher LineScanner uses, asked at every offset, agrees with the spans.
    for f in (fast.finder(buf), fallback.finder(buf), tiny.finder(buf)):
        for pos in range(len(buf) + 1):
            assert f(pos) == next(iter(fast.spans(buf, pos)), None)


def test_prefilter_examples():
    names = ["müller", "kristina", "straße", "Иван"]
    keys = NameMatcher([(n, i) for i, n in enumerate(names)]).keys
    text = "x MÜLLER \u212aRI\u017fTINA mu\u0308ller STRAẞE STRASSE иВАН".encode()
    for accelerate in (True, False):
        spans = list(Prefilter(keys, "utf-8", accelerate).spans(text))
        assert spans == [(2, 9), (10, 21), (22, 30), (31, 39), (48, 56)]  # K and long s: 3 and 2 bytes each
    cp = "x MÜLLER KRISTINA müller".encode("cp1252")
    assert list(Prefilter(keys, "cp1252").spans(cp)) == [(2, 8), (9, 17), (18, 24)]
    tr = "KIRK kırk KİRK".encode("cp1254")
    assert list(Prefilter(["kirk"], "cp1254").spans(tr)) == [(0, 4), (5, 9)]  # İ is no variant of i
    assert Prefilter(["jdoe"], "ascii").backend is not None and Prefilter(["é"], "ascii").backend is None


@pytest.mark.parametrize("enc", PF_ENCODINGS)
def test_an_ascii_name_is_one_literal_where_the_transform_merges_its_case(enc):
    pytest.importorskip("ahocorasick_rs")
    pf = Prefilter(["kristina.kirkpatrick1234@contoso.com", "sissi"], enc)
    assert len(pf.literals) == (2 if enc != "cp932" else len(pf.literals))


def test_a_name_with_too_many_forms_is_searched_by_a_prefix_and_still_found_whole():
    pytest.importorskip("ahocorasick_rs")
    name = "иванов-петров"  # 2 ** 12 case forms in UTF-8
    pf = Prefilter([fold(name)], "utf-8", cap=CAP)
    assert max(map(len, pf.literals)) < len(name.encode()) and len(pf.literals) <= CAP
    line = ('x "' + "ИвАнОв-ПеТрОв" + '" y "иванов-петрук"').encode()  # the second shares the prefix only
    assert list(pf.spans(line)) == [(3, 3 + len(name.encode()))]
    assert len(pf.starts(line)) == 2


def test_without_ahocorasick_rs_the_trie_searches(monkeypatch):
    import builtins

    from mfalogscan.search import automaton

    real = builtins.__import__

    def no_automaton(name, *args, **kwargs):
        if name == "ahocorasick_rs":
            raise ImportError("not here")
        return real(name, *args, **kwargs)

    automaton.installed.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_automaton)
    try:
        pf = Prefilter(["jdoe"], "utf-8")
        assert pf.backend == "re" and list(pf.spans(b'"JDOE" jdoe')) == [(1, 5), (7, 11)]
    finally:
        monkeypatch.undo()
        automaton.installed.cache_clear()


def _as_tuples(matcher, text, lo=0, hi=None):
    return [(o.subject, o.matched, o.quoted, o.start, o.end) for o in matcher.occurrences(text, lo, hi)]


@given(st.lists(names, min_size=1, max_size=6), st.lists(st.one_of(names, filler, exotic_text), max_size=8), st.data())
def test_the_exact_check_by_automaton_gives_what_the_trie_gives(name_list, pieces, data):
    # Names that are prefixes of each other, in every case variant, quoted or not, NFC and NFD, next to each other.
    from mfalogscan.search.automaton import installed

    assume(installed())
    cut = data.draw(st.integers(1, len(name_list[0])))
    name_list = list(dict.fromkeys(name_list + [name_list[0][:cut].strip() or name_list[0]]))  # one name a prefix of another
    pairs = [(n, i % 3) for i, n in enumerate(name_list)]
    fast, plain = NameMatcher(pairs, accelerate=True), NameMatcher(pairs, accelerate=False)
    assert fast._by_automaton and not plain._by_automaton
    parts = []
    for piece in pieces + [data.draw(st.sampled_from(name_list))]:
        piece = data.draw(st.sampled_from([piece, case_variant(data.draw, piece), unicodedata.normalize("NFD", piece)]))
        parts.append(data.draw(st.sampled_from(['"{}"', "{}", " {} ", "'{}'"])).format(piece))
    text = "".join(parts)
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.one_of(st.none(), st.integers(lo, len(text))))
    assert _as_tuples(fast, text) == _as_tuples(plain, text)
    assert _as_tuples(fast, text, lo, hi) == _as_tuples(plain, text, lo, hi)
    assert fast.analyze(text) == plain.analyze(text)
