"""Seals on report files: a SHA-256 manifest beside each one, and a signature that says who made it.

Every report written to a file (`--output`, `--output-dir`) gets a detached
manifest `<file>.sha256` in the form `sha256sum -c` reads
(`<hex>  <name>`). With `--sign KEY` it also gets `<file>.sig`, a small JSON
document (docs/output.md, "Seals") whose signature covers the file's name,
size and SHA-256, the signer's name as given with `--signer`, the time of
signing and the key's id:

- an Ed25519 private key (PEM, or OpenSSH as `ssh-keygen -t ed25519`
  writes it; a passphrase is read from MFALOGSCAN_KEY_PASSPHRASE) signs with
  the key anyone can check against its public half; the key id is the
  fingerprint `ssh-keygen -l` shows;
- `hmac:FILE` signs with a secret shared by a closed team (HMAC-SHA-256 of
  the file's bytes, a final line break not counted); only holders of the
  secret can check it.

`check(path, trusted)` reads both seals back. A signature proves who signed
only when it is checked against a key the checker trusts (`--key`);
without one an Ed25519 signature still shows the file is as that key signed
it, and the output says so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from dataclasses import dataclass

from ..errors import ConfigError
from ..model import TOOL, VERSION

SIGNATURE_FORMAT = "mfalogscan-signature/1"
MANIFEST_SUFFIX = ".sha256"
SIGNATURE_SUFFIX = ".sig"
PASSPHRASE_VARIABLE = "MFALOGSCAN_KEY_PASSPHRASE"
_MIN_SECRET = 16


def _crypto():
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:  # pragma: no cover - a dependency; a broken install still gets a clear line
        raise ConfigError("Ed25519 keys need the 'cryptography' package: pip install cryptography") from None
    return serialization, ed25519


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _fingerprint(raw_public: bytes) -> str:
    """The key's SHA256 fingerprint as OpenSSH shows it (over its wire form), so people can compare."""
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", len(raw_public)) + raw_public
    return "SHA256:" + _b64(hashlib.sha256(blob).digest()).rstrip("=")


def _hmac_id(secret: bytes) -> str:
    return "HMAC-SHA256:" + hmac.new(secret, b"mfalogscan key id", hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Key:
    """A key to sign with or to check against: Ed25519 (private or public half) or a shared HMAC secret."""

    algorithm: str  # "ed25519" or "hmac-sha256"
    key_id: str
    public: bytes = b""  # Ed25519: the raw public key
    private: object = None  # Ed25519: a cryptography private key object
    secret: bytes = b""  # HMAC

    def sign(self, statement: bytes) -> bytes:
        if self.algorithm == "hmac-sha256":
            return hmac.new(self.secret, statement, hashlib.sha256).digest()
        if self.private is None:
            raise ConfigError("a public key cannot sign: give the private key")
        return self.private.sign(statement)


def _read(spec: str, what: str) -> bytes:
    try:
        with open(spec, "rb") as f:
            return f.read()
    except OSError as e:
        raise ConfigError(f"cannot read {what}: {e.strerror or e}", spec) from None


def _secret(path: str) -> Key:
    data = _read(path, "the HMAC key file")
    secret = data[:-2] if data.endswith(b"\r\n") else data[:-1] if data.endswith(b"\n") else data
    if len(secret) < _MIN_SECRET:
        raise ConfigError(f"an HMAC key must hold at least {_MIN_SECRET} bytes (this one has {len(secret)}); "
                          "make one with: openssl rand -hex 32 > FILE", path)
    return Key("hmac-sha256", _hmac_id(secret), secret=secret)


def load_key(spec: str, private: bool) -> Key:
    """The key named by `--sign` (private) or `--key` (public or private): a key file, or hmac:FILE."""
    if spec.startswith("hmac:"):
        return _secret(spec[5:])
    serialization, ed25519 = _crypto()
    data = _read(spec, "the key file")
    passphrase = os.environ.get(PASSPHRASE_VARIABLE)
    password = passphrase.encode("utf-8") if passphrase else None
    key = None
    loaders = [serialization.load_pem_private_key, serialization.load_ssh_private_key]
    if not private:
        loaders += [lambda d, password: serialization.load_pem_public_key(d),
                    lambda d, password: serialization.load_ssh_public_key(d)]
    problems = []
    for loader in loaders:
        try:
            key = loader(data, password=password)
            break
        except TypeError as e:  # encrypted without a passphrase, or a passphrase for a plain key
            problems.append(str(e))
        except (ValueError, Exception) as e:  # noqa: BLE001 - each loader refuses other formats its own way
            problems.append(str(e))
    if key is None:
        if any("bcrypt" in p for p in problems):
            raise ConfigError("an OpenSSH key with a passphrase needs the 'bcrypt' package (pip install bcrypt); "
                              "or use a PEM key (openssl genpkey -algorithm ed25519 -aes256)", spec)
        if password and any("incorrect password" in p.lower() or "decrypt" in p.lower() for p in problems):
            raise ConfigError(f"the passphrase in {PASSPHRASE_VARIABLE} does not open this key", spec)
        if any("encrypted" in p.lower() or "password" in p.lower() for p in problems) and not password:
            raise ConfigError(f"the key is protected by a passphrase: set {PASSPHRASE_VARIABLE}", spec)
        kind = "an Ed25519 private key (PEM or OpenSSH)" if private else "an Ed25519 key (PEM or OpenSSH)"
        raise ConfigError(f"not {kind}, and not hmac:FILE", spec)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return Key("ed25519", _fingerprint(raw), public=raw, private=key)
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return Key("ed25519", _fingerprint(raw), public=raw)
    raise ConfigError(f"only Ed25519 keys are used to sign reports (this one is {type(key).__name__}); "
                      "make one with: mfalogscan keygen FILE", spec)


def write_key_pair(path: str) -> tuple[str, str]:
    """A new Ed25519 key: FILE (private, owner-only, OpenSSH form) and FILE.pub; returns the public line and id."""
    serialization, ed25519 = _crypto()
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    for name, data, mode in ((path, private, 0o600), (path + ".pub", public + b" mfalogscan\n", 0o644)):
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
        except FileExistsError:
            raise ConfigError("the file exists; choose another name (a key is never overwritten)", name) from None
        except OSError as e:
            raise ConfigError(f"cannot write the key: {e.strerror or e}", name) from None
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    return public.decode("ascii"), _fingerprint(raw)


@dataclass(frozen=True)
class Sealer:
    """What seals a report file: always its manifest, and a signature when a key is given."""

    key: Key | None = None
    signer: str | None = None
    signed_at: str | None = None

    def manifest(self, name: str, digest: str) -> bytes:
        return f"{digest}  {name}\n".encode("utf-8")

    def signature(self, name: str, digest: str, size: int) -> bytes | None:
        if self.key is None:
            return None
        fields = _statement_fields(name, digest, size, self.key, self.signer, self.signed_at)
        fields["signature"] = _b64(self.key.sign(_statement(fields)))
        return (json.dumps(fields, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _statement_fields(name, digest, size, key: Key, signer, signed_at) -> dict:
    fields = {"format": SIGNATURE_FORMAT, "tool": TOOL, "version": VERSION, "file": name, "sha256": digest,
              "bytes": size, "algorithm": key.algorithm, "key_id": key.key_id, "signer": signer, "signed_at": signed_at}
    if key.algorithm == "ed25519":
        fields["public_key"] = _b64(key.public)
    return fields


def _statement(fields: dict) -> bytes:
    """What is signed: every field but the signature, in one canonical form."""
    body = {k: v for k, v in fields.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def file_digest(path: str) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _side(path: str, suffix: str) -> bytes | None:
    try:
        with open(path + suffix, "rb") as f:
            return f.read(1 << 20)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror or e}", path + suffix) from None


def check(path: str, trusted: Key | None = None, require: bool = False) -> tuple[list[str], list[str]]:
    """The file against its manifest and signature: (what does not hold, what holds), one line each.

    With `require`, a file with neither is a failure: nothing then shows it is as it was written."""
    changed, holds = [], []
    try:
        digest, size = file_digest(path)
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror or e}", path) from None
    name = os.path.basename(path)
    manifest = _side(path, MANIFEST_SUFFIX)
    if manifest is None:
        holds.append(f"note: no manifest {name}{MANIFEST_SUFFIX} beside the file")
    else:
        listed = manifest.decode("utf-8", "replace").split(None, 1)
        if not listed or listed[0].lower() != digest:
            changed.append(f"changed: {name}: its SHA-256 is {digest}, its manifest says {listed[0] if listed else '(empty)'}")
        else:
            holds.append(f"ok: {name} matches its manifest (SHA-256 {digest})")
            if len(listed) > 1 and listed[1].strip().lstrip("*") != name:
                holds.append(f"note: the manifest names the file {listed[1].strip()!r}")
    raw = _side(path, SIGNATURE_SUFFIX)
    if raw is None and manifest is None and require:
        changed.append(f"not sealed: {name} has neither {name}{MANIFEST_SUFFIX} nor {name}{SIGNATURE_SUFFIX} beside "
                       "it: nothing shows it is as mfalogscan wrote it")
        return changed, [h for h in holds if not h.startswith("note: no manifest")]
    if raw is None:
        if trusted is not None:
            changed.append(f"not signed: {name} has no signature {name}{SIGNATURE_SUFFIX}, and --key was given")
        else:
            holds.append(f"note: {name} is not signed")
        return changed, holds
    try:
        fields = json.loads(raw.decode("utf-8"))
        if not isinstance(fields, dict) or fields.get("format") != SIGNATURE_FORMAT:
            raise ValueError("not an mfalogscan signature")
        signature = base64.b64decode(fields["signature"], validate=True)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        changed.append(f"signature unreadable: {name}{SIGNATURE_SUFFIX} ({e})")
        return changed, holds
    _check_signature(fields, signature, digest, size, name, trusted, changed, holds)
    return changed, holds


def _check_signature(fields, signature, digest, size, name, trusted, changed, holds) -> None:
    who = f"{fields.get('signer')!r}" if fields.get("signer") else "no name given"
    key_id = fields.get("key_id")
    if fields.get("sha256") != digest or fields.get("bytes") != size:
        changed.append(f"signature does not match: {name} has SHA-256 {digest} ({size} bytes); the signature "
                       f"was made over {fields.get('sha256')} ({fields.get('bytes')} bytes)")
        return
    algorithm = fields.get("algorithm")
    if algorithm == "hmac-sha256":
        if trusted is None or trusted.algorithm != "hmac-sha256":
            changed.append(f"signature not checked: {name} is signed with an HMAC key ({key_id}); "
                           "give --key hmac:FILE with the team's secret to check it")
            return
        good = hmac.compare_digest(trusted.sign(_statement(fields)), signature)
    elif algorithm == "ed25519":
        _, ed25519 = _crypto()
        try:
            public = base64.b64decode(fields.get("public_key", ""), validate=True)
            ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, _statement(fields))
            good = _fingerprint(public) == key_id
        except Exception:  # noqa: BLE001 - InvalidSignature, or a public key that is no key
            good = False
    else:
        changed.append(f"signature unreadable: unknown algorithm {algorithm!r}")
        return
    if not good:
        changed.append(f"signature broken: {name}{SIGNATURE_SUFFIX} does not verify (the file, the signer's name, "
                       "the time or the key were changed after signing)")
        return
    if trusted is not None and trusted.key_id != key_id:
        changed.append(f"signed by another key: {name} is signed with {key_id}, not with the key given ({trusted.key_id})")
        return
    trust = ("with the key given" if trusted is not None else
             "the key was not compared with one you trust: give --key PUBLIC_KEY_FILE to prove who signed")
    holds.append(f"signed: {name} by {who} at {fields.get('signed_at')} with {key_id} ({trust})")
