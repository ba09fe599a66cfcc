"""Time you can trust: zones, years for RFC 3164 stamps, the --since/--until window."""

import calendar
import gzip
import io
import os
from datetime import datetime, timedelta, timezone

import pytest

from mfalogscan.errors import ConfigError
from mfalogscan.timeline.stamps import parse_bsd, parse_iso, parse_loose
from mfalogscan.timeline.clock import YearTracker
from mfalogscan.timeline.policy import TimePolicy, parse_when, parse_zone

from .conftest import native, text_bytes
from .helpers import run

CHANGE = 'User "CONTOSO\\admin" changed user "jdoe" value Phone from "1" to "2".'
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def syslog(stamp: str, message: str = CHANGE) -> str:
    return f"{stamp} MFASRV01 pfsvc: {message}"


def set_mtime(path: str, when: datetime) -> str:
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def epochs(stamps):
    t = YearTracker()
    return [t.observe(parse_bsd(s)) for s in stamps]


def test_new_year_rolls_forward():
    assert epochs(["Dec 30 10:00:00", "Dec 31 23:59:59", "Jan  1 00:00:01", "Jan  2 08:00:00"]) == [0, 0, 1, 1]


def test_lines_a_few_seconds_out_of_order_around_midnight_do_not_jump_a_year():
    stamps = ["Dec 31 23:59:58", "Jan  1 00:00:01", "Dec 31 23:59:59", "Jan  1 00:00:00", "Jan  1 00:00:03"]
    assert epochs(stamps) == [0, 1, 0, 1, 1]
    assert epochs(["Mar  7 18:20:22", "Mar  7 18:20:20", "Mar  7 18:20:23"]) == [0, 0, 0]


def test_months_going_back_start_a_new_year_each_time():
    assert epochs(["Nov  1 00:00:00", "Feb  1 00:00:00", "Oct  1 00:00:00", "Jan  1 00:00:00"]) == [0, 1, 1, 2]


def test_stamp_parsers():
    s = parse_bsd("Mar  7 18:20:20 host")
    assert (s.year, s.month, s.day, s.offset, s.raw) == (None, 3, 7, None, "Mar  7 18:20:20")
    s = parse_iso("2021-03-04T10:11:12.5-05:00")
    assert (s.year, s.offset, s.microsecond, s.fraction) == (2021, -5 * 3600, 500000, True)
    s = parse_loose("03/04/2021 10:11:12 AM")
    assert (s.year, s.month, s.day, s.hour, s.offset) == (2021, 3, 4, 10, None)
    assert parse_loose("Mar 4 10:11:12").year is None
    assert parse_loose("no time here") is None


def test_zone_and_when_parsing():
    assert parse_zone("+02:00")[0].utcoffset(None) == timedelta(hours=2)
    berlin, label = parse_zone("Europe/Berlin")
    assert label == "Europe/Berlin" and datetime(2024, 7, 1, tzinfo=berlin).utcoffset() == timedelta(hours=2)
    with pytest.raises(ConfigError):
        parse_zone("Nowhere/Special")
    utc = timezone.utc
    assert parse_when("90d", utc, NOW, "--since") == NOW - timedelta(days=90)
    assert parse_when("1w 2d", utc, NOW, "--since") == NOW - timedelta(days=9)
    assert parse_when("12h", utc, NOW, "--since") == NOW - timedelta(hours=12)
    assert parse_when("2024-03-01", berlin, NOW, "--since") == datetime(2024, 3, 1, tzinfo=berlin)
    assert parse_when("7 Mar 2024 10:00 +0000", berlin, NOW, "--since") == datetime(2024, 3, 7, 10, tzinfo=utc)
    with pytest.raises(ConfigError, match="--until"):
        parse_when("soonish", utc, NOW, "--until")


def scan_syslog(write, lines, name="syslog.log", mtime=None, compress=False, **options):
    data = text_bytes(lines)
    if compress:
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=int(compress.timestamp())) as g:
            g.write(data)
        data = buf.getvalue()
    path = write(name, data)
    if mtime:
        set_mtime(path, mtime)
    return run(path, **options)


def test_a_syslog_file_spanning_new_year_takes_years_from_its_modification_time(write):
    lines = [syslog("Dec 31 23:59:58"), syslog("Jan  1 00:00:03")]
    r = scan_syslog(write, lines, mtime=datetime(2025, 1, 2, tzinfo=timezone.utc))
    assert [f.timestamp for f in r.findings] == ["2024-12-31T23:59:58Z", "2025-01-01T00:00:03Z"]
    assert [f.timestamp_raw for f in r.findings] == ["Dec 31 23:59:58", "Jan  1 00:00:03"]
    s = r.sources[0]
    assert s.format == "syslog" and s.year_from.startswith("the file's modification time (2025-01-02)")
    assert s.timezone.startswith("UTC") and (s.first_timestamp, s.last_timestamp) == ("2024-12-31T23:59:58Z", "2025-01-01T00:00:03Z")


def test_the_last_line_after_the_file_time_belongs_to_the_year_before(write):
    r = scan_syslog(write, [syslog("Dec 20 10:00:00")], mtime=datetime(2025, 1, 5, tzinfo=timezone.utc))
    assert r.findings[0].timestamp == "2024-12-20T10:00:00Z"


def test_year_option_and_gzip_header_win_over_the_file_time(write):
    lines = [syslog("Mar  7 18:20:20")]
    r = scan_syslog(write, lines, mtime=datetime(2025, 1, 2, tzinfo=timezone.utc), time=TimePolicy(year=2019))
    assert r.findings[0].timestamp == "2019-03-07T18:20:20Z" and r.sources[0].year_from == "--year 2019"
    r = scan_syslog(write, lines, name="s.log.gz", mtime=datetime(2025, 1, 2, tzinfo=timezone.utc),
                    compress=datetime(2022, 4, 1, tzinfo=timezone.utc))
    assert r.findings[0].timestamp == "2022-03-07T18:20:20Z" and "gzip header" in r.sources[0].year_from


def test_29_february_moves_the_years_to_a_leap_year(write):
    lines = [syslog("Feb 28 23:00:00"), syslog("Feb 29 10:00:00"), syslog("Mar  1 08:00:00")]
    r = scan_syslog(write, lines, mtime=datetime(2025, 3, 2, tzinfo=timezone.utc))
    assert [f.timestamp[:10] for f in r.findings] == ["2024-02-28", "2024-02-29", "2024-03-01"]
    assert "29 February" in r.sources[0].year_from and calendar.isleap(2024)


def test_29_february_in_a_year_given_as_not_leap_has_no_time_but_is_kept(write):
    r = scan_syslog(write, [syslog("Feb 29 10:00:00")], time=TimePolicy(year=2023))
    assert len(r.findings) == 1 and r.findings[0].timestamp is None and r.findings[0].timestamp_raw == "Feb 29 10:00:00"


def test_zone_less_stamps_are_read_in_the_given_zone(write):
    berlin, label = parse_zone("Europe/Berlin")
    r = scan_syslog(write, [syslog("Jul  1 12:00:00")], time=TimePolicy(berlin, label, 2024))
    assert r.findings[0].timestamp == "2024-07-01T10:00:00Z"
    assert r.sources[0].timezone.startswith("Europe/Berlin")


def test_native_stamps_need_no_zone_or_year(write):
    r = run(write("MultiFactorAuthSvc.log", text_bytes([native(CHANGE, 5)])))
    assert r.findings[0].timestamp == "2024-03-07T18:00:05.006280Z"
    assert r.sources[0].timezone is None and r.sources[0].year_from is None


def test_since_with_an_age_on_year_less_stamps(write, monkeypatch):
    """--since 90d: years are inferred first (here from the file time), then the window applies."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    from mfalogscan.timeline.policy import reference_now

    since = parse_when("90d", timezone.utc, reference_now(), "--since")  # 2025-03-03
    lines = [syslog("Jan 10 10:00:00"), syslog("Apr  1 10:00:00"), syslog("May 30 10:00:00")]
    r = scan_syslog(write, lines, mtime=datetime(2025, 5, 31, tzinfo=timezone.utc), time=TimePolicy(since=since))
    assert [f.timestamp for f in r.findings] == ["2025-04-01T10:00:00Z", "2025-05-30T10:00:00Z"]
    assert r.sources[0].outside_window == {"jdoe": 1} and r.summary.users[0].outside_window == 1


def test_findings_without_a_time_are_never_filtered_out(write):
    lines = ['orphan "jdoe" line with no time', native(CHANGE, 1)]
    policy = TimePolicy(since=datetime(2030, 1, 1, tzinfo=timezone.utc))
    r = run(write("a.log", text_bytes(lines)), time=policy)
    assert [(f.line, f.timestamp) for f in r.findings] == [(1, None)]
    assert r.summary.users[0].undated == 1 and r.summary.users[0].outside_window == 1


# --- regressions from review ---


def test_a_step_back_across_the_end_of_february_is_a_reordering(write):
    lines = [syslog("Feb 28 23:59:58"), syslog("Mar  1 00:00:01"), syslog("Feb 28 23:59:59"), syslog("Mar  1 00:00:02")]
    r = scan_syslog(write, lines, mtime=datetime(2025, 3, 1, 12, tzinfo=timezone.utc))
    assert {f.timestamp[:4] for f in r.findings} == {"2025"}


def test_late_lines_of_the_old_year_do_not_add_years():
    assert epochs(["Dec 31 23:00:00", "Jan  2 00:00:01", "Dec 31 23:59:59", "Jan  2 00:00:02"]) == [0, 1, 0, 1]
    assert epochs(["Jan  1 00:00:01", "Dec 31 00:00:00"]) == [0, 0]  # no earlier year to be late for
    assert epochs(["Dec 30 10:00:00", "Jan  1 00:00:01", "Dec 31 00:00:00", "Jan  1 00:00:05"]) == [0, 1, 0, 1]


def test_impossible_dates_are_no_evidence(write):
    lines = [syslog("Mar  7 10:00:00"), syslog("Feb 30 10:00:00"), syslog("Mar  8 10:00:00")]
    r = scan_syslog(write, lines, mtime=datetime(2025, 3, 9, tzinfo=timezone.utc))
    assert [f.timestamp for f in r.findings] == ["2025-03-07T10:00:00Z", None, "2025-03-08T10:00:00Z"]


def test_29_february_only_moves_back_from_the_file_time(write):
    r = scan_syslog(write, [syslog("Feb 29 10:00:00")], mtime=datetime(2027, 3, 1, tzinfo=timezone.utc))
    assert r.findings[0].timestamp == "2024-02-29T10:00:00Z"


def test_partial_dates_mean_their_whole_period():
    utc = timezone.utc
    assert parse_when("2024", utc, NOW, "--since") == datetime(2024, 1, 1, tzinfo=utc)
    assert parse_when("March 2024", utc, NOW, "--since") == datetime(2024, 3, 1, tzinfo=utc)
    assert parse_when("March 2024", utc, NOW, "--until", end=True) == datetime(2024, 3, 31, 23, 59, 59, 999999, tzinfo=utc)
    assert parse_when("2024-12", utc, NOW, "--until", end=True) == datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=utc)
    assert parse_when("2024-03-07", utc, NOW, "--until", end=True) == datetime(2024, 3, 7, 23, 59, 59, 999999, tzinfo=utc)
    assert parse_when("10:00", utc, NOW, "--since") == datetime(2025, 6, 1, 10, tzinfo=utc)  # today, from `now`
    assert parse_when("2024-03-07T10:00:05", utc, NOW, "--until", end=True) == datetime(2024, 3, 7, 10, 0, 5, tzinfo=utc)


def test_bad_offsets_are_config_errors():
    for bad in ("+25:00", "-14:75", ""):
        with pytest.raises(ConfigError):
            parse_zone(bad)


def test_times_across_a_dst_change_compare_in_utc(write):
    berlin, label = parse_zone("Europe/Berlin")
    lines = [syslog("Mar 31 01:59:59"), syslog("Mar 31 03:00:01")]  # 02:00-03:00 does not exist that night
    r = scan_syslog(write, lines, time=TimePolicy(berlin, label, 2024))
    assert [f.timestamp for f in r.findings] == ["2024-03-31T00:59:59Z", "2024-03-31T01:00:01Z"]
    assert r.sources[0].first_timestamp < r.sources[0].last_timestamp


def test_the_last_line_gives_the_end_of_the_span(write):
    lines = [native(CHANGE, 0), native("Service heartbeat", 30), native("Service stopping", 59)]
    for chunk in (5, 1 << 20):
        r = run(write("MultiFactorAuthSvc.log", text_bytes(lines)), chunk_size=chunk)
        assert (r.sources[0].first_timestamp, r.sources[0].last_timestamp) == ("2024-03-07T18:00:00Z", "2024-03-07T18:00:59Z")


def test_years_are_judged_from_lines_without_findings_too(write):
    lines = [syslog("Nov  1 10:00:00"), syslog("Dec 15 10:00:00", "quiet"), syslog("Jan 15 10:00:00", "quiet"),
             syslog("Nov  5 10:00:00")]
    r = scan_syslog(write, lines, mtime=datetime(2025, 11, 6, tzinfo=timezone.utc), yearless_sample_every=1)
    assert [f.timestamp for f in r.findings] == ["2024-11-01T10:00:00Z", "2025-11-05T10:00:00Z"]


def test_a_zip_entrys_date_dates_its_syslog_and_1980_is_no_date(write):
    import zipfile as zf

    data = text_bytes([syslog("Mar  7 18:20:20")])
    buf = io.BytesIO()
    with zf.ZipFile(buf, "w") as z:
        z.writestr(zf.ZipInfo("dated.log", (2022, 3, 8, 0, 0, 0)), data)
        z.writestr(zf.ZipInfo("undated.log", (1980, 1, 1, 0, 0, 0)), data)
    path = set_mtime(write("logs.zip", buf.getvalue()), datetime(2025, 1, 2, tzinfo=timezone.utc))
    r = run(path)
    years = {f.source.rsplit("!", 1)[1]: f.timestamp[:4] for f in r.findings}
    assert years == {"dated.log": "2022", "undated.log": "2024"}


def test_findings_kept_past_retention_are_marked_and_counted(write):
    lines = ['orphan "jdoe" line before any record', native(CHANGE, 0)]
    path = write("MultiFactorAuthSvc.log", text_bytes(lines))
    r = run(path, retention_days=90, as_of=datetime(2024, 6, 6, tzinfo=timezone.utc))  # 91 days after 7 March
    assert [f.past_retention for f in r.findings] == [None, True]
    assert r.sources[0].past_retention == {"jdoe": 1} and r.summary.users[0].past_retention == 1
    r = run(path, retention_days=90, as_of=datetime(2024, 6, 4, tzinfo=timezone.utc))
    assert [f.past_retention for f in r.findings] == [None, False] and r.sources[0].past_retention == {}


def test_an_absurd_number_in_a_loose_stamp_is_no_time_not_an_error():
    # From atheris: dateutil raised decimal.InvalidOperation while a CSV export's columns were sniffed.
    from mfalogscan.timeline.stamps import parse_loose

    assert parse_loose("2028-00 -7398:" + "9" * 80 + "0:20") is None


def test_a_source_whose_only_yearless_stamps_are_impossible_dates_has_no_year(tmp_path):
    # From atheris: base_year() unpacked a missing "last stamp" and the source ended in an internal error.
    from .helpers import run

    path = tmp_path / "syslog.log"
    path.write_text('Feb 30 18:20:20 mfa01 pfsvc[2960]: User "jdoe" changed user "x"\n')
    r = run(str(path), framing="syslog")
    assert r.sources[0].status == "scanned" and r.sources[0].year_from is None
    assert [f.timestamp for f in r.findings] == [None]


def test_a_zone_offset_of_a_day_or_more_in_a_loose_stamp_is_no_time():
    # From atheris: datetime refuses offsets of 24 h or more; the CSV sniffing ended in an internal error.
    from mfalogscan.timeline.stamps import parse_loose

    assert parse_loose("2024-03-07 18:20:20 +2500") is None


def test_an_iso_stamp_with_a_zone_of_a_day_or_more_is_no_stamp(tmp_path):
    from mfalogscan.timeline.stamps import parse_iso

    from .helpers import run

    assert parse_iso("2024-03-07T18:20:20+25:00") is None and parse_iso("2024-03-07T18:20:20+23:59") is not None
    path = tmp_path / "x.log"
    path.write_text('<134>1 2024-03-07T18:20:20+25:00 mfa01 pfsvc 2960 - - User "jdoe" changed user "x"\n')
    r = run(str(path), framing="rfc5424")
    assert r.sources[0].status == "scanned" and len(r.findings) == 1
