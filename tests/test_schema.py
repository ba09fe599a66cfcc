"""JSON Lines output and the documented examples agree with docs/jsonl.schema.json."""

import json
import pathlib
import re

import jsonschema
import pytest
from typer.testing import CliRunner

from mfalogscan.cli import app

from .conftest import gzip_bytes, sample_lines, text_bytes, zip_bytes

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
SCHEMA = json.loads((DOCS / "jsonl.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_real_output_validates_and_has_every_field(write, tmp_path):
    write("Logs/MultiFactorAuthSvc.log", text_bytes(sample_lines(40) + ["   at trace \"jdoe\""], "\r\n", bom=True))
    write("Logs/b.zip", zip_bytes({"MultiFactorAuthSvc.log.3": text_bytes(sample_lines(20), encoding="utf-16-le", bom=True)}))
    z = gzip_bytes(text_bytes(sample_lines(2000)))
    write("Logs/c.log.gz", z[: len(z) // 2])
    write("Logs/PhoneFactor.pfdata", b"\0\1\2\3" * 2000 + b'"jdoe"')
    r = CliRunner().invoke(app, ["scan", str(tmp_path / "Logs"), "--user", "jdoe", "--mentions"])
    assert r.exit_code == 2
    objs = [json.loads(line) for line in r.stdout.splitlines()]
    for obj in objs:
        VALIDATOR.validate(obj)
    types = {o["type"] for o in objs}
    assert types == {"finding", "event", "source", "summary"}
    statuses = {o["status"] for o in objs if o["type"] == "source"}
    assert statuses == {"scanned", "partial", "skipped"}
    # Every required field is present (the schema forbids missing ones) and some carry values.
    findings = [o for o in objs if o["type"] == "finding"]
    for key in ("timestamp", "call_status", "field", "request_id", "component", "level", "pid"):
        assert any(f[key] is not None for f in findings), key


def _examples():
    text = (DOCS / "output.md").read_text()
    blocks = re.findall(r"```jsonl\n(.*?)```", text, re.S)
    assert blocks, "docs/output.md has no ```jsonl example"
    return [json.loads(line) for block in blocks for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("example", _examples(), ids=lambda e: e["type"])
def test_documented_examples_validate(example):
    VALIDATOR.validate(example)


def test_documented_fields_match_the_schema():
    """Every finding field in the schema is described in docs/output.md, and nothing more."""
    text = (DOCS / "output.md").read_text()
    documented = {name for row in re.findall(r"^\| (`[a-z0-9_]+`(?:, `[a-z0-9_]+`)*) \|", text, re.M) for name in re.findall(r"`([a-z0-9_]+)`", row)}
    for kind in ("finding", "source"):
        assert set(SCHEMA["$defs"][kind]["properties"]) <= documented, kind


def test_the_documented_example_is_what_the_tool_prints_now():
    import subprocess
    import sys

    printed = subprocess.run([sys.executable, str(DOCS / "make_example.py"), "--print"], capture_output=True, text=True,
                             check=True).stdout.strip()
    block = re.findall(r"```jsonl\n(.*?)```", (DOCS / "output.md").read_text(), re.S)[0].strip()
    assert block == printed, "docs/output.md is stale: run python3 docs/make_example.py"
