"""Rules as data: the shipped file, every family, and errors that name file, line and rule."""

import pytest

from mfalogscan.errors import RuleError
from mfalogscan.rules.classify import classify
from mfalogscan.rules.load import load_rules, parse_rules

RULES = load_rules()


def is_jdoe(value):
    return value.lower().rsplit("\\", 1)[-1] == "jdoe"


@pytest.mark.parametrize(
    "message, category, kind, role, extra",
    [
        ('User "CONTOSO\\admin" changed user "jdoe" value Phone from "555" to "556".', "user-change", "value-changed", "target", {"field": "Phone"}),
        ('User "CONTOSO\\admin" changed User "jdoe" value Backup Phone from 1 to 2', "user-change", "value-changed", "target", {"field": "Backup Phone"}),
        ('User "jdoe" changed user "jdoe" value PIN Change Required from False to True', "user-change", "value-changed", "self", {"field": "PIN Change Required"}),
        ('User "jdoe" changed user "kchen" value Enabled from True to False', "user-change", "value-changed", "actor", {}),
        ('User "NT AUTHORITY\\SYSTEM" added new user "jdoe".', "user-change", "user-added", "target", {}),
        ('User "CONTOSO\\admin" deleted user record "jdoe".', "user-change", "user-deleted", "target", {}),
        ('User "jdoe" added new User Mobile App Device "iPhone".', "user-change", "device-added", "target", {}),
        ('User "jdoe" deleted User Mobile App Device record "iPhone".', "user-change", "device-deleted", "target", {}),
        ('User "jdoe" changed OATH Token serial 123 value enabled', "user-change", "oath-token-changed", "target", {}),
        ("Pfauth failed for user 'jdoe' from 10.0.0.1. Call status: FAILED_FRAUD_CODE_ENTERED - \"Fraud\".", "operational", "mfa-auth", "subject", {"call_status": "FAILED_FRAUD_CODE_ENTERED"}),
        ("Pfauth not performed for user 'CN=John Doe,OU=Staff,DC=contoso,DC=com' (distinguishedName format).", "operational", "mfa-auth", "subject", {}),
        ("Primary auth type 'LDAP' requested for user 'jdoe'", "operational", "primary-auth", "subject", {}),
        ("Primary auth succeeded for user 'jdoe'", "operational", "primary-auth", "subject", {}),
        ("Failed LDAP auth for user 'jdoe' Logon failure: unknown user name or bad password.", "operational", "primary-auth", "subject", {}),
        ('validate_oath_code: user "jdoe" updated authentication result. callStatus = OATH Code Incorrect', "operational", "oath-validation", "subject", {"call_status": "OATH Code Incorrect"}),
        ("validate_security_question_answers: user jdoe updated authentication result.", "operational", "security-question-validation", "subject", {}),
        ("Calling pfAuthUser('CONTOSO\\jdoe', '', 1)", "operational", "radius", "subject", {}),
        ('One-time bypass created for user "jdoe" for 300 seconds.', "operational", "bypass", "subject", {}),
        ('Sending SMS to user "jdoe"', "unclassified", "unrecognized", "subject", {}),
    ],
)
def test_every_family(message, category, kind, role, extra):
    c = classify(RULES, message, "pfsvc", is_jdoe)
    assert (c.category, c.kind, c.role) == (category, kind, role)
    for k, v in extra.items():
        assert getattr(c, k) == v


def test_a_change_naming_the_user_elsewhere_is_mentioned():
    c = classify(RULES, 'User "a" changed user "b" value Note from "jdoe" to "x"', None, is_jdoe)
    assert (c.kind, c.role) == ("value-changed", "mentioned")


def test_user_rules_come_first_and_can_replace_shipped_ones(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('[[rule]]\nid = "site.bypass"\ncategory = "operational"\nkind = "bypass"\npattern = \'Sending SMS to user\'\n')
    rules = load_rules([str(f)])
    assert rules.rules[0].id == "site.bypass"
    assert classify(rules, 'Sending SMS to user "jdoe"', None, is_jdoe).rule == "site.bypass"
    f.write_text('[[rule]]\nid = "operational.bypass"\ncategory = "operational"\nkind = "bypass"\npattern = \'Bypass granted\'\n')
    rules = load_rules([str(f)])
    assert [r.id for r in rules.rules].count("operational.bypass") == 1
    assert rules.sha256 != RULES.sha256


BROKEN = [
    ('[[rule]\nid = "x"', 1, None, "not valid TOML"),
    ('[[rule]]\nid = "a"\ncategory = "operational"\nkind = "k"\npattern = "(unclosed"\n', 5, "a", "bad regular expression"),
    ('[[rule]]\nid = "a"\ncategory = "everything"\nkind = "k"\npattern = "x"\n', 3, "a", "unknown category"),
    ('[[rule]]\nid = "a"\ncategory = "unclassified"\nkind = "k"\npattern = "x"\n', 3, "a", "cannot assign"),
    ('[[rule]]\nid = "a"\ncategory = "operational"\nkind = "k"\npattern = ".*"\n', 5, "a", "catch-all"),
    ('[[rule]]\nid = "a"\ncategory = "operational"\nkind = "k"\npattern = "x"\n\n[[rule]]\nid = "a"\ncategory = "operational"\nkind = "k"\npattern = "y"\n', 7, "a", "duplicate"),
    ('[[rule]]\nid = "a"\ncategory = "operational"\nkind = "Not A Kind"\npattern = "x"\n', 4, "a", "kind"),
    ('[[rule]]\nid = "a"\ncategory = "operational"\nkind = "k"\npatern = "x"\n', 5, "a", "unknown key"),
    ('[[rule]]\ncategory = "operational"\n', 1, None, "no 'id'"),
    # Rules for event logs (issue 15): only a rule scoped to channels or providers may go without a pattern.
    ('[[rule]]\nid = "a"\ncategory = "operational"\nkind = "k"\nevent_ids = [1]\n', 1, "a", "only a rule for event-log"),
    ('[[rule]]\nid = "a"\ncategory = "operational"\nkind = "k"\nchannels = ["X"]\nevent_ids = ["1"]\n', 6, "a", "event IDs"),
    ('[[rule]]\nid = "a"\ncategory = "operational"\nkind = "k"\nchannels = "Security"\n', 5, "a", "'channels' must be a list"),
    ('[[rule]]\nid = "a"\ncategory = "operational"\nkind = "k"\nproviders = [""]\n', 5, "a", "'providers' must be a list"),
]


@pytest.mark.parametrize("text, line, rule, words", BROKEN)
def test_broken_rules_name_file_line_and_rule(tmp_path, text, line, rule, words):
    f = tmp_path / "broken.toml"
    f.write_text(text)
    with pytest.raises(RuleError) as e:
        load_rules([str(f)])
    assert e.value.path == str(f) and e.value.line == line and e.value.rule == rule
    assert words in str(e.value) and str(e.value).startswith(f"{f}:{line}: ")


def test_a_missing_rules_file_is_a_rule_error(tmp_path):
    with pytest.raises(RuleError, match="cannot read rules file"):
        load_rules([str(tmp_path / "none.toml")])


def test_a_slow_pattern_cannot_hang_classification(tmp_path, monkeypatch):
    import mfalogscan.rules.classify as classify_module

    monkeypatch.setattr(classify_module, "RULE_TIMEOUT", 0.05)
    f = tmp_path / "slow.toml"
    f.write_text('[[rule]]\nid = "slow"\ncategory = "operational"\nkind = "k"\npattern = \'(a|aa)+$\'\n')
    rules = load_rules([str(f)])
    c = classify(rules, "a" * 40 + "!", None, is_jdoe)
    assert c.category == "unclassified" and c.details["rules_timed_out"] == "slow"


def test_shipped_rules_parse_on_their_own():
    from importlib import resources

    text = resources.files("mfalogscan.rules").joinpath("default.toml").read_text()
    rules = parse_rules(text, "default.toml")
    assert len(rules) == len(RULES.rules) and all(r.origin == "default.toml" for r in rules)


def test_a_slow_rule_is_switched_off_for_a_source_after_a_few_time_outs(tmp_path, monkeypatch):
    """200 lines that make a rule backtrack took 200 time-outs (203 s); now four, then the rule is off, and said."""
    import mfalogscan.rules.classify as classify_module
    from mfalogscan import ScanConfig, Subject, scan

    monkeypatch.setattr(classify_module, "RULE_TIMEOUT", 0.05)
    rules = tmp_path / "slow.toml"
    rules.write_text('[[rule]]\nid = "slow"\ncategory = "operational"\nkind = "k"\npattern = \'(a|aa)+$\'\n')
    log = tmp_path / "MultiFactorAuthSvc.log"
    log.write_text("".join(f'2024-03-07T18:00:{i % 60:02d}.000000Z|i|1|2|pfsvc|user "jdoe" {"a" * 40}!\n'
                           for i in range(200)))
    r = scan(ScanConfig(paths=(str(log),), subjects=(Subject("jdoe"),), rules_files=(str(rules),)))
    assert len(r.findings) == 200 and all(f.details.get("rules_timed_out") == "slow" for f in r.findings)
    (issue,) = [i for i in r.sources[0].issues if "switched off" in i.message]
    assert "'slow'" in issue.message and "196 later message(s)" in issue.message and issue.severity == "warning"


def test_rules_for_events_are_tried_on_events_first_and_never_on_text_records(tmp_path):
    f = tmp_path / "site.toml"
    f.write_text('[[rule]]\nid = "site.sec"\ncategory = "operational"\nkind = "logon"\nchannels = ["Security"]\n'
                 'event_ids = [4624]\n')
    rules = load_rules([str(f)])
    change = 'User "CONTOSO\\admin" changed user "jdoe" value Phone from "1" to "2".'
    yes = lambda v: True  # noqa: E731
    assert classify(rules, change, None, yes, event=("security", None, 4624)).rule == "site.sec"
    assert classify(rules, change, None, yes, event=("Security", None, 4625)).kind == "value-changed"  # then the others
    assert classify(rules, change, None, yes).kind == "value-changed"  # a text record: the event rule is not tried
    assert classify(rules, "anything", None, yes, event=("Application", "x", 1)).category == "unclassified"
    nps = "NPS Extension for Azure MFA: CID: 1 : Access Accepted for user jdoe with Azure MFA response: Success and"
    verdict = classify(rules, nps, None, yes, event=(None, "Microsoft-AzureMfa-AuthZ", 1))  # the provider alone
    assert (verdict.kind, verdict.call_status) == ("access-accepted", "Success")
    assert classify(rules, "Access Accepted for user jdoe", None, yes).category == "unclassified"  # not an event
