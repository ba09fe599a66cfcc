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
