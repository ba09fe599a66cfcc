#!/usr/bin/env python3
"""Generate a small, entirely SYNTHETIC Azure MFA Server "Logs" folder for trying mfalogscan.

Nothing here comes from a real server. Every person, address, phone number,
device and GUID is invented (the organisation is the fictional contoso.com;
phone numbers use the 555-01xx range). The tree imitates what an admin might
find under C:\\Program Files\\Multi-Factor Authentication Server\\Logs:

  MultiFactorAuthSvc.log               current service log (pfsvc): UTF-8 with BOM, CRLF,
                                       newer build (request GUID field), one multi-line
                                       exception record
  MultiFactorAuthSvc.log.1             older rotated backup: UTF-8 without BOM, LF
  MultiFactorAuthSvc.log.2.gz          an even older backup, gzip-compressed
  MultiFactorAuthSvc-2023-archive.zip  an admin's zip of two 2023 backups (.log.3, .log.4);
                                       .log.4 is from an older build ("changed User",
                                       unquoted values)
  MultiFactorAuthRadiusSvc.log         RADIUS adapter (pfrad), with pfAuthUser calls
  MultiFactorAuthAdSyncSvc.log         directory sync (pfadssvc), with an e-mail error
  PhoneFactor.pfdata                   a small binary blob that a scan must skip (it does
                                       contain a few quoted names, counted as raw matches)
  eventlogs/                           the NPS extension's AuthZOptCh event log (EVTX), names in its
                                       messages (tools/make_sample_eventlogs.py)
  exports/                             what collectors and a SIEM made of the last three days of
                                       the current log: a gzipped RFC 3164 syslog rotation (with
                                       one line no framing reads), RFC 5424 syslog, a CSV export
                                       in UTC-5 and a Kiwi Syslog Server file; the same events,
                                       stamped a second or two later

The people searched for in the demo are John Doe (an account name), Alice
Smith (a UPN at contoso.com) and Maria Garcia (an account name with an
accented letter). Each of them appears in every message family of
docs/rules.md (user-change records as target, actor and
both, and the operational families), in lines no rule matches, in case
variants (in .log.1), and next to near-miss names (a trailing "2", an
".admin" account, a ".com.au" UPN) that a correct scan must NOT report.
Most lines are background noise about other users or about no user at all.

The three account names are spelled with escape sequences in this file on
purpose: mfalogscan walks this whole folder, and the generator itself should
not show up as a finding.

The output is deterministic: fixed random seeds, gzip with mtime 0, zip
entries with fixed dates, no clock reads. Running it twice gives
byte-identical files. Standard library only (and the tests' EVTX writer).

Usage:  python3 tools/make_samples.py [OUTPUT_DIR]     (default: the repository's sample_logs/)

It lives outside sample_logs/ so that a scan of the samples (the quick
start) lists only logs, not the program that wrote them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import os
import random
import sys
import uuid
import zipfile
from dataclasses import dataclass

# --- Who appears ---------------------------------------------------------------------------

# Spelled with escapes so that a scan of this folder does not find them in this file.
JOHN = "j\x64oe"                      # John Doe
ALICE = "alice.smith\x40contoso.com"  # Alice Smith
MGARCIA = "mgarc\u00eda"              # Maria Garcia, with an accented i


def dn(cn: str, ou: str) -> str:
    """A distinguished name (built, so that a scan with a DN alias does not find this file either)."""
    return f"CN={cn},OU={ou},DC=contoso,DC=com"


JOHN_DN = dn("John Doe", "Staff")
ALICE_DN = dn("Alice Smith", "Staff")
MGARCIA_DN = dn("Mar\u00eda Garc\u00eda", "Helpdesk")

# Near misses: must never be reported as any of the three people.
JOHN_2 = JOHN + "2"
JOHN_ADMIN = JOHN + ".admin"
ALICE_AU = ALICE + ".au"

# Case variants (used in .log.1 only).
JOHN_CASE = "JD" + JOHN[2:]
MGARCIA_UPPER = MGARCIA.upper()

ADMIN = "CONTOSO\\admin"
SYSTEM = "NT AUTHORITY\\SYSTEM"
DOMAIN = "CONTOSO\\"

BACKGROUND = ["bwilson", "kchen", "p.okafor", "rnguyen", "lferreira", "dmiller", "s.tanaka", "hjansen",
              "tkowalski", "ewright@contoso.com", "n.ahmed@contoso.com"]

CLIENT_IPS = ["10.0.2.%d" % n for n in (11, 14, 23, 37, 41, 52, 66, 70, 88, 95)]
ADFS_IP = "10.0.1.10"
RADIUS_CLIENTS = ["10.0.5.20", "10.0.5.21"]

CALL_STATUS = {
    "SUCCESS_NO_PIN": "Only # Entered",
    "SUCCESS_WITH_PIN": "PIN Entered",
    "SUCCESS_PHONE_APP_AUTHENTICATED": "Mobile App Authenticated",
    "SUCCESS_SMS_AUTHENTICATED": "Text Message OTP Authenticated",
    "SUCCESS_USED_CACHE": "Used Cache",
    "SUCCESS_BYPASSED_AUTH": "Bypassed Auth",
    "SUCCESS_USER_BLOCKED": "User Blocked",
    "FAILED_FRAUD_CODE_ENTERED": "Fraud Code Entered",
    "FAILED_PHONE_APP_DENIED": "Mobile App Denied",
    "FAILED_INVALID_PIN": "Invalid PIN Entered",
    "FAILED_NO_PHONE_INPUT": "No Phone Input - Timed Out",
}

# --- Message builders -------------------------------------------------------------------------


def q(name: str) -> str:
    return '"' + name + '"'


def changed(actor, target, field, old, new, old_build=False):
    """value-changed; older builds say 'changed User' and leave values unquoted."""
    if old_build:
        return f"User {q(actor)} changed User {q(target)} value {field} from {old} to {new}."
    return f"User {q(actor)} changed user {q(target)} value {field} from {q(old)} to {q(new)}."


def added_user(actor, target):
    return f"User {q(actor)} added new user {q(target)}."


def deleted_user(actor, target):
    return f"User {q(actor)} deleted user record {q(target)}."


def device_added(user, device, device_id):
    return f"User {q(user)} added new User Mobile App Device {q(device)} with Device ID {device_id}."


def device_deleted(user, device):
    return f"User {q(user)} deleted User Mobile App Device record {q(device)}."


def oath_changed(user, token, field, old, new):
    return f"User {q(user)} changed OATH Token {q(token)} value {field} from {q(old)} to {q(new)}."


def pfauth(outcome, user, status, ip=None, dn=False):
    who = f"'{user}'" + (" (distinguishedName format)" if dn else "")
    src = f" from {ip}" if ip else ""
    return f'Pfauth {outcome} for user {who}{src}. Call status: {status} - "{CALL_STATUS[status]}".'


def primary_requested(user, kind="LDAP"):
    return f"Primary auth type '{kind}' requested for user '{user}'"


def primary_result(user, ok=True):
    return f"Primary auth {'succeeded' if ok else 'failed'} for user '{user}'"


def ldap_failed(user):
    return (f"Failed LDAP auth for user '{user}' with error 0x8007052E. "
            "Logon failure: unknown user name or bad password.")


def oath_validation(user, result, quoted=True):
    who = q(user) if quoted else user
    return f"validate_oath_code: user {who} updated authentication result. callStatus = {result}"


def security_questions(user, result):
    return (f"validate_security_question_answers: user {q(user)} updated authentication result. "
            f"callStatus = {result}")


def bypass_created(user, by, seconds=300):
    return f"One-time bypass created for user {q(user)} by {q(by)} for {seconds} seconds."


def bypass_used(user, ip):
    return f"One-time bypass used for user {q(user)} from {ip}; bypass removed."


def radius_call(user):
    return f"Calling pfAuthUser('{user}', '', 1)"


# --- Log lines and files ----------------------------------------------------------------------


@dataclass
class Line:
    message: str
    component: str = "pfsvc"
    level: str = "i"
    request: bool = False     # part of a request: carries the request GUID on newer builds
    continuation: bool = False  # written as is, without framing (multi-line records)


def L(message, component="pfsvc", level="i", request=False):
    return Line(message, component, level, request)


def R(message, component="pfsvc", level="i"):
    """A line belonging to an authentication request."""
    return Line(message, component, level, True)


def C(text):
    return Line(text, continuation=True)


PIDS = {"pfsvc": 2960, "pfrad": 3312, "pfadssvc": 4188}


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def render(groups, start, end, rng, guids, threads):
    """Lay groups of lines out in time order between start and end; return the text lines."""
    gaps = [rng.uniform(0.15, 1.85) for _ in groups]
    scale = (end - start).total_seconds() / (sum(gaps) + 1.0)
    t = start
    out = []
    for group, gap in zip(groups, gaps):
        t += dt.timedelta(seconds=gap * scale, microseconds=rng.randrange(1_000_000))
        tid = rng.choice(threads)
        request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        for line in group:
            if line.continuation:
                out.append(line.message)
                continue
            t += dt.timedelta(microseconds=rng.randrange(200, 90_000))
            fields = [stamp(t), line.level, str(PIDS[line.component]), str(tid), line.component]
            if guids and line.request:
                fields.append(request_id)
            fields.append(line.message)
            out.append("|".join(fields))
    return out


def interleave(scripted, noise_maker, total_lines, rng):
    """Scripted groups, in their order, spread among noise groups until about total_lines lines."""
    n_scripted = sum(len(g) for g in scripted)
    noise = []
    count = n_scripted
    while count < total_lines:
        g = noise_maker(rng)
        noise.append(g)
        count += len(g)
    slots = len(noise) + len(scripted)
    positions = set(rng.sample(range(1, slots), len(scripted)))  # slot 0 stays noise-free for the header
    groups, si, ni = [], iter(scripted), iter(noise)
    for i in range(slots):
        groups.append(next(si) if i in positions else next(ni))
    return groups


def encode(lines, bom=False, crlf=False) -> bytes:
    nl = "\r\n" if crlf else "\n"
    data = (nl.join(lines) + nl).encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


# --- Background noise -------------------------------------------------------------------------


def weighted(rng, table):
    r = rng.random() * sum(w for w, _ in table)
    for w, f in table:
        r -= w
        if r < 0:
            return f
    return table[-1][1]


def success_status(rng):
    return weighted(rng, [(50, "SUCCESS_PHONE_APP_AUTHENTICATED"), (15, "SUCCESS_NO_PIN"), (8, "SUCCESS_WITH_PIN"),
                          (8, "SUCCESS_SMS_AUTHENTICATED"), (12, "SUCCESS_USED_CACHE")])


def failed_status(rng):
    return weighted(rng, [(5, "FAILED_PHONE_APP_DENIED"), (4, "FAILED_INVALID_PIN"), (6, "FAILED_NO_PHONE_INPUT")])


def svc_noise(rng):
    u = rng.choice(BACKGROUND)
    ip = rng.choice(CLIENT_IPS)

    def flow():
        if rng.random() < 0.12:
            return [R(primary_requested(u)), R(ldap_failed(u)), R(primary_result(u, ok=False))]
        g = [R(primary_requested(u)), R(primary_result(u))]
        if rng.random() < 0.85:
            g.append(R(pfauth("succeeded", u, success_status(rng), ip)))
        else:
            g.append(R(pfauth("failed", u, failed_status(rng), ip), level="e"))
        return g

    def pf_only():
        r = rng.random()
        if r < 0.1:
            return [R(pfauth("not performed", u, "SUCCESS_USER_BLOCKED", ADFS_IP))]
        if r < 0.2:
            return [R(pfauth("failed", u, failed_status(rng), ADFS_IP), level="e")]
        return [R(pfauth("succeeded", u, success_status(rng), ADFS_IP))]

    def status():
        n = rng.randrange(3, 60)
        return [L(rng.choice([
            f"Processed {n} authentication request(s) in the last 15 minutes; {n // 9} failed.",
            f"Replication: sent {n % 4 + 1} change(s) to MFASRV02.",
            "Replication: configuration received from MFASRV02.",
            f"Web Service SDK: GetUserStatus request from 10.0.1.5 completed in {n * 3} ms.",
            "Checking for expired one-time bypasses: 0 removed.",
            f"Licensing: {412 + n % 5} users enabled for multi-factor authentication.",
            f"Database maintenance: PhoneFactor.pfdata compacted ({2900 + n} KB).",
            "Heartbeat from MFASRV02 received.",
        ]), level=rng.choice(["i", "i", "0"]))]

    def oath():
        return [R(oath_validation(u, rng.choice(["OATH Code Correct", "OATH Code Correct", "OATH Code Incorrect"]),
                                  quoted=rng.random() < 0.7))]

    def questions():
        return [R(security_questions(u, rng.choice(["Answered Correctly", "Answered Incorrectly"])))]

    def admin_change():
        field, old, new = rng.choice([("Extension", "", "44%02d" % rng.randrange(100)),
                                      ("Backup Phone", "", "+1 555 01%02d" % rng.randrange(100)),
                                      ("Method", "Phone Call", "Mobile App"),
                                      ("PIN Change Required", "False", "True")])
        return [L(changed(ADMIN, u, field, old, new))]

    def sms():
        return [R(f"Sending SMS one-time passcode to user {q(u)}.")]

    return weighted(rng, [(34, flow), (20, pf_only), (30, status), (5, oath), (3, questions), (4, admin_change),
                          (4, sms)])()


def radius_noise(rng):
    u = rng.choice([b for b in BACKGROUND if "@" not in b])
    client = rng.choice(RADIUS_CLIENTS)
    port = rng.randrange(49152, 65535)
    ident = rng.randrange(256)
    if rng.random() < 0.25:
        return [L(rng.choice([
            f"RADIUS statistics: {ident} request(s), {ident - ident // 8} accepted, {ident // 8} rejected in the last hour.",
            f"RADIUS client {client} sent a keep-alive Status-Server request.",
            "Reloading RADIUS client list: 2 client(s) configured.",
        ]), "pfrad")]
    status = success_status(rng)
    ok = rng.random() < 0.9
    status = status if ok else failed_status(rng)
    return [
        L(f"Received Access-Request from {client}:{port} (identifier {ident}).", "pfrad"),
        R(radius_call(DOMAIN + u), "pfrad"),
        R(f"pfAuthUser returned {1 if ok else 0}; call status {status}.", "pfrad"),
        L(f"Sending Access-{'Accept' if ok else 'Reject'} to {client}:{port} (identifier {ident}).", "pfrad"),
    ]


def adsync_noise(rng):
    if rng.random() < 0.6:
        return [L(rng.choice([
            "Next synchronization scheduled in 10 minutes.",
            "Checking directory integration settings.",
            "Connected to directory server dc01.contoso.com:389.",
        ]), "pfadssvc", level=rng.choice(["i", "0"]))]
    users = rng.sample(BACKGROUND, rng.randrange(0, 3))
    g = [L('Synchronization started for item "Contoso Staff" (LDAP://OU=Staff,DC=contoso,DC=com).', "pfadssvc"),
         L(f"Found {len(users)} changed user(s).", "pfadssvc")]
    for u in users:
        g.append(L(f"Updating user {q(u)} from directory: {rng.choice(['Phone', 'Email', 'Extension'])}.", "pfadssvc"))
    g.append(L(f"Synchronization completed: 0 added, {len(users)} updated, 0 disabled, 0 deleted.", "pfadssvc"))
    return g


def service_start(version, component="pfsvc"):
    return [L(f"Multi-Factor Authentication Server service starting (version {version}).", component),
            L("Loading configuration from C:\\Program Files\\Multi-Factor Authentication Server\\Data\\"
              "PhoneFactor.pfdata.", component),
            L("Service started.", component)]


# --- What each file says about the three people ------------------------------------------------
# Lists of groups; a group's lines stay together and in order.


def archive_log4():
    """October 2023, an older build (7.3): 'changed User', unquoted values, no request GUIDs."""
    return [
        [L(added_user(ADMIN, JOHN))],
        [L(changed(ADMIN, JOHN, "Enabled", "False", "True", old_build=True)),
         L(changed(ADMIN, JOHN, "Method", "Phone Call", "Mobile App", old_build=True))],
        [L(added_user(SYSTEM, ALICE)),
         L(changed(SYSTEM, ALICE, "Enabled", "False", "True", old_build=True))],
        [R(primary_requested(JOHN)), R(primary_result(JOHN)),
         R(pfauth("succeeded", JOHN, "SUCCESS_NO_PIN", "10.0.2.30"))],
        [L(added_user(ADMIN, MGARCIA)),
         L(changed(ADMIN, MGARCIA, "Country Code", "1", "34", old_build=True)),
         L(changed(ADMIN, MGARCIA, "Enabled", "False", "True", old_build=True))],
        [L(added_user(ADMIN, JOHN_2)),  # near miss
         L(changed(ADMIN, JOHN_2, "Enabled", "False", "True", old_build=True))],
        [R(primary_requested(MGARCIA)), R(primary_result(MGARCIA)),
         R(pfauth("succeeded", MGARCIA, "SUCCESS_WITH_PIN", "10.0.2.31"))],
        [R(pfauth("succeeded", ALICE, "SUCCESS_PHONE_APP_AUTHENTICATED", ADFS_IP))],
        [L(deleted_user(ADMIN, "tkowalski"))],
    ]


def archive_log3():
    """December 2023, build 8.0 (no request GUIDs yet)."""
    return [
        [L(device_added(JOHN, "iPhone 12", "5f3c0a9e-1b7d-4e22-9c41-7a0d2b6e1f01"))],
        [L(oath_changed(JOHN, "OATH-TOTP 000042", "Enabled", "False", "True"))],
        [L(device_added(ALICE, "Pixel 7", "0b8e44d1-6a2f-4c39-8d5e-2f9a71c3e802"))],
        [L(added_user(ADMIN, JOHN_ADMIN)),  # near miss: John's separate admin account
         L(changed(ADMIN, JOHN_ADMIN, "Phone", "", "+1 555 0101"))],
        [R(pfauth("succeeded", JOHN_DN, "SUCCESS_PHONE_APP_AUTHENTICATED", ADFS_IP, dn=True))],
        [R(oath_validation(JOHN, "OATH Code Correct"))],
        [L(device_added(MGARCIA, "Galaxy S21", "9d27f3b0-4c58-41aa-b6e3-5e1c08d4a903"))],
        [R(pfauth("succeeded", MGARCIA_DN, "SUCCESS_WITH_PIN", "10.0.2.31", dn=True))],
        [L(changed(ADMIN, ALICE, "Phone", "", "+1 555 0142"))],
        [R(pfauth("succeeded", JOHN_ADMIN, "SUCCESS_PHONE_APP_AUTHENTICATED", "10.0.2.12"))],  # near miss
    ]


def backup_log2():
    """February 2024, build 8.1 (request GUIDs)."""
    return [
        [L(changed(ADMIN, JOHN, "Extension", "", "2210"))],
        [L(oath_changed(ALICE, "OATH-TOTP 000117", "Enabled", "False", "True"))],
        [R(security_questions(JOHN, "Answered Correctly"))],
        [L(changed(ADMIN, ALICE, "Backup Phone", "", "+1 555 0143"))],
        [L(added_user(ADMIN, ALICE_AU)),  # near miss: a different Alice, in Australia
         L(changed(ADMIN, ALICE_AU, "Country Code", "1", "61"))],
        [R(primary_requested(ALICE)), R(primary_result(ALICE)),
         R(oath_validation(ALICE, "OATH Code Correct")),
         R(pfauth("succeeded", ALICE, "SUCCESS_PHONE_APP_AUTHENTICATED", "10.0.2.44"))],
        [L(bypass_created(ALICE, ADMIN, 600))],
        [R(pfauth("succeeded", ALICE, "SUCCESS_BYPASSED_AUTH", "10.0.2.44")),
         R(bypass_used(ALICE, "10.0.2.44"))],
        [L(changed(ADMIN, MGARCIA, "Country Code", "34", "1")),
         L(changed(ADMIN, MGARCIA, "Phone", "+34 600 555 010", "+1 555 0150"))],
        [L(oath_changed(MGARCIA, "OATH-TOTP 000203", "Enabled", "False", "True"))],
        [R(security_questions(MGARCIA, "Answered Incorrectly")),
         R(security_questions(MGARCIA, "Answered Correctly"))],
        [R(pfauth("failed", MGARCIA, "FAILED_FRAUD_CODE_ENTERED", "10.0.2.31"), level="e"),
         R(f"Fraud alert submitted by user {q(MGARCIA)}; user blocked.", level="e")],  # unclassified
        [L(changed(ADMIN, MGARCIA, "Blocked", "True", "False"))],
        [R(pfauth("failed", ALICE_AU, "FAILED_NO_PHONE_INPUT", "10.0.2.90"))],  # near miss
    ]


def backup_log1():
    """Late February 2024; case variants of two names."""
    return [
        [L(changed(ADMIN, JOHN_CASE, "Backup Phone", "", "+1 555 0177"))],  # case variant of the account name
        [L(changed(MGARCIA, JOHN, "Backup Phone", "+1 555 0177", "+1 555 0178"))],  # two people on one line
        [L(device_deleted(JOHN, "iPhone 12")),
         L(device_added(JOHN, "iPhone 15", "c41e7a26-93d0-4f5b-a8c2-6b0e19f7d404"))],
        [L(changed(JOHN, JOHN, "PIN", "****", "****"))],  # self, through the user portal
        [L(changed(SYSTEM, MGARCIA_UPPER, "Extension", "", "3305"))],  # upper-case variant, accent kept
        [L(changed(MGARCIA, "p.okafor", "Backup Phone", "", "+1 555 0160"))],  # actor (helpdesk)
        [R(primary_requested(ALICE)), R(ldap_failed(ALICE), level="e"), R(primary_result(ALICE, ok=False))],
        [R(oath_validation(ALICE, "OATH Code Incorrect"))],
        [R(security_questions(ALICE, "Answered Correctly"))],
        [L(bypass_created(MGARCIA, ADMIN))],
        [R(pfauth("succeeded", MGARCIA, "SUCCESS_BYPASSED_AUTH", "10.0.2.31")),
         R(bypass_used(MGARCIA, "10.0.2.31"))],
        [R(oath_validation(MGARCIA, "OATH Code Correct"))],
        [R(f"Sending SMS one-time passcode to user {q(MGARCIA)}.")],  # unclassified
        [R(pfauth("not performed", JOHN, "SUCCESS_USED_CACHE", "10.0.2.30"))],
        [L(changed(ADMIN, JOHN_2, "Enabled", "True", "False"))],  # near miss
    ]


def current_log():
    """4-7 March 2024, the live file."""
    return [
        [L(changed(ADMIN, JOHN, "Phone", "+1 555 0100", "+1 555 0199")),
         L(changed(ADMIN, JOHN, "PIN Change Required", "False", "True"))],
        [R(f"Sending SMS one-time passcode to user {q(JOHN)} at +1 555 0199.")],  # unclassified
        [R(primary_requested(JOHN)), R(primary_result(JOHN)),
         R(pfauth("succeeded", JOHN, "SUCCESS_SMS_AUTHENTICATED", "10.0.2.30"))],
        [L(changed(JOHN, JOHN, "PIN", "****", "****")),  # self
         L(changed(JOHN, JOHN, "PIN Change Required", "True", "False"))],
        [L(changed(JOHN, "bwilson", "Backup Phone", "+1 555 0120", "+1 555 0121"))],  # actor
        [R(primary_requested(JOHN)), R(primary_result(JOHN)),
         R(oath_validation(JOHN, "OATH Code Incorrect")),
         R(pfauth("failed", JOHN, "FAILED_FRAUD_CODE_ENTERED", "10.0.2.30"), level="e")],
        [L(changed(ADMIN, JOHN, "Blocked", "True", "False"))],
        [L(bypass_created(JOHN, ADMIN))],
        [R(pfauth("succeeded", JOHN, "SUCCESS_BYPASSED_AUTH", "10.0.2.30")),
         R(bypass_used(JOHN, "10.0.2.30"))],
        [L(changed(ADMIN, JOHN_2, "Phone", "+1 555 0102", "+1 555 0103"))],  # near miss
        [L(changed(JOHN_ADMIN, "kchen", "Method", "Phone Call", "Mobile App"))],  # near miss as actor
        [R(f"Cache entry refreshed for {q(ALICE)}")],  # unclassified
        [R(f"Cache entry refreshed for {q(ALICE_AU)}")],  # near miss
        [L(changed(ALICE, "kchen", "Method", "Phone Call", "Mobile App"))],  # actor
        [L(changed(ALICE, ALICE, "Phone", "+1 555 0142", "+1 555 0144"))],  # self
        [L(device_deleted(ALICE, "Pixel 7")),
         L(device_added(ALICE, "Pixel 8", "e5a90c37-2d14-4b86-9f07-31c6d8a2b505"))],
        [R(pfauth("succeeded", ALICE_DN, "SUCCESS_PHONE_APP_AUTHENTICATED", ADFS_IP, dn=True))],
        [R(pfauth("not performed", ALICE, "SUCCESS_USED_CACHE", ADFS_IP))],
        [L("Unhandled exception in UserUpdateHandler: System.Data.SQLite.SQLiteException (0x80004005): "
           "database is locked", level="e"),
         C("   at System.Data.SQLite.SQLite3.Step(SQLiteStatement stmt)"),
         C("   at PhoneFactor.Data.UserStore.Save(UserRecord record) in UserStore.cs:line 412"),
         C(f'   at PhoneFactor.Service.UserUpdateHandler.Apply(String username = {q(JOHN)}, '
           'String field = "Backup Phone")'),
         C("   at PhoneFactor.Service.SdkDispatcher.Dispatch(SdkRequest request)")],
        [L(changed(MGARCIA, MGARCIA, "Backup Phone", "", "+1 555 0151"))],  # self
        [R(f"Sending Mobile App notification to user {q(MGARCIA)} (device \"Galaxy S21\").")],  # unclassified
        [R(primary_requested(MGARCIA)), R(primary_result(MGARCIA)),
         R(security_questions(MGARCIA, "Answered Correctly")),
         R(pfauth("succeeded", MGARCIA, "SUCCESS_PHONE_APP_AUTHENTICATED", "10.0.2.31"))],
        [L(device_deleted(MGARCIA, "Galaxy S21"))],
        [L(deleted_user(ADMIN, "hjansen"))],
        [L(deleted_user(ADMIN, MGARCIA))],
        [R(pfauth("not performed", MGARCIA, "SUCCESS_USER_BLOCKED", "10.0.2.31"))],
    ]


def radius_log():
    return [
        [L(f"Received Access-Request from 10.0.5.20:51514 (identifier 17) for user '{DOMAIN}{JOHN}'.", "pfrad"),
         R(radius_call(DOMAIN + JOHN), "pfrad"),
         R("pfAuthUser returned 1; call status SUCCESS_PHONE_APP_AUTHENTICATED.", "pfrad"),
         L("Sending Access-Accept to 10.0.5.20:51514 (identifier 17).", "pfrad")],
        [L("Received Access-Request from 10.0.5.21:60122 (identifier 203).", "pfrad"),
         R(primary_requested(ALICE), "pfrad"), R(primary_result(ALICE), "pfrad"),
         R(radius_call(ALICE), "pfrad"),
         R("pfAuthUser returned 1; call status SUCCESS_NO_PIN.", "pfrad"),
         L("Sending Access-Accept to 10.0.5.21:60122 (identifier 203).", "pfrad")],
        [L("Received Access-Request from 10.0.5.20:50007 (identifier 88).", "pfrad"),
         R(primary_requested(DOMAIN + MGARCIA), "pfrad"), R(ldap_failed(DOMAIN + MGARCIA), "pfrad", "e"),
         L("Sending Access-Reject to 10.0.5.20:50007 (identifier 88).", "pfrad")],
        [L("Received Access-Request from 10.0.5.20:50011 (identifier 89).", "pfrad"),
         R(radius_call(DOMAIN + MGARCIA), "pfrad"),
         R("pfAuthUser returned 1; call status SUCCESS_PHONE_APP_AUTHENTICATED.", "pfrad"),
         L("Sending Access-Accept to 10.0.5.20:50011 (identifier 89).", "pfrad")],
        [L("Received Access-Request from 10.0.5.21:61001 (identifier 9).", "pfrad"),
         R(radius_call(DOMAIN + JOHN_2), "pfrad"),  # near miss
         R("pfAuthUser returned 0; call status FAILED_NO_PHONE_INPUT.", "pfrad"),
         L("Sending Access-Reject to 10.0.5.21:61001 (identifier 9).", "pfrad")],
        [R(radius_call(DOMAIN + JOHN), "pfrad"),
         R("pfAuthUser returned 1; call status SUCCESS_USED_CACHE.", "pfrad")],
    ]


def adsync_log():
    return [
        [L(f"Updating user {q(JOHN)} from directory: Phone.", "pfadssvc")],  # unclassified
        [L("***** ERROR ***** Error sending email to " + ALICE + ": Mailbox unavailable. The server response was: "
           "5.7.1 Client does not have permissions to send as this sender.", "pfadssvc", "e")],
        [L("***** ERROR ***** Error sending email to " + JOHN_ADMIN + "@contoso.com: Mailbox unavailable.",
           "pfadssvc", "e")],  # near miss
        [L(f"User {q(MGARCIA)} not found in directory; marked for removal.", "pfadssvc")],  # unclassified
    ]


# --- Files ------------------------------------------------------------------------------------


def day(y, m, d, h=0, mi=0):
    return dt.datetime(y, m, d, h, mi)


def svc_file(seed, version, start, end, total, scripted, guids):
    rng = random.Random(seed)
    groups = [service_start(version)] + interleave(scripted, svc_noise, total, rng)
    return render(groups, start, end, rng, guids, threads=[4036, 4112, 5120, 5384, 6012])


def other_file(seed, component, version, noise, start, end, total, scripted):
    rng = random.Random(seed)
    groups = [service_start(version, component)] + interleave(scripted, noise, total, rng)
    return render(groups, start, end, rng, True, threads=[7100, 7204, 7388])


def binary_blob() -> bytes:
    """A few KB that look like a proprietary data file: random bytes, scattered NULs, a few quoted names."""
    rng = random.Random(707)
    data = bytearray(rng.getrandbits(8) for _ in range(4096))
    for _ in range(120):
        data[rng.randrange(16, len(data))] = 0
    data[:16] = b"PFDATA\x00\x02\x00\x00\x10\x00\x00\x00\x00\x00"
    inserts = [
        (700, q(JOHN).encode("utf-8")),
        (1500, q(JOHN_2).encode("utf-8")),  # near miss, must not be counted
        (2100, q(ALICE).encode("utf-8")),
        (2900, q(MGARCIA).encode("utf-16-le")),  # .NET strings are UTF-16
        (3400, q(JOHN).encode("utf-8")),
    ]
    for pos, blob in inserts:
        data[pos:pos + len(blob)] = blob
    return bytes(data)


def gzip_bytes(data: bytes, name: str, mtime: int = 0) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=mtime, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def zip_bytes(members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, date_time, data in members:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # as if zipped on Windows, whatever the platform running this
            info.external_attr = 0x20  # FILE_ATTRIBUTE_ARCHIVE
            zf.writestr(info, data)
    return buf.getvalue()


def build() -> dict[str, bytes]:
    files = {}
    cur = svc_file(101, "8.1.2.1", day(2024, 3, 4, 6), day(2024, 3, 7, 22), 460, current_log(), guids=True)
    files["MultiFactorAuthSvc.log"] = encode(cur, bom=True, crlf=True)
    log1 = svc_file(102, "8.1.2.1", day(2024, 2, 26, 6), day(2024, 3, 1, 21), 320, backup_log1(), guids=True)
    files["MultiFactorAuthSvc.log.1"] = encode(log1)
    log2 = svc_file(103, "8.1.1.0", day(2024, 2, 12, 7), day(2024, 2, 16, 20), 280, backup_log2(), guids=True)
    files["MultiFactorAuthSvc.log.2.gz"] = gzip_bytes(encode(log2, crlf=True), "MultiFactorAuthSvc.log.2")
    log3 = svc_file(104, "8.0.3.2", day(2023, 12, 4, 7), day(2023, 12, 8, 17), 220, archive_log3(), guids=False)
    log4 = svc_file(105, "7.3.0.3", day(2023, 10, 9, 7), day(2023, 10, 13, 17), 200, archive_log4(), guids=False)
    files["MultiFactorAuthSvc-2023-archive.zip"] = zip_bytes([
        ("MultiFactorAuthSvc.log.3", (2023, 12, 8, 17, 0, 0), encode(log3, bom=True, crlf=True)),
        ("MultiFactorAuthSvc.log.4", (2023, 10, 13, 17, 0, 0), encode(log4, bom=True, crlf=True)),
    ])
    rad = other_file(106, "pfrad", "8.1.2.1", radius_noise, day(2024, 3, 4, 6), day(2024, 3, 7, 22), 240,
                     radius_log())
    files["MultiFactorAuthRadiusSvc.log"] = encode(rad, crlf=True)
    ads = other_file(107, "pfadssvc", "8.1.2.1", adsync_noise, day(2024, 3, 4, 6), day(2024, 3, 7, 22), 150,
                     adsync_log())
    files["MultiFactorAuthAdSyncSvc.log"] = encode(ads, crlf=True)
    files["PhoneFactor.pfdata"] = binary_blob()
    files.update(exports(cur))
    from make_sample_eventlogs import nps_channel  # the EVTX writer lives with the tests

    files["eventlogs/Microsoft-AzureMfa-AuthZ%4AuthZOptCh.evtx"] = nps_channel(
        [JOHN, MGARCIA, "alice.smith"], ["bwilson", "kchen", "rpatel", "svc-vpn"])
    return files


# --- What syslog collectors and a SIEM made of the current log -------------------------------

EXPORT_HOST = "MFASRV01"


def _native_fields(line: str):
    """(time, component, message) of a rendered native line, or None for continuation lines."""
    parts = line.split("|")
    if len(parts) < 6 or not parts[0].endswith("Z"):
        return None
    t = dt.datetime.strptime(parts[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    return t, parts[4], parts[-1]


def exports(current_lines) -> dict[str, bytes]:
    """The last three days of the current log as syslog (RFC 3164 and 5424), a SIEM's CSV and Kiwi files.

    These are the same events as the native log, written a second or two
    later by the collectors, so a scan links them as one event in several
    places. The RFC 3164 file is a gzipped rotation: its gzip header's time
    gives its year-less stamps their year, whenever the repository is checked out.
    """
    picked = [f for f in map(_native_fields, current_lines) if f and f[0] >= dt.datetime(2024, 3, 5, tzinfo=dt.timezone.utc)]
    bsd, ietf, kiwi = [], [], []
    rows = ["Message,Severity,Host,ReceivedTime"]
    for i, (t, component, message) in enumerate(picked):
        t1 = t + dt.timedelta(seconds=1)
        t2 = t + dt.timedelta(seconds=2)
        day = t1.strftime("%b") + " " + str(t1.day).rjust(2)
        bsd.append(f"<134>{day} {t1:%H:%M:%S} {EXPORT_HOST} {component}: {message}")
        if i == len(picked) // 2:
            bsd.append("-- collector restarted, 3 messages dropped --")  # a line no framing reads
        ietf.append(f"<134>1 {t:%Y-%m-%dT%H:%M:%S.%f}Z {EXPORT_HOST} {component} - - - {message}")
        local = t2.astimezone(dt.timezone(dt.timedelta(hours=-5)))
        rows.append(f'"{component}: ' + message.replace('"', '""') + f'",Information,{EXPORT_HOST},{local:%Y-%m-%dT%H:%M:%S}-05:00')
        kiwi.append(f"{t2:%Y-%m-%d}\t{t2:%H:%M:%S}\tLocal0.Info\t{EXPORT_HOST}\t"
                     f"{t2.strftime('%b')} {str(t2.day).rjust(2)} {t2:%H:%M:%S} {EXPORT_HOST} {component}: {message}")
    rotated = dt.datetime(2024, 3, 8, 0, 5, tzinfo=dt.timezone.utc)
    return {
        "exports/syslog-collector.log.1.gz": gzip_bytes(encode(bsd), "syslog-collector.log.1", mtime=int(rotated.timestamp())),
        "exports/syslog-rfc5424.log": encode(ietf),
        "exports/siem-export.csv": encode(rows, crlf=True),
        "exports/kiwi/SyslogCatchAll.txt": encode(kiwi, crlf=True),
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or (argv and argv[0] in ("-h", "--help")):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    out_dir = argv[0] if argv else os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sample_logs")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in build().items():
        os.makedirs(os.path.dirname(os.path.join(out_dir, name)), exist_ok=True)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        print(f"{len(data):8d}  {os.path.join(out_dir, name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
