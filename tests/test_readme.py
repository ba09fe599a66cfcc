"""Every command the README shows works as written (the quick start is run by .ci/run itself).

Each ```sh block outside the quick start is run, line by line, in a folder
of its own laid out as the README assumes: `Logs/` (the sample logs),
`backups/` (a zip of older logs), `exports/`, the Windows Logs path,
the users files and a case file. Every command must exit 0.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
WINDOWS_LOGS = "C:\\Program Files\\Multi-Factor Authentication Server\\Logs"


def _blocks() -> list[str]:
    body = README.split("## Quick start", 1)[1].split("\n## ", 1)[1]  # everything after the quick start
    return re.findall(r"```sh\n(.*?)\n```", body, re.S)


def _commands(block: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.split("  #", 1)[0].strip() for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture
def folder(tmp_path):
    samples = ROOT / "sample_logs"
    shutil.copytree(samples, tmp_path / "Logs", ignore=shutil.ignore_patterns("exports", "*.zip"))
    shutil.copytree(samples / "exports", tmp_path / "exports")
    (tmp_path / "backups").mkdir()
    shutil.copy(samples / "MultiFactorAuthSvc-2023-archive.zip", tmp_path / "backups")
    shutil.copytree(tmp_path / "Logs", tmp_path / WINDOWS_LOGS)  # one file name with backslashes, on Linux
    for name in ("requests.txt", "request-1234.txt"):
        (tmp_path / name).write_text("jdoe\tjohn.doe@contoso.com\nmgarcía\n", encoding="utf-8")
    (tmp_path / "jdoe-export.json").write_text('{"User": {"Username": "jdoe", "Phone": "+1 425 555 0100"}}', encoding="utf-8")
    (tmp_path / "case.toml").write_text('controller = "Contoso Ltd"\nrequest_reference = "DSR-1234"\n'
                                        'handled_by = "Jane Roe"\nrequest_received = 2026-11-20\n', encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_every_readme_command_works_as_written(folder, index):
    commands = _commands(_blocks()[index])
    assert commands
    # `mfalogscan` is this interpreter's, wherever it is installed.
    shell = f"mfalogscan() {{ {shlex.quote(sys.executable)} -m mfalogscan \"$@\"; }}\n"
    for command in commands:
        if "| jq" in command and shutil.which("jq") is None:
            continue  # jq is the reader's tool, not ours
        r = subprocess.run(["bash", "-o", "pipefail", "-c", shell + command], cwd=folder, capture_output=True, text=True,
                           timeout=300, env=dict(os.environ, NO_COLOR="1"))
        assert r.returncode == 0, f"{command}\nexit {r.returncode}\n{r.stderr[-1500:]}"


def test_the_quick_start_is_two_commands_and_has_a_powershell_twin():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    sh = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    ps = re.findall(r"```powershell\n(.*?)\n```", section, re.S)
    assert len(sh) == 2 and len(ps) == 2 and all("\n" not in c for c in sh + ps)
    assert "mfalogscan scan sample_logs --user jdoe" in sh[0] and sh[0].endswith(ps[0].rsplit("; ", 1)[1])
    assert "pytest" in sh[1] and "pytest" in ps[1]
    assert '".[test]"' in ps[1]  # double quotes: they work in PowerShell and in cmd, single quotes only in PowerShell
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "## Quick start" in ci and 'bash -euo pipefail -c "${quick[0]}"' in ci and f'tests="{sh[1]}"' in ci  # .ci/run runs them as written


def test_the_readme_names_every_option_there_is_and_no_other():
    from typer.testing import CliRunner

    from mfalogscan.cli import app

    runner = CliRunner()
    helps = {c: runner.invoke(app, [c, "--help"]).stdout for c in ("scan", "inventory", "verify", "check", "keygen")}
    offered = {o for text in helps.values() for o in re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", text)} - {"--help"}
    usage = README.split("## Usage", 1)[1].split("\n## ", 1)[0]
    for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", helps["scan"]):
        if option != "--help":
            assert option in usage, f"scan {option} is not in the README's usage"
    section = README.split("## Who is in here: `inventory`", 1)[1].split("\n## ", 1)[0]
    for option in set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", helps["inventory"])) - set(helps["scan"].split()):
        if option != "--help":
            assert option in section, f"inventory {option} is not in the README's inventory section"
    for option in set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", README)):
        assert option in offered or option in ("--install-completion", "--version", "--help"), \
            f"the README names {option}, which no command has"
