"""The evidence reports as printed: HTML and Markdown on A4 and Letter, through real Chromium and poppler.

What a compliance officer signs is paper. Each report is printed to PDF by
headless Chromium; `pdftotext -bbox-layout` gives every word's box, and
`pdftoppm` renders the pages. Nothing is cut when every word lies inside
the page, the page's right margin is blank in the rendering, every long log
line and path can be read back whole from the words, and the text was not
shrunk to fit.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mfalogscan.cli import app

from .conftest import native, text_bytes
from .test_reports import _chromium

runner = CliRunner()
TOOLS = _chromium() and shutil.which("pdftotext") and shutil.which("pdftoppm")
pytestmark = pytest.mark.skipif(not TOOLS, reason="needs Chromium and poppler-utils (pdftotext, pdftoppm); "
                                                  ".ci/run installs Chromium, Debian: apt-get install poppler-utils")
PAGES = {"A4": (595.3, 841.9), "Letter": (612.0, 792.0)}
# Long, unbroken tokens: a device ID, a base64 blob, and a deep path (the folder name below).
TOKEN = "0x" + "9f3c" * 40
BLOB = "QUJD" * 60
DEEP = "Backups-of-MultiFactorAuthSvc-logs-from-the-old-server-kept-on-the-share-until-2031"
# A GitHub-like rendering of Markdown: its stylesheet wraps long words (word-wrap) and code (break-spaces).
MARKDOWN_CSS = ("body{font:14px/1.5 system-ui,sans-serif;word-wrap:break-word;max-width:60em;margin:auto}"
                "code{white-space:break-spaces;font-family:monospace}table{border-collapse:collapse}"
                "td,th{border:1px solid #ccc;padding:2px 6px}")


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Reports of two inputs, in HTML and in Markdown rendered as a viewer would; with the texts they must show."""
    tmp = tmp_path_factory.mktemp("printed")
    logs = tmp / "long" / DEEP
    logs.mkdir(parents=True)
    lines = []
    for i in range(60):
        lines.append(native(f'User "jdoe" added new User Mobile App Device "iPhone {i}" with Device ID {TOKEN}{i}.', i))
        lines.append(native(f'User "CONTOSO\\admin" changed user "jdoe" value Notes from "" to "{BLOB}{i}".', i + 100))
    (logs / "MultiFactorAuthSvc.log").write_bytes(text_bytes(lines))
    # The shipped samples: copies of one event in several sources give long "duplicate of" cells.
    shutil.copytree(ROOT / "sample_logs", tmp / "sample_logs", ignore=shutil.ignore_patterns("__pycache__"))
    case = tmp / "case.toml"
    case.write_text('controller = "Contoso Ltd"\nrequest_reference = "DSR-1"\nhandled_by = "Jane Roe"\n'
                    'request_received = 2026-11-20\nnotes = "' + "A long note. " * 40 + '"\n')
    from markdown_it import MarkdownIt

    out = {}
    for name in ("long", "sample_logs"):
        r = runner.invoke(app, ["scan", str(tmp / name), "-u", "jdoe", "-f", "json"])
        texts = [f["text"] for u in json.loads(r.stdout)["users"] for f in u["findings"]]
        for fmt, ext in (("html", "html"), ("markdown", "md")):
            path = tmp / f"{name}.{ext}"
            r = runner.invoke(app, ["scan", str(tmp / name), "-u", "jdoe", "-f", fmt, "-o", str(path), "--case", str(case)])
            assert r.exit_code == 0, r.output
            if fmt == "markdown":
                body = MarkdownIt("commonmark").enable("table").render(path.read_text(encoding="utf-8"))
                path = tmp / f"{name}.md.html"
                path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{MARKDOWN_CSS}</style>'
                                f"</head><body>{body}</body></html>", encoding="utf-8")
            out[(name, fmt)] = (path, texts)
    return tmp, out


def _print(page: Path, size: str, tmp: Path) -> Path:
    """The page printed to PDF on `size` paper, as a person would: Chromium's print with that paper chosen."""
    copy = tmp / f"{page.stem}.{size}.html"
    copy.write_text(page.read_text(encoding="utf-8").replace("</head>", f"<style>@page{{size:{size}}}</style></head>", 1),
                    encoding="utf-8")
    pdf = copy.with_suffix(".pdf")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp / 'profile'}", "--no-pdf-header-footer"]
    subprocess.run([_chromium(), *flags, f"--print-to-pdf={pdf}", copy.as_uri()], capture_output=True, timeout=180)
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), f"Chromium printed nothing for {copy.name}"
    return pdf


def _words(pdf: Path):
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S):
        words = [(float(a), float(b), float(c), float(d), unescape(w)) for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>', page[3])]
        pages.append((float(page[1]), float(page[2]), words))
    return pages


def _right_margin_blank(pdf: Path, tmp: Path, width_pt: float) -> list[int]:
    """Pages whose rightmost 5 mm are not blank in the rendering (text running off the page's right edge)."""
    prefix = tmp / f"{pdf.stem}-page"
    subprocess.run(["pdftoppm", "-gray", "-r", "60", str(pdf), str(prefix)], check=True, capture_output=True)
    bad = []
    for n, pgm in enumerate(sorted(tmp.glob(f"{prefix.name}-*.pgm")), 1):
        data = pgm.read_bytes()
        head = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)
        w, h = int(head[1]), int(head[2])
        pixels = data[head.end():]
        strip = int(w * (5 / 25.4 * 72) / width_pt)  # 5 mm in pixels
        if any(min(pixels[y * w + w - strip:(y + 1) * w]) < 200 for y in range(h)):
            bad.append(n)
    return bad


def _squeezed(text: str, fmt: str) -> str:
    """Text as a report shows it (control characters as escapes; Markdown writes a tab as \\t), without white space."""
    from mfalogscan.errors import visible

    text = visible(text)
    return re.sub(r"\s+", "", text.replace("\t", "\\t") if fmt == "markdown" else text)


@pytest.mark.parametrize("size", sorted(PAGES))
@pytest.mark.parametrize("fmt", ["html", "markdown"])
@pytest.mark.parametrize("name", ["long", "sample_logs"])
def test_the_printed_report_cuts_nothing(printed, name, fmt, size):
    tmp, pages = printed
    page, texts = pages[(name, fmt)]
    pdf = _print(page, size, tmp)
    words = _words(pdf)
    assert len(words) >= 3, "the report fits on fewer pages than it can: was it shrunk?"
    for width, height, page_words in words:
        assert abs(width - PAGES[size][0]) < 2 and abs(height - PAGES[size][1]) < 2, "not printed on the chosen paper"
        outside = [w for w in page_words if w[0] < 0 or w[1] < 0 or w[2] > width + 0.5 or w[3] > height + 0.5]
        assert not outside, f"{fmt} on {size}: words beyond the page box: {outside[:3]}"
    # Read back in the order the text is drawn (-raw): the layout analysis may reorder a cell's lines.
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = re.sub(r"\s+", "", raw)
    cut = [t for t in texts if _squeezed(t, fmt) not in text]
    assert not cut, f"{name} as {fmt} on {size}: {len(cut)} of {len(texts)} log lines cannot be read whole, e.g. {cut[0]!r}"
    if name == "long":
        assert DEEP in text, "the deep path is cut"
    sizes = sorted(w[3] - w[1] for _, _, page_words in words for w in page_words if w[4].startswith("2024-03-0"))
    assert sizes and sizes[len(sizes) // 2] >= 7.0, f"text shrunk to fit: {sizes[len(sizes) // 2]:.1f} pt high"
    assert not _right_margin_blank(pdf, tmp, PAGES[size][0]), f"{fmt} on {size}: ink in the right margin"
    if fmt == "html":
        numbers = [" ".join(w[4] for w in page_words[-4:]) for _, _, page_words in words]
        assert all(re.search(rf"page {n} of {len(words)}", line) for n, line in enumerate(numbers, 1)), numbers[:2]


@pytest.mark.parametrize("width", [1280, 800])
def test_the_html_report_does_not_scroll_sideways_on_a_screen(printed, width):
    tmp, pages = printed
    # A copy of the report with one measuring script of the test's own (the report itself allows none): it
    # writes the document's scroll width and the window's width into the title, which --dump-dom shows.
    html = pages[("sample_logs", "html")][0].read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    probe = tmp / f"probe-{width}.html"
    probe.write_text(html.replace("</body>", "<script>document.title = 'W' + document.documentElement.scrollWidth + "
                                  "'/' + window.innerWidth;</script></body>"), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp / 'profile2'}",
             f"--window-size={width},900", "--hide-scrollbars"]
    dom = subprocess.run([_chromium(), *flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    measured = re.search(r"<title>W(\d+)/(\d+)</title>", dom)
    assert measured, dom[:300]
    assert int(measured[1]) <= int(measured[2]), f"the page is {measured[1]} px wide in a {measured[2]} px window"


@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_the_printed_data_map_cuts_nothing(tmp_path, size):
    """Issue 16: the data map printed, every identity and source readable whole, nothing beyond the page."""
    page = tmp_path / "map.html"
    r = runner.invoke(app, ["inventory", str(ROOT / "sample_logs"), "-f", "html", "-o", str(page), "--as-of", "2024-03-08"])
    assert r.exit_code == 0, r.stderr
    pdf = _print(page, size, tmp_path)
    for width, height, page_words in _words(pdf):
        assert not [w for w in page_words if w[0] < 0 or w[2] > width + 0.5 or w[3] > height + 0.5]
    raw = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                            check=True).stdout)
    doc = runner.invoke(app, ["inventory", str(ROOT / "sample_logs"), "-f", "json", "--as-of", "2024-03-08"]).stdout
    import json

    names = [e["identity"] for e in json.loads(doc)["identities"]]
    assert len(names) > 30 and not [n for n in names if re.sub(r"\s+", "", n) not in raw]
    assert not _right_margin_blank(pdf, tmp_path, PAGES[size][0])
