"""Issue 17: every store of Microsoft's procedure accounted for in the evidence report; exports attached
(--gdpr-export), the deletion follow-up (--deleted-on), verify of an attachment, the wording as data.

Every log and export here is made by the test itself (event logs by tests/evtx_builder.py)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from mfalogscan import ScanConfig, Subject, scan
from mfalogscan.errors import ConfigError
from mfalogscan.evidence.attachment import load_export
from mfalogscan.evidence.document import document
from mfalogscan.evidence.procedure import deletion_of
from mfalogscan.evidence.stores import load_wording
from mfalogscan.printers import html as html_printer
from mfalogscan.printers import markdown as md_printer
from mfalogscan.printers.subject_view import subject_views

from .evtx_builder import Event, build_evtx

T0 = datetime(2024, 3, 1, tzinfo=timezone.utc)
AS_OF = "2024-06-01T00:00:00+00:00"


def native(n: int, when: datetime, text: str) -> str:
    return f"{when.strftime('%Y-%m-%dT%H:%M:%S.%f')}Z|i|2960|{4000 + n}|pfsvc|{text}\n"


def mfa_log(path, days=(0, 10, 40)) -> None:
    lines = [native(i, T0 + timedelta(days=d), f'User "CONTOSO\\admin" changed user "jdoe" value Phone from "1" to "{i}".')
             for i, d in enumerate(days)]
    lines.append(native(9, T0, "Pfauth succeeded for user 'alice'. Call status: SUCCESS_NO_PIN - \"Only # Entered\"."))
    path.write_text("".join(lines), encoding="utf-8")


def syslog(path) -> None:
    path.write_text('Mar  7 18:20:20 MFASRV01 pfsvc: User "CONTOSO\\admin" changed user "jdoe" value Email from "a" '
                    'to "b".\n', encoding="utf-8")


def run(tmp_path, *paths, **options):
    options.setdefault("as_of", datetime.fromisoformat(AS_OF))
    options.setdefault("subjects", (Subject("jdoe"),))
    return scan(ScanConfig(paths=tuple(str(p) for p in paths), time=_year(), **options))


def _year():
    from mfalogscan.timeline.policy import TimePolicy

    return TimePolicy(year=2024)


def states(report, user="jdoe") -> dict[str, tuple[str, list[str]]]:
    doc = document(report)
    person = next(u for u in doc["users"] if u["user"] == user)
    return {s["id"]: (s["state"], s["sources"] or s["attachments"]) for s in person["stores"]}


SCANNED_STORES = {"mfa-server-log", "syslog", "mfa-server-other-logs", "nps-extension-event-logs", "adfs-adapter-event-logs"}


def test_native_log_only(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    report = run(tmp_path, log)
    got = states(report)
    assert got["mfa-server-log"] == ("covered", [str(log)])
    for store in SCANNED_STORES - {"mfa-server-log"}:
        assert got[store] == ("not-covered", []), store
    # Every store of the procedure is listed, those no scan covers with how to obtain them.
    assert set(got) == {s.id for s in load_wording().stores}
    person = document(report)["users"][0]
    obtain = {s["id"]: s["obtain"] for s in person["stores"]}
    assert "MultiFactorAuthGdpr.exe\" export jdoe" in obtain["mfa-server-export"]
    assert obtain["mfa-server-log"] is None and "Privacy portal" in obtain["entra-mfa-cloud"]
    notes = {s["id"]: s["note"] for s in person["stores"]}
    assert "backups kept elsewhere" in notes["mfa-server-log"] and notes["entra-mfa-cloud"] is None
    report.close()


def test_native_and_syslog_and_other_logs(tmp_path):
    log, sys_log, other = tmp_path / "MultiFactorAuthSvc.log.1", tmp_path / "collector.log", tmp_path / "MultiFactorAuthAdSyncSvc.log"
    mfa_log(log)
    syslog(sys_log)
    mfa_log(other)
    got = states(run(tmp_path, tmp_path))
    assert got["mfa-server-log"] == ("covered", [str(log)])
    assert got["syslog"] == ("covered", [str(sys_log)])
    assert got["mfa-server-other-logs"] == ("covered", [str(other)])
    assert got["nps-extension-event-logs"][0] == "not-covered"


def test_a_plain_file_covers_no_store(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text('jdoe said "jdoe" twice\n')
    got = states(run(tmp_path, notes))
    assert all(state == "not-covered" for state, _ in got.values())


def test_event_logs_decided_by_channel_not_by_name(tmp_path):
    # An NPS log whose records name someone else (its channel is read from its first record), renamed; and an
    # AD FS Tracing/Debug log that names jdoe.
    nps = tmp_path / "renamed.evtx"
    nps.write_bytes(build_evtx([Event(i, T0 + timedelta(seconds=i), data=[(None, f"Access Accepted for user u{i}")])
                                for i in range(1, 6)]))
    adfs = tmp_path / "debug.evtx"
    adfs.write_bytes(build_evtx([Event(1, T0, channel="AD FS Tracing/Debug", provider="AD FS Tracing",
                                       data=[("UserName", "jdoe")])]))
    security = tmp_path / "Microsoft-AzureMfa-AuthZ%4AuthZOptCh.evtx"  # named as NPS, but it is the Security log
    security.write_bytes(build_evtx([Event(1, T0, channel="Security", provider="Microsoft-Windows-Security-Auditing")]))
    report = run(tmp_path, tmp_path)
    got = states(report)
    # One of the NPS extension's three logs: covered in part, saying which were not read.
    assert got["nps-extension-event-logs"] == ("covered-in-part", [str(nps)])
    nps_store = next(s for s in document(report)["users"][0]["stores"] if s["id"] == "nps-extension-event-logs")
    assert "Microsoft-AzureMfa-AuthN/AuthNOptCh, Microsoft-AzureMfa-AuthZ/AuthZAdminCh" in nps_store["note"]
    assert got["adfs-adapter-event-logs"] == ("covered", [str(adfs)])
    assert got["mfa-server-log"][0] == "not-covered"
    channels = {s.path: s.channels for s in report.sources}
    assert channels[str(nps)] == ("Microsoft-AzureMfa-AuthZ/AuthZOptCh",)
    assert channels[str(security)] == ("Security",)


def test_all_three_nps_logs_cover_the_store(tmp_path):
    for n, channel in enumerate(("Microsoft-AzureMfa-AuthN/AuthNOptCh", "Microsoft-AzureMfa-AuthZ/AuthZAdminCh",
                                 "Microsoft-AzureMfa-AuthZ/AuthZOptCh")):
        (tmp_path / f"{n}.evtx").write_bytes(build_evtx([Event(1, T0, channel=channel)]))
    assert states(run(tmp_path, tmp_path))["nps-extension-event-logs"][0] == "covered"


def test_a_store_file_skipped_covers_in_part(tmp_path):
    (tmp_path / "MultiFactorAuthSvc.log").write_bytes(b"\x00\x01\x02binary" * 1000)
    backup = tmp_path / "MultiFactorAuthSvc.log.1"
    mfa_log(backup)
    report = run(tmp_path, tmp_path)
    state, where = states(report)["mfa-server-log"]
    assert state == "covered-in-part" and where == [str(backup), str(tmp_path / "MultiFactorAuthSvc.log")]
    store = next(s for s in document(report)["users"][0]["stores"] if s["id"] == "mfa-server-log")
    assert "Not read: " + str(tmp_path / "MultiFactorAuthSvc.log") in store["note"]


def test_a_source_not_read_in_full_covers_in_part(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log.2.gz"
    body = gzip.compress("".join(native(i, T0, f'User "a" changed user "jdoe" value X from "1" to "{i}".')
                                 for i in range(2000)).encode())
    log.write_bytes(body[: len(body) // 2])
    report = run(tmp_path, log)
    assert report.has_error
    state, where = states(report)["mfa-server-log"]
    assert (state, where) == ("covered-in-part", [str(log)])
    person = document(report)["users"][0]
    assert next(s for s in person["stores"] if s["id"] == "mfa-server-log")["obtain"]


HOSTILE = {
    "Username": "jdoe",
    "Note": "<script>alert(1)</script>\"><img src=x onerror=alert(2)>",
    "Markdown": "| a | b |\n# heading **bold** [link](javascript:alert(3)) `code`",
    "Controls": "\x1b]52;c;ZXZpbA==\x07 \u202egnp.exe",
    "Url": "https://attacker.example/beacon.png",
    "Nested": {"deeper": [1.10, 12345678901234567890123, True, None, [], {}], "a.b": "dots", "": "empty key"},
}


def export_file(tmp_path, name="export.json", value=None, encoding="utf-8", extra: str = "") -> str:
    text = json.dumps(HOSTILE if value is None else value, ensure_ascii=False)
    if extra:
        text = text[:-1] + extra + "}"
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if encoding != "utf-16" else b"\xff\xfe" + text.encode("utf-16-le"))
    return str(p)


def test_export_rows_are_the_file_exactly(tmp_path):
    path = export_file(tmp_path, extra=', "Username": "second", "Raw": 1.10')
    a = load_export(path, "jdoe")
    rows = {f: (v, t) for f, v, t in a.rows}
    assert rows["Note"] == (HOSTILE["Note"], "string")
    assert rows["Raw"] == ("1.10", "number")  # as written, not 1.1
    assert rows["Nested.deeper[1]"] == ("12345678901234567890123", "number")
    assert rows["Nested.deeper[2]"] == ("true", "boolean") and rows["Nested.deeper[3]"] == ("null", "null")
    assert rows["Nested.deeper[4]"] == ("[]", "array") and rows["Nested.deeper[5]"] == ("{}", "object")
    assert rows['Nested["a.b"]'] == ("dots", "string") and rows['Nested[""]'] == ("empty key", "string")
    assert [v for f, v, _ in a.rows if f == "Username"] == ["jdoe", "second"]  # a key given twice: both kept
    import hashlib

    data = (tmp_path / "export.json").read_bytes()
    assert (a.sha256, a.bytes) == (hashlib.sha256(data).hexdigest(), len(data))
    # UTF-16 with a BOM, as Windows tools write: the same rows.
    assert load_export(export_file(tmp_path, "u16.json", encoding="utf-16", extra=', "Username": "second", "Raw": 1.10'),
                       "jdoe").rows == a.rows


@pytest.mark.parametrize("content, says", [
    (b"{not json", "not JSON"), (b"\xff\xfe\x00", "not utf-16-le text"), (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
    (b"\x80abc", "not utf-8 text"),
])
def test_a_bad_export_is_one_clear_error(tmp_path, content, says):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(ConfigError, match=says):
        load_export(str(p), "jdoe")
    with pytest.raises(ConfigError, match="cannot read"):
        load_export(str(tmp_path / "missing.json"), "jdoe")


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_attached_export_in_every_report_escaped(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    path = export_file(tmp_path)
    report = run(tmp_path, log, gdpr_exports=(("jdoe", path),))
    got = states(report)
    assert got["mfa-server-export"] == ("attached", [path])
    person = document(report)["users"][0]
    assert person["attachments"][0]["sha256"] == load_export(path, "jdoe").sha256
    view = next(subject_views(report))
    page = html_printer.render(view)
    parser = _Tags()
    parser.feed(page)
    assert not [t for t, _ in parser.tags if t in ("script", "img", "a", "iframe", "object")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "\\x1b" in page and "\\u202e" in page
    assert "\x1b" not in page and "\u202e" not in page
    text = md_printer.render(view)
    assert "\\<script\\>" in text and "\\[link\\](javascript:alert(3))" in text and "\\x1b" in text
    # The export's rows are one table row each: the newline and the | of a value do not break the table.
    assert "\\| a \\| b \\| \\# heading" in text
    report.close()


def test_no_export_no_attachment(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    report = run(tmp_path, log)
    assert states(report)["mfa-server-export"] == ("not-covered", [])
    assert document(report)["users"][0]["attachments"] == []
    assert "Attached export" not in md_printer.render(next(subject_views(report)))


def test_deleted_on_marks_exactly_the_records_before_it(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log, days=(0, 5, 9, 10, 11, 40))  # the deletion: the end of day 9 (2024-03-10)
    deleted = datetime(2024, 3, 10, 23, 59, 59, tzinfo=timezone.utc)
    report = run(tmp_path, log, deleted_on=(("jdoe", deleted),))
    d = document(report)["users"][0]["deletion"]
    assert [r["line"] for r in d["follow_up"]] == [1, 2, 3]
    assert d["window_ends"] == "2024-04-09T23:59:59.000000Z" and d["window_passed"] is True
    assert (d["still_present"], d["after_deletion"], d["undated"]) == (3, 3, 0)
    # Before the window's end, the same records are listed and the report says when to look again.
    early = run(tmp_path, log, deleted_on=(("jdoe", deleted),), as_of=datetime(2024, 3, 20, tzinfo=timezone.utc))
    d2 = document(early)["users"][0]["deletion"]
    assert d2["window_passed"] is False and [r["line"] for r in d2["follow_up"]] == [1, 2, 3]
    assert "look again after 2024-04-09T23:59:59.000000Z" in md_printer.render(next(subject_views(early)))
    assert "the controller's follow-up list" in md_printer.render(next(subject_views(report)))


def test_deletion_with_undated_records():
    class F:
        def __init__(self, ts, line):
            self.timestamp, self.line, self.source, self.offset, self.category, self.kind = ts, line, "x", 0, "c", "k"

    d = deletion_of("jdoe", T0, T0 + timedelta(days=31),
                    [F(None, 1), F("2024-02-29T23:59:59Z", 2), F("2024-03-01T00:00:00Z", 3), F("2024-03-01T00:00:01Z", 4)])
    assert [r["line"] for r in d.before] == [2, 3] and [r["line"] for r in d.undated] == [1] and d.after == 1
    assert d.window_passed is True


def cli(*args, cwd):
    p = subprocess.run([sys.executable, "-m", "mfalogscan", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       timeout=300)
    assert "Traceback" not in p.stderr, p.stderr
    return p


def test_verify_catches_a_changed_or_missing_attachment(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    export_file(tmp_path)
    made = cli("scan", log.name, "-u", "jdoe", "--gdpr-export", "export.json", "--deleted-on", "2024-03-05",
               "--as-of", "2024-06-01", "-o", "r.json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    ok = cli("verify", "r.json", cwd=tmp_path)
    assert ok.returncode == 0 and "ok: attachment export.json (jdoe's export)" in ok.stdout + ok.stderr
    (tmp_path / "export.json").write_text(json.dumps(dict(HOSTILE, Username="someone else")))
    changed = cli("verify", "r.json", cwd=tmp_path)
    assert changed.returncode == 1 and "changed: attachment export.json (jdoe's export): SHA-256" in changed.stdout
    (tmp_path / "export.json").unlink()
    gone = cli("verify", "r.json", cwd=tmp_path)
    assert gone.returncode == 1 and "missing: attachment export.json" in gone.stdout


@pytest.mark.parametrize("args, says", [
    (["--gdpr-export", "nope.json"], "--gdpr-export: cannot read the file"),
    (["--gdpr-export", "bad.json"], "not JSON"),
    (["-u", "alice", "--gdpr-export", "export.json"], "this scan searches 2 people; say whose it is"),
    (["-u", "alice", "--gdpr-export", "bob=export.json"], "searches 2 people"),
    (["--gdpr-export", "export.json", "-f", "csv"], "--gdpr-export goes into the markdown, html and json reports"),
    (["--deleted-on", "yesterday-ish"], "--deleted-on: cannot read"),
    (["--checklist", "nope.toml", "-f", "json"], "cannot read the checklist file"),
])
def test_bad_options_are_one_line_exit_2(tmp_path, args, says):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    export_file(tmp_path)
    (tmp_path / "bad.json").write_text("{")
    p = cli("scan", log.name, "-u", "jdoe", *args, *([] if "-f" in args else ["-f", "json"]), cwd=tmp_path)
    assert p.returncode == 2 and says in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_name_says_whose_export(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    export_file(tmp_path)
    p = cli("scan", log.name, "-u", "jdoe", "-u", "alice", "--gdpr-export", "JDOE=export.json", "--deleted-on",
            "alice=2024-03-02", "-f", "json", cwd=tmp_path)
    doc = json.loads(p.stdout)
    by = {u["user"]: u for u in doc["users"]}
    assert [a["path"] for a in by["jdoe"]["attachments"]] == ["export.json"] and by["alice"]["attachments"] == []
    assert by["alice"]["deletion"]["deleted_on"] == "2024-03-02T23:59:59.999999Z" and by["jdoe"]["deletion"] is None
    assert doc["parameters"]["gdpr_exports"] == [{"user": "jdoe", "path": "export.json"}]
    assert [f["id"] for f in doc["procedure"]["facts"]] == ["retention-90-days", "removal-30-days"]


def test_a_translated_checklist(tmp_path):
    from importlib import resources

    shipped = resources.files("mfalogscan.evidence").joinpath("stores.toml").read_text("utf-8")
    sv = shipped.replace('heading = "Where MFA data about this person is kept"', 'heading = "Var MFA-data om personen finns"')
    sv = sv.replace('language = "en"', 'language = "sv"')
    (tmp_path / "sv.toml").write_text(sv, encoding="utf-8")
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    report = run(tmp_path, log, checklist=str(tmp_path / "sv.toml"))
    assert "## Var MFA-data om personen finns" in md_printer.render(next(subject_views(report)))
    assert document(report)["procedure"]["language"] == "sv"
    broken = sv.replace('[[store]]\nid = "sspr"', '[[store]]\nid = "sspr"\ncolour = "red"')
    (tmp_path / "broken.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError, match="store sspr: unknown key") as e:
        load_wording(str(tmp_path / "broken.toml"))
    assert e.value.line == broken[: broken.index('id = "sspr"')].count("\n") + 1
    (tmp_path / "short.toml").write_text(sv[: sv.index('[[store]]\nid = "sspr"')], encoding="utf-8")
    with pytest.raises(ConfigError, match="leaves out store"):
        load_wording(str(tmp_path / "short.toml"))


def test_masked_report_masks_other_people_in_the_export(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    path = export_file(tmp_path, value={"Username": "jdoe", "ChangedBy": "CONTOSO\\alice", "Manager": "alice",
                                        "Own": "CONTOSO\\jdoe"})
    report = run(tmp_path, log, subjects=(Subject("jdoe"), Subject("alice")), gdpr_exports=(("jdoe", path),),
                 mask_others=True)
    text = md_printer.render(next(subject_views(report)))
    section = text.split("## Attached export", 1)[1].split("## Sources in detail", 1)[0]
    assert "alice" not in section and "[other person" in section
    assert "| Own | CONTOSO\\\\jdoe | string |" in section and "| Username | jdoe | string |" in section
    # The JSON keeps the file as it is (it is the controller's evidence, not a report that circulates).
    assert ["ChangedBy", "CONTOSO\\alice", "string"] in document(report)["users"][0]["attachments"][0]["rows"]


def test_whose_value_it_is():
    from mfalogscan.config import per_person

    people = (Subject("CN=John Doe,OU=Staff", ("jdoe",)), Subject("alice"))
    assert per_person(["CN=John Doe,OU=Staff=x.json", "JDOE=y.json", "alice=a=b.json"], people, "--gdpr-export") == \
        [("CN=John Doe,OU=Staff", "x.json"), ("CN=John Doe,OU=Staff", "y.json"), ("alice", "a=b.json")]
    # One person searched: a value is theirs, even one holding `=`, when it is a file that exists.
    assert per_person(["alice=b.json"], (Subject("alice"),), "--gdpr-export", lambda v: v == "alice=b.json") == \
        [("alice", "alice=b.json")]
    with pytest.raises(ConfigError, match="say whose it is"):
        per_person(["x.json"], people, "--gdpr-export")
    with pytest.raises(ConfigError, match="nothing after the name"):
        per_person(["alice="], people, "--gdpr-export")


def test_verify_catches_an_edited_row_and_works_from_elsewhere(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    export_file(tmp_path)
    assert cli("scan", log.name, "-u", "jdoe", "--gdpr-export", "export.json", "-o", "r.json", cwd=tmp_path).returncode == 0
    elsewhere = cli("verify", tmp_path / "r.json", cwd="/")
    assert elsewhere.returncode == 0, elsewhere.stdout + elsewhere.stderr
    doc = json.loads((tmp_path / "r.json").read_text())
    doc["users"][0]["attachments"][0]["rows"][0][1] = "someone else"
    (tmp_path / "edited.json").write_text(json.dumps(doc))
    edited = cli("verify", "edited.json", cwd=tmp_path)
    assert edited.returncode == 1 and "attachments differ for jdoe: export.json: rows in the report" in edited.stdout


def test_someone_elses_export_is_refused(tmp_path):
    path = export_file(tmp_path, value={"Username": "bwilson", "Email": "b.wilson@contoso.com"})
    with pytest.raises(ConfigError, match="none of jdoe's names \\(jdoe, john.doe@contoso.com\\) is a value in it"):
        load_export(path, "jdoe", ("jdoe", "john.doe@contoso.com"))
    # A name of the person in another form (DOMAIN\name) is theirs.
    load_export(export_file(tmp_path, "own.json", value={"Account": "CONTOSO\\JDoe"}), "jdoe", ("jdoe",))


def test_lone_surrogate_is_shown_as_its_escape(tmp_path):
    p = tmp_path / "s.json"
    p.write_text('{"Username": "jdoe", "Odd\\ud800": "a\\udfffb"}')
    rows = load_export(str(p), "jdoe", ("jdoe",)).rows
    assert ('["Odd\\\\ud800"]', "a\\udfffb", "string") in rows
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    report = run(tmp_path, log, gdpr_exports=(("jdoe", str(p)),))
    md_printer.render(next(subject_views(report))).encode("utf-8")  # writable


def test_a_translation_cannot_change_what_is_covered(tmp_path):
    from importlib import resources

    shipped = resources.files("mfalogscan.evidence").joinpath("stores.toml").read_text("utf-8")
    forged = shipped.replace('id = "entra-mfa-cloud"', 'id = "entra-mfa-cloud"\ncovered_by = { formats = ["native"] }')
    forged = forged.replace("attachable = true", "")
    (tmp_path / "forged.toml").write_text(forged, encoding="utf-8")
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    got = states(run(tmp_path, log, checklist=str(tmp_path / "forged.toml"),
                     gdpr_exports=(("jdoe", export_file(tmp_path)),)))
    assert got["entra-mfa-cloud"][0] == "not-covered" and got["mfa-server-export"][0] == "attached"
    (tmp_path / "bad.toml").write_text(shipped.replace("version = 1", "version = 1\nfact = [1]").replace("[[fact]]", "[[factx]]"), encoding="utf-8")
    with pytest.raises(ConfigError, match="fact must be"):
        load_wording(str(tmp_path / "bad.toml"))


def test_deletion_says_what_the_time_window_left_out(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log, days=(0, 5, 40))
    from mfalogscan.timeline.policy import TimePolicy

    report = scan(ScanConfig(paths=(str(log),), subjects=(Subject("jdoe"),), as_of=datetime.fromisoformat(AS_OF),
                             time=TimePolicy(since=T0 + timedelta(days=20)),
                             deleted_on=(("jdoe", T0 + timedelta(days=10)),)))
    d = document(report)["users"][0]["deletion"]
    assert (d["still_present"], d["after_deletion"], d["outside_window"]) == (0, 1, 2)
    assert "2 finding(s) of this person lie outside the time window" in md_printer.render(next(subject_views(report)))


def test_deleted_on_is_a_date_not_an_age(tmp_path):
    log = tmp_path / "MultiFactorAuthSvc.log"
    mfa_log(log)
    p = cli("scan", log.name, "-u", "jdoe", "--deleted-on", "30d", "-f", "json", cwd=tmp_path)
    assert p.returncode == 2 and "--deleted-on: give a date" in p.stderr


def test_masked_report_masks_paths_in_the_follow_up(tmp_path):
    (tmp_path / "asmith").mkdir()
    log = tmp_path / "asmith" / "MultiFactorAuthSvc.log"
    mfa_log(log)
    report = run(tmp_path, log, subjects=(Subject("jdoe"), Subject("asmith")), mask_others=True,
                 deleted_on=(("jdoe", T0 + timedelta(days=20)),))
    text = md_printer.render(next(subject_views(report)))
    assert "asmith" not in text and "Follow-up after the deletion" in text
