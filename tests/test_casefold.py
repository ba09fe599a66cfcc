import regex

from mfalogscan.search import casefold


def test_classes_agree_with_regex_simple_folding_except_dotless_i():
    """Every cased character's class equals what `regex` (simple case folding) calls equal to it."""
    fold, classes = casefold._tables()
    every = "".join(sorted({chr(k) for k in fold} | set(fold.values()) | {c for v in classes.values() for c in v}))
    disagreements = set()
    for ch in every:
        expected = set(regex.findall(regex.escape(ch), every, flags=regex.IGNORECASE | regex.V0))
        if expected != set(casefold.variants(ch)):
            disagreements.add(ch)
    # Windows upper-cases ı to I, so ı, i and I are one class for us; regex keeps ı apart from i.
    assert disagreements == {"i", "ı"}


def test_examples():
    assert set(casefold.variants("k")) == {"k", "K", "\u212a"}
    assert set(casefold.variants("ß")) == {"ß", "ẞ"}
    assert casefold.fold("JÜRGEN") == casefold.fold("jürgen")
    assert casefold.fold("straße") != casefold.fold("strasse")
