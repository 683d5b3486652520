import datetime
import html.parser
import json
import re
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.summary import (Cluster, FunnelStage, NoOutput, Summary, _clip, _width, main,
                              render_html, render_text, summarize)
from schemas import SCHEMAS

DAY1, DAY2 = "2025-07-01", "2025-07-02"
CHARTS = ("funnel", "rejection-reasons", "removal-reasons", "repairs", "cluster-sizes",
          "duplicate-rate-site", "duplicate-rate-date")
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "code",
             "table", "thead", "tbody", "tr", "th", "td", "span", "figure", "figcaption", "small",
             "svg", "rect", "path", "text"}
LONG_SITE = "news." + "very-long-subdomain-" * 8 + "example.com"
HOSTILE_TITLE = "<script>alert('x')</script> خبر " + "طويل " * 40


def write(output: Path, dataset: str, partition: str, rows: list[dict]) -> None:
    folder = output / dataset / partition
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[dataset]),
                   folder / "part-00000.parquet")


def doc(doc_id, date, *, site="a.com", title=..., cluster_id=None, size=1, repairs=(),
        removed=(), duplicate_of=None):
    row = {"id": doc_id, "title": f"عنوان {doc_id}" if title is ... else title, "text": "متن",
           "source": "in.jsonl",
           "url": None, "site": site, "published": None, "input_encoding": "utf-8",
           "lang_confidence": 0.9, "credited_source": None, "repairs": list(repairs),
           "removed_lines": [{"text": "x", "reason": r} for r in removed],
           "cluster_id": cluster_id or doc_id, "cluster_size": size, "char_count": 3,
           "run_date": datetime.date.fromisoformat(date)}
    if duplicate_of:
        row.update(duplicate_of=duplicate_of, similarity=0.95)
    return row


def rejection(doc_id, date, step, reason, lang=None, removed=()):
    return {"id": doc_id, "source": "in.jsonl", "reason": reason, "detail": "…", "step": step,
            "lang": lang, "raw": b"\xff", "raw_truncated": False,
            "removed_lines": [{"text": "x", "reason": r} for r in removed],
            "run_date": datetime.date.fromisoformat(date)}


def build_output(output: Path) -> Path:
    """Day 1 has a run report with step counters, day 2 only its rows."""
    # Day 1: 10 input records -> 2 rejected (Read, StripLines) -> 8 -> 3 duplicates -> 5 kept.
    write(output, "documents", f"lang=ar/date={DAY1}", [
        doc("a1", DAY1, cluster_id="a1", size=4, title=HOSTILE_TITLE,
            repairs=["mojibake", "presentation_forms"], removed=["share_prompt", "share_prompt"]),
        doc("a2", DAY1, site=LONG_SITE, repairs=["mojibake"], removed=["dateline"]),
        doc("a3", DAY1, site=None),
    ])
    write(output, "documents", f"lang=fa/date={DAY1}", [
        doc("f1", DAY1, site="b.ir", cluster_id="f1", size=2),
        doc("f2", DAY1, site="b.ir"),
    ])
    write(output, "duplicates", f"lang=ar/date={DAY1}", [
        doc("a4", DAY1, cluster_id="a1", size=4, duplicate_of="a1", removed=["share_prompt"]),
        doc("a5", DAY1, cluster_id="a1", size=4, duplicate_of="a1"),
    ])
    write(output, "duplicates", f"lang=fa/date={DAY1}", [
        doc("f3", DAY1, site="b.ir", cluster_id="f1", size=2, duplicate_of="f1"),
    ])
    write(output, "rejected", f"date={DAY1}", [
        rejection("r1", DAY1, "Read", "bad_json"),
        rejection("r2", DAY1, "StripLines", "empty_after_cleaning", "ar", removed=["site_name"]),
    ])
    write(output, "_inputs", f"date={DAY1}", [{"id": "in.jsonl", "records": 10}])
    counters = {"Decode.processed": 9, "Repair.processed": 9, "Repair.changed": 2,
                "StripLines.processed": 8, "StripLines.rejected": 1, "dedup.components": 6}
    reports = output / "_reports"
    reports.mkdir()
    (reports / f"{DAY1}.json").write_text(json.dumps({
        "step_counters": counters, "invariant": {"holds": True, "message": "all 10 accounted"}}))

    # Day 2: 4 input records -> 1 rejected by Decode -> 3 -> 1 duplicate -> 2 kept.
    write(output, "documents", f"lang=fa/date={DAY2}", [
        doc("g1", DAY2, site="b.ir", cluster_id="g1", size=2, title=None),
        doc("g2", DAY2, site="c.af")])
    write(output, "duplicates", f"lang=fa/date={DAY2}", [
        doc("g3", DAY2, site="c.af", cluster_id="g1", size=2, duplicate_of="g1")])
    write(output, "rejected", f"date={DAY2}", [rejection("r3", DAY2, "Decode", "undecodable")])
    write(output, "_inputs", f"date={DAY2}", [{"id": "in2.jsonl", "records": 4}])
    return output


@pytest.fixture
def output(tmp_path):
    return build_output(tmp_path / "out")


def test_counts_per_date_dataset_and_language(output):
    summary = summarize(str(output))
    assert summary.dates == (DAY1, DAY2)
    assert summary.rows == {
        (DAY1, "documents", "ar"): 3, (DAY1, "documents", "fa"): 2,
        (DAY1, "duplicates", "ar"): 2, (DAY1, "duplicates", "fa"): 1,
        (DAY1, "rejected", "ar"): 1, (DAY1, "rejected", "und"): 1,
        (DAY2, "documents", "fa"): 2, (DAY2, "duplicates", "fa"): 1,
        (DAY2, "rejected", "und"): 1}
    assert summary.input_records == {DAY1: 10, DAY2: 4}
    assert summary.invariant == {DAY1: "all 10 accounted"}


def test_reasons_and_repairs(output):
    summary = summarize(str(output))
    assert summary.rejected == (("Decode", "undecodable", 1), ("Read", "bad_json", 1),
                                ("StripLines", "empty_after_cleaning", 1))
    # Lines are counted one by one, documents once per reason.
    assert summary.removed == (("share_prompt", 3, 2), ("dateline", 1, 1), ("site_name", 1, 1))
    assert summary.repairs == (("mojibake", 2), ("presentation_forms", 1))


def test_clusters_histogram_and_largest(output):
    summary = summarize(str(output))
    # Singletons: a2, a3, f2, g2; clusters a1 (4), f1 (2), g1 (2).
    assert summary.cluster_sizes == (("1", 4), ("2", 2), ("3", 0), ("4–5", 1))
    largest = summary.largest_clusters
    assert [(c.cluster_id, c.size, c.lang) for c in largest] == [
        ("a1", 4, "ar"), ("f1", 2, "fa"), ("g1", 2, "fa")]
    assert largest[0].title == HOSTILE_TITLE  # the leader's title, not a duplicate's
    assert largest[2].title == "عنوان g3"  # a member's title when the leader has none


def test_duplicate_rate_per_site_and_date(output):
    summary = summarize(str(output))
    assert summary.duplicates_per_site == (
        ("b.ir", 3, 1), ("a.com", 1, 2), ("c.af", 1, 1), ("(no site)", 1, 0), (LONG_SITE, 1, 0))
    assert summary.duplicates_per_date == ((DAY1, 5, 3), (DAY2, 2, 1))


def test_funnel_uses_counters_where_recorded_and_rows_elsewhere(output):
    day1 = summarize(str(output), DAY1)
    assert day1.funnel_source == "step counters"
    assert [(s.label, s.remaining, s.changed) for s in day1.funnel] == [
        ("input records", 10, None), ("Read", 9, 0), ("Decode", 9, 0), ("Repair", 9, 2),
        ("StripLines", 8, 0), ("kept documents", 5, None)]
    day2 = summarize(str(output), DAY2)
    assert day2.funnel_source == "row counts"
    assert [(s.label, s.remaining, s.changed) for s in day2.funnel] == [
        ("input records", 4, None), ("Decode", 3, None), ("kept documents", 2, None)]
    both = summarize(str(output))
    assert both.funnel_source == "step counters where recorded, row counts elsewhere"
    assert [(s.label, s.remaining) for s in both.funnel] == [
        ("input records", 14), ("Read", 13), ("Decode", 12), ("Repair", 12), ("StripLines", 11),
        ("kept documents", 7)]


def test_date_filter_and_missing_output(output, tmp_path):
    assert summarize(str(output), DAY2).dates == (DAY2,)
    with pytest.raises(NoOutput):
        summarize(str(output), "2025-01-01")
    with pytest.raises(NoOutput):
        summarize(str(tmp_path / "nothing"))


def test_main_prints_the_summary_and_writes_the_page(output, capsys):
    assert main([str(output)]) == 0
    printed = capsys.readouterr().out
    page = output / "_reports" / "summary.html"
    assert page.is_file() and f"HTML: {page}" in printed
    assert "Funnel from input to kept documents" in printed


def test_main_without_output_exits_2_with_one_line(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert main([str(tmp_path / "missing"), "--html", str(tmp_path / "x.html")]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("khabar: no khabar output") for e in errors)
    assert not (tmp_path / "x.html").exists()


def test_terminal_summary_fits_100_columns(output):
    text = render_text(summarize(str(output)))
    assert max(_width(line) for line in text.splitlines()) <= 100
    assert "share_prompt" in text and "a1" in text


class _Figures(html.parser.HTMLParser):
    """Counts drawn shapes per `<figure data-chart>` and collects `dir="auto"` texts."""

    def __init__(self):
        super().__init__()
        self.shapes, self.current, self.auto_dir, self.tags = {}, None, 0, set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "figure" and "data-chart" in attrs:
            self.current = attrs["data-chart"]
            self.shapes[self.current] = {"figcaption": 0, "svg": 0, "drawn": 0}
        elif self.current and tag in ("figcaption", "svg"):
            self.shapes[self.current][tag] += 1
        elif self.current and tag in ("rect", "path"):
            self.shapes[self.current]["drawn"] += 1
        self.auto_dir += attrs.get("dir") == "auto"

    def handle_endtag(self, tag):
        if tag == "figure":
            self.current = None


def figures_in(page: str) -> _Figures:
    parser = _Figures()
    parser.feed(page)
    return parser


def test_html_has_every_chart_escapes_text_and_needs_no_network(output):
    page = render_html(summarize(str(output)))
    figures = figures_in(page)
    assert set(figures.shapes) == set(CHARTS)
    for chart, counts in figures.shapes.items():
        assert counts["figcaption"] == 1 and counts["svg"] == 1, chart
        assert counts["drawn"] > 0, chart
    assert "<script" not in page and "&lt;script&gt;" in page
    assert figures.auto_dir >= 3  # one per largest-cluster title
    assert not re.search(r"""(?:src|href)=|url\(|@import""", page)
    assert set(re.findall(r"https?://[^\s\"']+", page)) == {"http://www.w3.org/2000/svg"}


def test_html_of_an_output_without_duplicates_or_rejections(tmp_path):
    output = tmp_path / "out"
    write(output, "documents", f"lang=ar/date={DAY1}", [doc("a1", DAY1)])
    summary = summarize(str(output))
    page = render_html(summary)
    assert set(figures_in(page).shapes) == set(CHARTS)
    assert "nothing recorded" in page
    assert [(s.label, s.remaining) for s in summary.funnel] == [
        ("input records", 1), ("kept documents", 1)]


def test_files_without_newer_columns_read_as_empty(tmp_path):
    output = tmp_path / "out"
    folder = output / "documents" / f"lang=fa/date={DAY1}"
    folder.mkdir(parents=True)
    old_schema = pa.schema([f for f in SCHEMAS["documents"]
                            if f.name not in ("repairs", "removed_lines", "site")])
    pq.write_table(pa.Table.from_pylist([doc("f1", DAY1)], schema=old_schema),
                   folder / "part-00000.parquet")
    summary = summarize(str(output))
    assert summary.rows == {(DAY1, "documents", "fa"): 1}
    assert summary.removed == () and summary.repairs == ()
    assert summary.duplicates_per_site == (("(no site)", 1, 0),)


text_strategy = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=50, deadline=None)
@given(text=text_strategy, width=st.integers(min_value=2, max_value=100))
def test_clip_always_fits(text, width):
    clipped = _clip(text, width)
    assert _width(clipped) <= width and "\n" not in clipped


@settings(max_examples=30, deadline=None)
@given(title=text_strategy, site=text_strategy, reason=text_strategy)
def test_any_text_renders_escaped_and_within_100_columns(title, site, reason):
    summary = Summary(
        output="out", dates=(DAY1,), rows={(DAY1, "documents", "ar"): 1},
        input_records={DAY1: 1}, invariant={}, rejected=(("Read", reason, 1),),
        removed=((reason, 1, 1),), repairs=((reason, 1),),
        funnel=(FunnelStage("input records", 1), FunnelStage("kept documents", 1)),
        funnel_source="row counts", cluster_sizes=(("1", 1),),
        largest_clusters=(Cluster(reason, 2, "ar", title),),
        duplicates_per_site=((site, 1, 0),),
        duplicates_per_date=((DAY1, 1, 0),))
    text = render_text(summary)
    assert max(_width(line) for line in text.splitlines()) <= 100
    figures = figures_in(render_html(summary))
    assert figures.tags <= PAGE_TAGS  # no text ever becomes markup
    assert set(figures.shapes) == set(CHARTS)


CHROMIUM = next((path for path in (shutil.which("chromium"), shutil.which("chromium-browser"),
                                   shutil.which("google-chrome"), "/usr/bin/chromium")
                 if path and Path(path).is_file()), None)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary")
def test_page_renders_in_headless_chromium(output, tmp_path):
    page = tmp_path / "summary.html"
    assert main([str(output), "--html", str(page)]) == 0
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*command, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    figures = figures_in(dom)
    assert set(figures.shapes) == set(CHARTS)
    for chart, counts in figures.shapes.items():
        assert counts["svg"] == 1 and counts["drawn"] > 0, chart
    screenshot = tmp_path / "summary.png"
    subprocess.run([*command, f"--screenshot={screenshot}", "--window-size=1000,2400",
                    page.as_uri()], capture_output=True, timeout=120, check=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
