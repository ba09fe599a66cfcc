"""verify: a report checked against its sources, and every way they can drift apart."""

import json
from collections import Counter
from pathlib import Path
import shutil

import pytest
from typer.testing import CliRunner

from mfalogscan.cli import app

from .conftest import gzip_bytes, sample_lines, text_bytes, zip_bytes

runner = CliRunner()


@pytest.fixture
def reported(tmp_path, write):
    write("Logs/MultiFactorAuthSvc.log", text_bytes(sample_lines(40), "\r\n", bom=True))
    write("Logs/MultiFactorAuthSvc.log.1.gz", gzip_bytes(text_bytes(sample_lines(30))))
    write("Logs/old.zip", zip_bytes({"MultiFactorAuthSvc.log.3": text_bytes(sample_lines(20), encoding="utf-16-le", bom=True)}))
    logs = tmp_path / "Logs"
    report = tmp_path / "report.json"
    r = runner.invoke(app, ["scan", str(logs), "--user", "jdoe", "--mentions", "-f", "json", "-o", str(report)])
    assert r.exit_code == 0, r.output
    return logs, report


def check(report, *paths):
    return runner.invoke(app, ["verify", str(report), *map(str, paths)])


def test_an_untouched_report_holds(reported):
    logs, report = reported
    r = check(report)
    assert r.exit_code == 0, r.stdout
    assert r.stdout.splitlines()[-1].startswith("everything holds: 4 source(s), ")
    assert "ok: all" in r.stdout


def test_one_changed_byte_is_found_and_named(reported):
    logs, report = reported
    path = logs / "MultiFactorAuthSvc.log"
    data = bytearray(path.read_bytes())
    i = data.index(b'"jdoe"') + 1
    data[i] = ord("J")  # "jdoe" -> "Jdoe": still a finding, but the line no longer says what the report says
    path.write_bytes(bytes(data))
    r = check(report)
    assert r.exit_code == 1
    assert f"changed: {path}: sha256 in the report" in r.stdout
    assert "finding differs:" in r.stdout and "matched in the report 'jdoe', now 'Jdoe'" in r.stdout


def test_a_deleted_source_is_missing(reported):
    logs, report = reported
    (logs / "MultiFactorAuthSvc.log.1.gz").unlink()
    r = check(report)
    assert r.exit_code == 1 and f"missing: {logs / 'MultiFactorAuthSvc.log.1.gz'}" in r.stdout
    assert "finding gone:" in r.stdout


def test_reordered_lines_are_found(reported):
    logs, report = reported
    path = logs / "MultiFactorAuthSvc.log"
    lines = path.read_bytes().split(b"\r\n")
    lines[3], lines[4] = lines[4], lines[3]
    path.write_bytes(b"\r\n".join(lines))
    r = check(report)
    assert r.exit_code == 1
    assert "finding gone:" in r.stdout and "finding not in the report:" in r.stdout


def test_a_finding_edited_in_the_report_is_found(reported):
    logs, report = reported
    doc = json.loads(report.read_text())
    doc["users"][0]["findings"][0]["text"] = doc["users"][0]["findings"][0]["text"].replace("556", "999")
    report.write_text(json.dumps(doc))
    r = check(report)
    assert r.exit_code == 1 and "finding differs:" in r.stdout and "'text' in the report" not in r.stdout
    assert "text in the report" in r.stdout


def test_a_member_inside_a_zip_is_checked_too(reported):
    logs, report = reported
    doc = json.loads(report.read_text())
    member = [s for s in doc["sources"] if s["path"].endswith("!MultiFactorAuthSvc.log.3")][0]
    member["sha256"] = "0" * 64
    report.write_text(json.dumps(doc))
    r = check(report)
    assert r.exit_code == 1 and "old.zip!MultiFactorAuthSvc.log.3: sha256 in the report '0000" in r.stdout


def test_moved_sources_are_found_where_you_say(reported, tmp_path):
    logs, report = reported
    moved = tmp_path / "elsewhere" / "Logs"
    shutil.move(str(logs), str(moved))
    assert check(report).exit_code == 1
    r = check(report, moved)
    assert r.exit_code == 0, r.stdout
    r = check(report, moved, moved)
    assert r.exit_code == 2 and "give as many PATHs" in r.stderr


def test_a_new_file_among_the_searched_paths_is_a_difference(reported):
    logs, report = reported
    (logs / "MultiFactorAuthSvc.log.9").write_bytes(b"nothing here\n")
    r = check(report)
    assert r.exit_code == 1 and "new: " in r.stdout


@pytest.mark.parametrize("content, words", [(b"{not json", "not a JSON report"), (b'{"x": 1}', "no parameters")])
def test_a_bad_report_is_exit_2(tmp_path, content, words):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    r = check(bad)
    assert r.exit_code == 2 and words in r.stderr and r.stderr.count("\n") == 1


# --- regressions from review ---


def test_trailing_slashes_do_not_matter(reported, tmp_path):
    logs, report = reported
    assert check(report, f"{logs}/").exit_code == 0
    moved = tmp_path / "w2"
    shutil.move(str(logs), str(moved))
    assert check(report, f"{moved}/").exit_code == 0


def test_a_report_made_with_rules_files_is_checked_under_them_where_they_are_now(tmp_path, write):
    write("Logs/a.log", text_bytes(sample_lines(10)))
    rules = write("site.toml", b'[[rule]]\nid = "site.x"\ncategory = "operational"\nkind = "x"\npattern = "changed user"\n')
    report = tmp_path / "r.json"
    assert runner.invoke(app, ["scan", str(tmp_path / "Logs"), "-u", "jdoe", "--rules", rules, "-f", "json", "-o", str(report)]).exit_code == 0
    assert check(report).exit_code == 0
    moved = shutil.move(rules, tmp_path / "kept.toml")
    r = check(report)  # gone: its classification cannot be checked, and that is a difference
    assert r.exit_code == 1 and "rules: a rules file of the report cannot be used" in r.stdout
    assert "classification was not compared" in r.stdout
    r = runner.invoke(app, ["verify", str(report), "--rules", str(moved)])
    assert r.exit_code == 0, r.stdout
    r = runner.invoke(app, ["verify", str(report), "--rules", str(moved), "--rules", str(moved)])
    assert r.exit_code == 2 and "give as many --rules" in r.stderr


def tamper(report, change):
    doc = json.loads(report.read_text())
    change(doc)
    report.write_text(json.dumps(doc))
    return check(report)


@pytest.mark.parametrize("what, change, words", [
    ("misattributed", lambda d: d["users"][0]["findings"][0].update(user="kchen"), "finding gone"),
    ("listed twice", lambda d: d["users"][0]["findings"].append(d["users"][0]["findings"][0]), "listed twice: finding"),
    ("counts", lambda d: d["users"][0]["counts"].update(findings=1), "counts differ for jdoe: findings"),
    ("kind", lambda d: d["users"][0]["findings"][0].update(kind="bypass"), "kind in the report 'bypass'"),
    ("record line", lambda d: d["users"][0]["findings"][0].update(record_line=99), "record_line in the report 99"),
    ("issues", lambda d: d["sources"][0].update(issues=[]) or d["sources"][0].update(undecodable_bytes=5), "undecodable_bytes"),
])
def test_reports_that_lie_do_not_verify(reported, what, change, words):
    logs, report = reported
    r = tamper(report, change)
    assert r.exit_code == 1 and words in r.stdout, (what, r.stdout[-400:])


@pytest.mark.parametrize("change", [
    lambda d: d["parameters"].update(paths="Logs"),
    lambda d: d["parameters"].update(users=["jdoe"]),
    lambda d: d["parameters"].update(since="last tuesday"),
    lambda d: d["users"][0]["findings"][0].pop("offset"),
])
def test_malformed_reports_are_one_line_errors(reported, change):
    logs, report = reported
    r = tamper(report, change)
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "malformed report" in r.stderr, r.stderr


# --- issue 13: every part recomputed, so no part can be forged alone ---


def _user_change_as_operational(d):
    for f in d["users"][0]["findings"]:
        if f["category"] == "user-change":
            f["category"] = "operational"
    d["rules_sha256"] = "0" * 64  # and the rules' hash, so the classification looks as if under other rules


def _no_retention(d):
    for f in d["users"][0]["findings"]:
        f["past_retention"] = False
    for s in d["sources"]:
        s["past_retention"] = {}
    d["users"][0]["counts"]["past_retention"] = 0
    d["summary"]["users"][0]["past_retention"] = 0


@pytest.mark.parametrize("what, change, words", [
    ("the summary alone", lambda d: d["summary"]["users"][0].update(findings=1), "summary differs: jdoe: findings in the report 1"),
    ("the summary's sources", lambda d: d["summary"].update(sources_partial=3), "summary differs: sources_partial in the report 3"),
    ("the summary's people", lambda d: d["summary"]["users"].clear(), "summary differs: the people it lists"),
    ("reclassified with its rules' hash", _user_change_as_operational, "rules: the report says it was classified under rules with SHA-256 0000"),
    ("retention cleared", _no_retention, "past_retention in the report False, now True"),
    ("a field added", lambda d: d["users"][0]["findings"][0].update(verified_by="legal"), "verified_by in the report 'legal', now None"),
    ("aliases", lambda d: d["users"][0].update(aliases=["jd"]), "counts differ for jdoe: aliases"),
])
def test_fault_a_forged_part_of_a_report_fails_verify_and_is_named(reported, what, change, words):
    logs, report = reported
    doc = json.loads(report.read_text())
    for f in doc["users"][0]["findings"]:  # the fixture's findings are old: retention applies
        assert f["past_retention"] is True
    r = tamper(report, change)
    assert r.exit_code == 1 and words in r.stdout, (what, r.stdout[-600:])
    assert "everything holds" not in r.stdout


def test_fault_zip_members_that_share_a_name_are_told_apart_by_position(tmp_path):
    import warnings
    import zipfile

    logs = tmp_path / "Logs"
    logs.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: the point of the test
        with zipfile.ZipFile(logs / "old.zip", "w") as z:
            z.writestr("MultiFactorAuthSvc.log", text_bytes(sample_lines(6)))  # one finding
            z.writestr("MultiFactorAuthSvc.log", text_bytes(sample_lines(30)))  # six
    report = tmp_path / "r.json"
    r = runner.invoke(app, ["scan", str(logs), "-u", "jdoe", "-f", "json", "-o", str(report)])
    assert r.exit_code == 0, r.output
    doc = json.loads(report.read_text())
    paths = [s["path"] for s in doc["sources"]]
    first, second = f"{logs / 'old.zip'}!MultiFactorAuthSvc.log", f"{logs / 'old.zip'}!MultiFactorAuthSvc.log (member 2)"
    assert paths[:2] == [first, second]
    assert [s["rotation_set"] for s in doc["sources"][:2]] == ["multifactorauthsvc.log"] * 2
    archive = doc["sources"][2]
    assert any("have the name of an earlier member" in i["message"] for i in archive["issues"])
    by_source = Counter(f["source"] for f in doc["users"][0]["findings"])
    assert by_source[first] < by_source[second]  # the second copy holds more: both read, each under its own name
    r = check(report)
    assert r.exit_code == 0, r.stdout


def test_fault_tar_members_that_share_a_name_are_told_apart_by_position(tmp_path):
    import io
    import tarfile

    logs = tmp_path / "Logs"
    logs.mkdir()
    with tarfile.open(logs / "old.tar", "w") as t:  # tar appends a newer copy under the same name
        for n in (6, 30):
            data = text_bytes(sample_lines(n))
            info = tarfile.TarInfo("MultiFactorAuthSvc.log")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    report = tmp_path / "r.json"
    assert runner.invoke(app, ["scan", str(logs), "-u", "jdoe", "-f", "json", "-o", str(report)]).exit_code == 0
    doc = json.loads(report.read_text())
    tar = logs / "old.tar"
    assert [s["path"] for s in doc["sources"]][:2] == [f"{tar}!MultiFactorAuthSvc.log", f"{tar}!MultiFactorAuthSvc.log (member 2)"]
    assert check(report).exit_code == 0


# --- seals: the manifest beside every report file, and signatures ---


def _scan_to(tmp_path, logs, name, *more):
    out = tmp_path / name
    r = runner.invoke(app, ["scan", str(logs), "-u", "jdoe", "-f", "json", "-o", str(out), *map(str, more)])
    assert r.exit_code == 0, r.output
    return out


def test_fault_every_report_file_has_a_manifest_that_sha256sum_accepts(reported, tmp_path):
    import hashlib
    import subprocess

    logs, report = reported
    manifest = Path(str(report) + ".sha256")
    digest = hashlib.sha256(report.read_bytes()).hexdigest()
    assert manifest.read_text() == f"{digest}  report.json\n"
    if shutil.which("sha256sum"):
        assert subprocess.run(["sha256sum", "-c", manifest.name], cwd=tmp_path, capture_output=True).returncode == 0
    data = bytearray(report.read_bytes())
    data[data.index(b'"jdoe"') + 1] = ord("J")
    report.write_bytes(bytes(data))
    r = check(report)
    assert r.exit_code == 1 and "changed: report.json: its SHA-256 is" in r.stdout and "its manifest says " + digest in r.stdout
    r = runner.invoke(app, ["check", str(report)])
    assert r.exit_code == 1 and "1 seal(s) do not hold" in r.stdout


def test_fault_a_signed_report_verifies_and_a_changed_byte_breaks_the_signature(reported, tmp_path):
    logs, report = reported
    key = tmp_path / "signing"
    r = runner.invoke(app, ["keygen", str(key)])
    assert r.exit_code == 0 and r.stdout.startswith("SHA256:") and " ssh-ed25519 " in r.stdout
    key_id = r.stdout.split()[0]
    signed = _scan_to(tmp_path, logs, "signed.json", "--sign", key, "--signer", "Jane Roe, DPO")
    sig = json.loads(Path(str(signed) + ".sig").read_text())
    assert sig["key_id"] == key_id and sig["signer"] == "Jane Roe, DPO" and sig["file"] == "signed.json"
    r = runner.invoke(app, ["verify", str(signed), "--key", f"{key}.pub"])
    assert r.exit_code == 0, r.stdout
    assert f"signed: signed.json by 'Jane Roe, DPO' at {sig['signed_at']} with {key_id} (with the key given)" in r.stdout
    r = runner.invoke(app, ["verify", str(signed)])
    assert r.exit_code == 0 and "the key was not compared with one you trust" in r.stdout
    other = tmp_path / "other"
    assert runner.invoke(app, ["keygen", str(other)]).exit_code == 0
    r = runner.invoke(app, ["check", str(signed), "--key", f"{other}.pub"])
    assert r.exit_code == 1 and "signed by another key" in r.stdout
    # The signer's name changed in the signature: it no longer verifies.
    Path(str(signed) + ".sig").write_text(json.dumps(dict(sig, signer="Someone Else")))
    r = runner.invoke(app, ["check", str(signed)])
    assert r.exit_code == 1 and "signature broken" in r.stdout
    Path(str(signed) + ".sig").write_text(json.dumps(sig))
    # One changed byte of the report, and its manifest made again to match: the signature still catches it.
    import hashlib

    data = bytearray(signed.read_bytes())
    data[data.index(b'"lines": ') + 9] ^= 1
    signed.write_bytes(bytes(data))
    Path(str(signed) + ".sha256").write_text(f"{hashlib.sha256(bytes(data)).hexdigest()}  signed.json\n")
    r = runner.invoke(app, ["check", str(signed), "--key", f"{key}.pub"])
    assert r.exit_code == 1 and "signature does not match: signed.json has SHA-256" in r.stdout


def test_fault_an_hmac_signature_needs_the_secret_to_check(reported, tmp_path):
    logs, report = reported
    secret = tmp_path / "team.key"
    secret.write_text("8f1c1e6a6f2b4d0c9b7a5e3f1d2c4b6a\n")
    signed = _scan_to(tmp_path, logs, "h.json", "--sign", f"hmac:{secret}")
    r = runner.invoke(app, ["check", str(signed)])
    assert r.exit_code == 1 and "give --key hmac:FILE" in r.stdout
    r = runner.invoke(app, ["check", str(signed), "--key", f"hmac:{secret}"])
    assert r.exit_code == 0 and "signed: h.json by no name given" in r.stdout
    wrong = tmp_path / "wrong.key"
    wrong.write_text("0" * 32)
    r = runner.invoke(app, ["check", str(signed), "--key", f"hmac:{wrong}"])
    assert r.exit_code == 1 and "signature broken" in r.stdout


@pytest.mark.parametrize("args, words", [
    (["--sign", "nokey"], "cannot read the key file"),
    (["--signer", "Jane"], "--signer names who signs: give --sign KEY too"),
    (["--sign", "hmac:short.key"], "an HMAC key must hold at least 16 bytes"),
    (["--sign", "notakey.txt"], "not an Ed25519 private key"),
])
def test_bad_signing_options_are_one_line_errors(tmp_path, write, args, words):
    write("short.key", b"abc\n")
    write("notakey.txt", b"hello\n")
    write("Logs/a.log", text_bytes(sample_lines(3)))
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = runner.invoke(app, ["scan", "Logs", "-u", "jdoe", "-f", "json", "-o", "r.json", *args])
    finally:
        os.chdir(cwd)
    assert r.exit_code == 2 and words in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "r.json").exists()


def test_a_pem_key_with_a_passphrase_signs_with_the_passphrase_given(reported, tmp_path, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    logs, report = reported
    key = ed25519.Ed25519PrivateKey.generate()
    pem = tmp_path / "k.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(b"s3cret")))
    public = tmp_path / "k.pub.pem"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    args = ["scan", str(logs), "-u", "jdoe", "-f", "json", "-o", str(tmp_path / "p.json"), "--sign", str(pem)]
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and "protected by a passphrase: set MFALOGSCAN_KEY_PASSPHRASE" in r.stderr
    monkeypatch.setenv("MFALOGSCAN_KEY_PASSPHRASE", "wrong")
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and "does not open this key" in r.stderr
    monkeypatch.setenv("MFALOGSCAN_KEY_PASSPHRASE", "s3cret")
    assert runner.invoke(app, args).exit_code == 0
    r = runner.invoke(app, ["verify", str(tmp_path / "p.json"), "--key", str(public)])
    assert r.exit_code == 0 and "(with the key given)" in r.stdout, r.stdout


def test_signing_needs_a_file(tmp_path, write):
    write("Logs/a.log", text_bytes(sample_lines(3)))
    key = tmp_path / "k"
    assert runner.invoke(app, ["keygen", str(key)]).exit_code == 0
    r = runner.invoke(app, ["scan", str(tmp_path / "Logs"), "-u", "jdoe", "-f", "json", "--sign", str(key)])
    assert r.exit_code == 2 and "--sign needs --output or --output-dir" in r.stderr
    r = runner.invoke(app, ["keygen", str(key)])
    assert r.exit_code == 2 and "a key is never overwritten" in r.stderr


def test_fault_verify_run_from_another_folder_reads_relative_paths_from_where_the_scan_ran(tmp_path, write, monkeypatch):
    """verify run from another folder reported every source 'missing' (and a false 'rules differ')."""
    write("case/Logs/MultiFactorAuthSvc.log", text_bytes(sample_lines(30)))
    rules = write("case/site.toml", b'[[rule]]\nid = "site.x"\ncategory = "operational"\nkind = "x"\npattern = "changed user"\n')
    monkeypatch.chdir(tmp_path / "case")
    r = runner.invoke(app, ["scan", "Logs", "-u", "jdoe", "--rules", "site.toml", "-f", "json", "-o", "r.json"])
    assert r.exit_code == 0, r.output
    assert Path(rules).exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    r = runner.invoke(app, ["verify", str(tmp_path / "case" / "r.json")])
    assert r.exit_code == 0, r.stdout
    assert f"note: the scan ran in {tmp_path / 'case'}; its relative paths are read from there" in r.stdout


def test_fault_7z_members_that_share_a_name_are_told_apart_by_position(tmp_path):
    py7zr = pytest.importorskip("py7zr", reason="7z archives are read with the sevenz extra (py7zr)")
    logs = tmp_path / "Logs"
    logs.mkdir()
    with py7zr.SevenZipFile(logs / "old.7z", "w") as z:
        z.writestr(text_bytes(sample_lines(6)), "MultiFactorAuthSvc.log")
        z.writestr(text_bytes(sample_lines(30)), "MultiFactorAuthSvc.log")
    report = tmp_path / "r.json"
    r = runner.invoke(app, ["scan", str(logs), "-u", "jdoe", "-f", "json", "-o", str(report)])
    assert r.exit_code == 0, r.output
    doc = json.loads(report.read_text())
    archive = logs / "old.7z"
    assert [s["path"] for s in doc["sources"]][:2] == [f"{archive}!MultiFactorAuthSvc.log",
                                                       f"{archive}!MultiFactorAuthSvc.log (member 2)"]
    assert check(report).exit_code == 0


def test_check_of_a_file_with_no_seal_at_all_does_not_hold(tmp_path):
    """`check` said 'every seal holds' (exit 0) for a file with neither manifest nor signature."""
    f = tmp_path / "forged.html"
    f.write_text("<html>anything</html>")
    r = runner.invoke(app, ["check", str(f)])
    assert r.exit_code == 1 and "not sealed: forged.html has neither" in r.stdout and "every seal holds" not in r.stdout


def test_verify_with_every_searched_path_gone_says_what_to_do_in_one_line(reported, tmp_path):
    logs, report = reported
    shutil.move(str(logs), str(tmp_path / "moved"))
    r = check(report)
    lines = [line for line in r.stdout.splitlines() if not line.startswith(("ok:", "note:"))]
    assert r.exit_code == 1 and len(lines) == 3, lines  # missing: PATH, what to do, the verdict
    assert "if the logs moved, give where they are now" in r.stdout and "person not searched now" not in r.stdout
