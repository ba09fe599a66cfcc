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
    if len(names[0]) > 1 and draw(st.booleans()):  # a name that is a prefix of another: two keys at one start
        names.append(names[0][: draw(st.integers(1, len(names[0]) - 1))].strip() or names[0])
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
    truth = brute_force_starts(m.search_keys, buf, enc)
    fast, fallback = Prefilter(m.search_keys, enc, True, cap), Prefilter(m.search_keys, enc, False, cap)
    if fast.backend is None:  # no name has a form in this encoding
        assert truth == [] and fallback.backend is None and list(fast.spans(buf)) == []
        return
    assert fallback.backend == "python" and fast.backend in ("ahocorasick_rs", "python")  # "python": not installed here
    spans = list(fast.spans(buf))
    assert spans == list(fallback.spans(buf))
    tiny = Prefilter(m.search_keys, enc, True, cap)
    tiny.blocks = (1, 2, 8)  # the automaton asked a few bytes at a time: blocks join exactly
    starts = fast.starts(buf)
    assert starts == sorted(set(starts)) and set(truth) <= set(starts) and fallback.starts(buf) == starts
    assert tiny.starts(buf) == starts and list(tiny.spans(buf)) == spans
    narrow = Prefilter(m.search_keys, enc, False, cap)
    narrow._auto = Literals(narrow.literals, budget=1)  # heads of one byte: several keys and lengths under a head
    assert narrow.starts(buf) == starts and list(narrow.spans(buf)) == spans
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
        assert pf.backend == "python" and list(pf.spans(b'"JDOE" jdoe')) == [(1, 5), (7, 11)]
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
    fast, plain = NameMatcher(pairs, accelerate=True), NameMatcher(pairs, accelerate=False, fast=False)
    pure = NameMatcher(pairs, accelerate=False)  # the automaton's stand-in in plain Python
    assert fast._by_literals and fast._accelerate and pure._by_literals and not pure._accelerate
    assert not plain._by_literals
    parts = []
    for piece in pieces + [data.draw(st.sampled_from(name_list))]:
        piece = data.draw(st.sampled_from([piece, case_variant(data.draw, piece), unicodedata.normalize("NFD", piece)]))
        parts.append(data.draw(st.sampled_from(['"{}"', "{}", " {} ", "'{}'"])).format(piece))
    text = "".join(parts)
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.one_of(st.none(), st.integers(lo, len(text))))
    assert _as_tuples(fast, text) == _as_tuples(plain, text) == _as_tuples(pure, text)
    assert _as_tuples(fast, text, lo, hi) == _as_tuples(plain, text, lo, hi) == _as_tuples(pure, text, lo, hi)
    assert fast.analyze(text) == plain.analyze(text) == pure.analyze(text)


# --- literals.Literals: the automaton's stand-in in plain Python ---

from mfalogscan.search import literals as literals_module  # noqa: E402
from mfalogscan.search.automaton import installed  # noqa: E402
from mfalogscan.search.literals import Literals  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab.c", min_size=1, max_size=11), min_size=1, max_size=8, unique=True),
       st.text(alphabet="ab.cx", max_size=40), st.booleans())
def test_literals_find_every_occurrence_as_the_automaton_does(patterns, hay, as_bytes):
    # Patterns shorter and longer than a head, sharing heads, prefixes of each other, at the haystack's end.
    if as_bytes:
        patterns, hay = [p.encode() for p in patterns], hay.encode()
    truth = sorted((i, s, s + len(p)) for i, p in enumerate(patterns) for s in range(len(hay)) if hay.startswith(p, s))
    got = Literals(patterns).find_matches_as_indexes(hay, overlapping=True)
    assert sorted(got) == truth
    assert got == sorted(got, key=lambda m: (m[1], -m[2]))  # by start, longest first
    if as_bytes:
        assert sorted(Literals(patterns).find_matches_as_indexes(memoryview(hay))) == truth
    if installed():
        import ahocorasick_rs

        kind = ahocorasick_rs.BytesAhoCorasick if as_bytes else ahocorasick_rs.AhoCorasick
        auto = kind(patterns, matchkind=ahocorasick_rs.MATCHKIND_STANDARD)
        assert sorted(auto.find_matches_as_indexes(hay, overlapping=True)) == truth


def test_literals_grow_their_expression_with_the_heads_not_the_patterns():
    # 100,000 names that share 100 first names and a domain: heads as long as the budget allows, their expression
    # bounded by it; a few names are their own heads.
    names = [f"first{k:03d}.smith{n}@contoso.com" for k in range(100) for n in range(1000)]
    lit = Literals(names)
    assert sum(map(len, lit.lengths)) <= literals_module.BUDGET and lit.head == 12
    assert max(map(len, lit.lengths.values())) == 3  # smith0@ ... smith999@: three lengths under a head at most
    target = "first042.smith123@contoso.com"
    assert lit.find_matches_as_indexes(f'x "{target}" y') == [(names.index(target), 3, 3 + len(target))]
    assert Literals(["jdoe", "alice@contoso.com"]).head == 64


# U+2200 then U+0100 hold the bytes of a UTF-16-LE quote (22 00) across two characters; U+2222 then U+2200 a BE one.
QUOTE_ALPHABET = PF_ALPHABET + "\u2200\u0100\u2222"
quoted_test_names = st.text(alphabet=QUOTE_ALPHABET, min_size=1, max_size=6).filter(lambda s: s.strip() == s)


@settings(max_examples=400, deadline=None)
@given(st.lists(quoted_test_names, min_size=1, max_size=3), st.sampled_from(["utf-8", "utf-16-le", "utf-16-be"]), st.data())
def test_quoted_names_are_the_matches_of_the_quoted_trie(names, enc, data):
    # Names spelt in any case and form, quoted or not, among quotes, NULs and random bytes, at any alignment.
    m = NameMatcher([(n, i) for i, n in enumerate(names)])
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    parts = []
    for _ in range(data.draw(st.integers(0, 10))):
        kind = data.draw(st.sampled_from(["quoted", "quoted", "bare", "bytes", "quote"]))
        if kind == "bytes":
            parts.append(data.draw(st.binary(max_size=3)))
        elif kind == "quote":
            parts.append('"'.encode(enc) + data.draw(st.sampled_from([b"", b"\x00", b"\x22"])))
        else:
            text = spell(rng.choice(names), rng)
            parts.append((f'"{text}"' if kind == "quoted" else text).encode(enc, errors="ignore"))
    buf = b"".join(parts)
    pattern = m.quoted_searcher(enc)
    want = [(x.start(), x.start(1), x.group(1).decode(enc)) for x in pattern.finditer(buf)] if pattern else []
    assert list(m.quoted_names(enc)(buf)) == want


def test_a_quote_across_two_utf16_characters_does_not_end_the_name():
    m = NameMatcher([("x\u2200\u0100y", 0)])
    buf = '"X\u2200\u0100Y"'.encode("utf-16-le")
    assert buf[5:7] == b"\x22\x00"  # a quote's bytes inside the name
    assert list(m.quoted_names("utf-16-le")(buf)) == [(0, 2, "X\u2200\u0100Y")]
    assert [x.start(1) for x in m.quoted_searcher("utf-16-le").finditer(buf)] == [2]
