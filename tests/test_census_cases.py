"""Inputs where the census and the reference (inventory(config, census=False)) once disagreed, found in review.

Each is a minimal reproduction; each docstring says which side was wrong then. Now they agree, or differ only
as docs/output.md says the map differs from a scan (a source holding a name only unquoted is none of its
sources; a name written in a mixed Unicode form, which no scan finds, is listed with its unquoted records).
"""

from __future__ import annotations

from .test_census import assert_same, native

ADD = 'User "CONTOSO\\admin" added new user "{}"'
NEW = "2026-11-20T10:00:00Z"  # within retention (AS_OF 2026-12-01, 90 days)
OLD = "2025-01-01T00:00:00Z"  # past retention


def add(name: str, stamp: str = NEW) -> str:
    return native(stamp, ADD.format(name))


# --- 1. Line ends: the census splits at LF only; the scan also ends a line at a lone CR ------------------------


def test_lone_cr_inside_an_lf_log(tmp_path):
    """The census was wrong. The scan makes a lone CR an LF (search.linestats / sources.lineends), so `junk "jdoe"` is a
    line of its own (a continuation: 3 findings of jdoe). The census sees one line `head\\rjunk "jdoe"` (2)."""
    (tmp_path / "MultiFactorAuthSvc.log").write_bytes(
        (add("jdoe") + "\r" + 'junk "jdoe"\n' + add("jdoe", "2026-11-20T10:01:00Z") + "\n").encode())
    assert_same([tmp_path])


def test_cr_cr_lf_line_end_with_an_anchored_site_rule_loses_the_identity(tmp_path):
    """The census was wrong. In `...\\r\\r\\n` the first CR is lone (LONE_CR = \\r(?!\\n)): the scan reads `...` + an empty
    line, the census `...\\r`. A site rule anchored with `$` then matches in the scan but not in the census, and
    the identity `jdoe` is missing from the census's map altogether."""
    rules = tmp_path / "site.toml"
    rules.write_text('version = 1\n[[rule]]\nid = "site.enrolled"\ncategory = "user-change"\nkind = "enrolled"\n'
                     "pattern = '''Enrolled \"(?P<target>[^\"]*)\"$'''\n", encoding="utf-8")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "MultiFactorAuthSvc.log").write_bytes((native(NEW, 'Enrolled "jdoe"') + "\r\r\n").encode())
    assert_same([tmp_path / "logs"], rules_files=(str(rules),))


def test_cr_cr_lf_line_end_counts_lines_past_retention(tmp_path):
    """Census wrong (same cause): an old `\\r\\r\\n` line is 2 lines to the scan, 1 to the census
    (lines_past_retention 1 vs 2, per source and per rotation set)."""
    (tmp_path / "MultiFactorAuthSvc.log").write_bytes((add("jdoe", OLD) + "\r\r\n").encode())
    assert_same([tmp_path])


# --- 2. Names: the census counts a quoted string under name_key(string); the matcher under fold(NFC|NFD) ---------


def test_turkish_dotted_capital_i_written_decomposed(tmp_path):
    """The census was wrong. `İpek` (U+0130) is searched as fold(NFC) = `İpek` and fold(NFD) = `i\\u0307pek`; the quoted
    `"i\\u0307pek"` is a finding of İpek to the scan (2 findings), but name_key("i\\u0307pek") != name_key("İpek"),
    so the census files it under a string that is no identity and drops it (1 finding)."""
    (tmp_path / "MultiFactorAuthSvc.log").write_text(
        add("\u0130pek") + "\n" + native("2026-11-20T10:01:00Z", 'Something "i\u0307pek" here') + "\n",
        encoding="utf-8")
    assert_same([tmp_path])


# --- 3. Merging the census's units with the reference's units ---------------------------------------------------


def test_identity_spelling_when_a_reference_unit_comes_first(tmp_path):
    """The census was wrong. The reference names an identity by the first spelling met in unit order (`JDoe`, in the
    UTF-16 file a/); with the census, `_found` takes every census unit's spellings first (`jdoe`, from b/)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "MultiFactorAuthSvc.log").write_bytes((add("JDoe") + "\n").encode("utf-16"))
    (tmp_path / "b" / "MultiFactorAuthSvc.log").write_text(add("jdoe") + "\n", encoding="utf-8")
    assert_same([tmp_path])


def test_first_and_last_seen_of_equal_moments_across_the_two_paths(tmp_path):
    """The census was wrong. Same moment written `10:00:00Z` (census file a/, met first) and `10:00:00.000000Z`
    (UTF-16 file b/, met last). Reference: first_seen `...00Z`, last_seen `...00.000000Z`. Census mode swaps them:
    entries._seen gives the scan's side (unit 0, line 0) precedence on ties for min, the census's for max."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "MultiFactorAuthSvc.log").write_text(add("jdoe") + "\n", encoding="utf-8")
    (tmp_path / "b" / "MultiFactorAuthSvc.log").write_bytes(
        (add("jdoe", "2026-11-20T10:00:00.000000Z") + "\n").encode("utf-16"))
    assert_same([tmp_path])


# --- 4. `sources`: the census only notes a source for findings and rule-group mentions --------------------------


def test_sources_of_a_name_written_as_domain_name_in_a_backup(tmp_path):
    """The census was wrong. The backup holds `CONTOSO\\jdoe` only: an unquoted occurrence of `jdoe`, so a scan for jdoe
    lists the backup among jdoe's sources and the backup holds 2 identities. The census lists jdoe in one source
    and gives the backup 1 identity. (Not covered by the documented mentions difference: `sources` and a source's
    `identities` are compared fields.)"""
    change = 'User "{0}" changed user "{0}" value Phone from "1" to "x".'
    (tmp_path / "MultiFactorAuthSvc.log").write_text(native(NEW, change.format("jdoe")) + "\n", encoding="utf-8")
    (tmp_path / "MultiFactorAuthSvc.log.1").write_text(native(NEW, change.format("CONTOSO\\jdoe")) + "\n",
                                                       encoding="utf-8")
    assert_same([tmp_path])


def test_sources_of_a_name_on_a_line_no_rule_reads(tmp_path):
    """Census wrong (same cause): `Directory sync run by jdoe` in the backup."""
    (tmp_path / "MultiFactorAuthSvc.log").write_text(add("jdoe") + "\n", encoding="utf-8")
    (tmp_path / "MultiFactorAuthSvc.log.1").write_text(native(NEW, "Directory sync run by jdoe") + "\n",
                                                       encoding="utf-8")
    assert_same([tmp_path])


# --- 5. Time keys: tally.when_key writes years below 1000 without padding (strftime %Y on glibc) -----------------


def test_retention_cutoff_before_year_1000(tmp_path):
    """The census was wrong. --retention-days 400000 puts the cut-off in 931: when_key gives '931-...', and every
    '2026-...' key sorts before it, so every finding and line is past retention (reference: only the year-500 one)."""
    (tmp_path / "MultiFactorAuthSvc.log").write_text(
        add("jdoe") + "\n" + add("olduser", "0500-01-01T00:00:00Z") + "\n", encoding="utf-8")
    assert_same([tmp_path], retention_days=400000)


def test_a_stamp_of_year_500_in_other_digits_crashes_the_census(tmp_path):
    """The census crashed (ValueError in tally.key_moment). A first line whose stamp has Arabic-Indic digits is not
    read by _HEAD but by the framing (`\\d`); _stamp_key_of -> when_key -> '500-01-01T...' -> fromisoformat fails."""
    digits = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
    (tmp_path / "MultiFactorAuthSvc.log").write_text(
        native("0500-01-01T00:00:00Z".translate(digits), ADD.format("jdoe")) + "\n", encoding="utf-8")
    assert_same([tmp_path])


# --- 6. Disagreements where the REFERENCE is wrong ----------------------------------------------------------------


def test_reference_misses_an_identity_written_on_a_code_page_line(tmp_path):
    """The reference was wrong, census right. `scan -u José` finds the cp1252 line (1 finding, CodePageSearch), and the
    census maps José with 1 finding; the reference's discovery (identities._record, and the Sample read in
    _records_of_text) decodes with errors="replace", discovers `Jos\\ufffd` at best, and José is not in its map.
    (Also reaches the real `inventory` when the census gives up on such a file: José is then silently lost.)"""
    (tmp_path / "MultiFactorAuthSvc.log").write_bytes(
        (add("jdoe") + "\n").encode() + add("Jos\u00e9").encode("cp1252") + b"\n")
    assert_same([tmp_path])


def test_a_name_in_mixed_normal_form(tmp_path):
    """The matcher misses it. `Jos\\u00e9e\\u0301` (one composed, one decomposed accent) is searched only in
    its NFC and NFD forms, so `scan -u` with the very spelling the log writes finds nothing, and the reference
    drops the identity. The census keeps it (findings 0, mentions 1) - itself not right either: the name is
    quoted on that line."""
    (tmp_path / "MultiFactorAuthSvc.log").write_text(add("Jos\u00e9e\u0301") + "\n", encoding="utf-8")
    assert_same([tmp_path])


def test_bytes_past_retention_with_a_bom(tmp_path):
    """The reference was wrong (minor). With a UTF-8 BOM and only the last line old, the reference's Aging ends the last
    line at counts.bytes (which counts the BOM) while its starts are positions after the BOM: 3 bytes too many."""
    (tmp_path / "MultiFactorAuthSvc.log").write_bytes(
        b"\xef\xbb\xbf" + (add("jdoe") + "\r\n" + add("jdoe", OLD) + "\r\n").encode())
    assert_same([tmp_path])
