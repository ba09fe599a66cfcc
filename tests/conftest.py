"""Shared fixtures: native log lines and real files (gz, bz2, xz, zip, UTF-16, NUL runs) in tmp dirs."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import zipfile

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

GUID = "82a3db8d-3317-43f7-b203-6ba81cba93c9"


def native(message: str, second: int = 0, level: str = "i", component: str = "pfsvc", guid: str | None = None) -> str:
    """One native MultiFactorAuthSvc.log line (no line ending)."""
    stamp = f"2024-03-07T18:{second // 60 % 60:02d}:{second % 60:02d}.006280Z"
    middle = f"{guid}|" if guid else ""
    return f"{stamp}|{level}|2960|4036|{component}|{middle}{message}"


CHANGE = 'User "CONTOSO\\admin" changed user "jdoe" value Phone from "555" to "556".'
AUTH = "Pfauth succeeded for user 'jdoe' from 10.0.0.1. Call status: SUCCESS_NO_PIN - \"Only # Entered\"."
OTHER = 'User "CONTOSO\\admin" changed user "kchen" value Phone from "1" to "2".'


def sample_lines(n: int = 50) -> list[str]:
    """A small native log: jdoe changed on every 10th line, authenticated on every 7th."""
    out = []
    for i in range(n):
        if i % 10 == 3:
            out.append(native(CHANGE, i))
        elif i % 7 == 5:
            out.append(native(AUTH, i, guid=GUID))
        else:
            out.append(native(OTHER, i))
    return out


def text_bytes(lines, newline: str = "\n", encoding: str = "utf-8", bom: bool = False) -> bytes:
    data = "".join(line + newline for line in lines).encode(encoding)
    if bom:
        data = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding] + data
    return data


def gzip_bytes(data: bytes, mtime: int = 0) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=mtime) as f:
        f.write(data)
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, (2024, 3, 7, 18, 20, 20)), data, compress_type=method)
    return buf.getvalue()


COMPRESSORS = {
    "gzip": gzip_bytes,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
}


@pytest.fixture
def write(tmp_path):
    """write(name, bytes) -> path of a real file under the test's tmp dir."""

    def _write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return str(path)

    return _write
