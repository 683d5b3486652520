"""`python -m pipeline report OUTPUT`: what past runs kept, dropped and merged, and why.

Everything is read back from the committed Parquet (and the per-run `_reports/<date>.json` for
step counters), so the summary describes what a reader of OUTPUT actually sees. The HTML page is
one file with inline CSS and SVG drawn here: no script, no network, no fonts to fetch, so it opens
from disk anywhere and can be mailed or archived next to the data.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import heapq
import html
import json
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from pipeline.cli import ArgumentParser, UsageError
from pipeline.commit import recover_for_reader
from schemas import SCHEMAS

DOC_DATASETS = ("documents", "duplicates")
DATASETS = (*DOC_DATASETS, "rejected")
# The order of the steps in pipeline/graph.py; a step not listed here is shown after them.
STEP_ORDER = ("Read", "RejectDuplicateIds", "Decode", "Repair", "NormalizeBasic", "CheckLimits",
              "IdentifyLanguage", "NormalizeLanguage", "StripLines")
INPUT_STAGE, KEPT_STAGE = "input records", "kept documents"
CLUSTER_BINS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, 20), (21, 50), (51, None))
LARGEST_CLUSTERS = 10
TOP_SITES = 12
UNKNOWN_LANG, NO_SITE = "und", "(no site)"


@dataclass(frozen=True)
class FunnelStage:
    """How many records are still on their way to `documents/` after a step."""
    label: str
    remaining: int
    changed: int | None = None  # documents the step modified (step counters only)


@dataclass(frozen=True)
class Cluster:
    cluster_id: str
    size: int
    lang: str
    title: str | None


@dataclass(frozen=True)
class Summary:
    """Plain counts, sorted for reading; every render works from this alone."""
    output: str
    dates: tuple[str, ...]
    rows: dict            # (date, dataset, lang) -> rows
    input_records: dict   # date -> records listed in the `_inputs` manifests
    invariant: dict       # date -> the run report's invariant message (dates with a report)
    rejected: tuple       # (step, reason, rows), most frequent first
    removed: tuple        # (reason, lines, rows holding one), over every dataset, most lines first
    repairs: tuple        # (repair, documents), most frequent first
    funnel: tuple[FunnelStage, ...]
    funnel_source: str
    cluster_sizes: tuple  # (bin label, clusters), in size order
    largest_clusters: tuple[Cluster, ...]
    duplicates_per_site: tuple  # (site, documents, duplicates), busiest first
    duplicates_per_date: tuple  # (date, documents, duplicates), in date order


class NoOutput(Exception):
    """OUTPUT holds no khabar output (for the chosen date)."""


# ----------------------------------------------------------------------------- reading


def _dataset(output: Path, name: str):
    root = output / name
    if not root.is_dir():
        return None
    keys = [("lang", pa.string())] if name in DOC_DATASETS else []
    partitioning = ds.partitioning(pa.schema(keys + [("date", pa.string())]), flavor="hive")
    return ds.dataset(root, format="parquet", partitioning=partitioning)


def _batches(output: Path, name: str, columns: list[str], date: str | None):
    """The dataset's rows as Tables of `columns`, batch by batch, so memory stays flat."""
    data = _dataset(output, name)
    if data is None:
        return
    present = [c for c in columns if c in data.schema.names]
    where = ds.field("date") == date if date else None
    for batch in data.to_batches(columns=present, filter=where):
        table = pa.Table.from_batches([batch])
        for column in columns:  # a column an older writer did not have reads as all-null
            if column not in present:
                kind = SCHEMAS[name].field(column).type
                table = table.append_column(column, pa.nulls(table.num_rows, kind))
        yield table


def _group_counts(table: pa.Table, keys: list[str]) -> collections.Counter:
    """Rows per distinct tuple of `keys` (null is a value of its own)."""
    grouped = table.select(keys).group_by(keys).aggregate([([], "count_all")])
    return collections.Counter({tuple(row[k] for k in keys): row["count_all"]
                                for row in grouped.to_pylist()})


def _list_counts(column, field: str | None = None):
    """(times each item occurs, rows holding it) over a list column of one batch."""
    items = pc.list_flatten(column)
    pairs = pa.table({"row": pc.list_parent_indices(column),
                      "item": pc.struct_field(items, field) if field else items})
    once_per_row = pairs.group_by(["row", "item"]).aggregate([])
    return ({k: n for (k,), n in _group_counts(pairs, ["item"]).items()},
            {k: n for (k,), n in _group_counts(once_per_row, ["item"]).items()})


def _read_reports(output: Path, dates) -> dict:
    reports = {}
    for date in dates:
        path = output / "_reports" / f"{date}.json"
        try:
            reports[date] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a run without a (readable) report is summarized from its rows alone
    return reports


def _bin_label(low: int, high: int | None) -> str:
    if high is None:
        return f"{low}+"
    return str(low) if low == high else f"{low}–{high}"


def _cluster_histogram(singletons: int, sizes: list[int]) -> tuple:
    counts = [sum(1 for s in sizes if low <= s and (high is None or s <= high))
              for low, high in CLUSTER_BINS]
    counts[0] += singletons
    last = max((i for i, count in enumerate(counts) if count), default=-1)
    return tuple((_bin_label(*CLUSTER_BINS[i]), counts[i]) for i in range(last + 1))


def _step_key(step: str):
    known = step in STEP_ORDER
    return (0, STEP_ORDER.index(step), "") if known else (1, 0, step)


def _funnel(dates, input_records, rows, rejected_by_step, reports) -> tuple[tuple, str]:
    """Input records, then what is left after each step, then the kept documents.

    A step's Beam counter `<Step>.processed` is used where the run recorded it; otherwise what
    is left is the previous stage minus the step's rows in `rejected/`. Both count the same
    thing, but counters also show steps that rejected nothing.
    """
    counters = {d: reports.get(d, {}).get("step_counters") or {} for d in dates}
    steps = {step for (_, step) in rejected_by_step}
    steps |= {name.rsplit(".", 1)[0] for c in counters.values() for name in c
              if name.endswith(".processed")}
    steps = sorted(steps, key=_step_key)
    remaining = collections.Counter()
    changed = collections.Counter()
    for date in dates:
        left = input_records[date]
        remaining[INPUT_STAGE] += left
        for step in steps:
            processed = counters[date].get(f"{step}.processed")
            left = processed if processed is not None else left - rejected_by_step[date, step]
            remaining[step] += left
            changed[step] += counters[date].get(f"{step}.changed", 0)
        remaining[KEPT_STAGE] += sum(n for (d, dataset, _), n in rows.items()
                                     if d == date and dataset == "documents")
    stages = [FunnelStage(INPUT_STAGE, remaining[INPUT_STAGE])]
    stages += [FunnelStage(s, remaining[s], changed[s] if any(counters.values()) else None)
               for s in steps]
    stages.append(FunnelStage(KEPT_STAGE, remaining[KEPT_STAGE]))
    with_counters = sum(1 for c in counters.values() if c)
    source = ("step counters" if with_counters == len(dates) else
              "row counts" if not with_counters else
              "step counters where recorded, row counts elsewhere")
    return tuple(stages), source


def _most_first(counter) -> list:
    return sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))


def summarize(output: str, date: str | None = None) -> Summary:
    """Reads OUTPUT (all dates, or one) into a `Summary`; raises `NoOutput` when empty."""
    root = Path(output)
    rows = collections.Counter()
    rejected_by_step = collections.Counter()
    rejected = collections.Counter()
    removed_lines, removed_docs = collections.Counter(), collections.Counter()
    repairs = collections.Counter()
    per_site = collections.defaultdict(collections.Counter)
    per_date = collections.defaultdict(collections.Counter)
    singletons = 0
    clusters = {}  # cluster_id -> [size, lang, title key, title] for clusters of 2+

    def count_removed(table):
        lines, docs = _list_counts(table.column("removed_lines"), "reason")
        removed_lines.update(lines)
        removed_docs.update(docs)

    # Duplicates first: every cluster of 2+ has one, so when the documents are read every
    # cluster id is known, and a kept document whose cluster grew on a later date (its own row,
    # never rewritten, says size 1) is counted in its cluster, not as a singleton.
    for name in ("duplicates", "documents"):
        columns = ["id", "title", "site", "repairs", "removed_lines", "cluster_id",
                   "cluster_size", "lang", "date"]
        cluster_ids = pa.array(list(clusters), pa.string())
        for table in _batches(root, name, columns, date):
            rows.update({(d, name, lang): n for (d, lang), n in
                         _group_counts(table, ["date", "lang"]).items()})
            count_removed(table)
            repairs.update(_list_counts(table.column("repairs"))[1])
            for (site, d), n in _group_counts(table, ["site", "date"]).items():
                per_site[site or NO_SITE][name] += n
                per_date[d][name] += n
            in_cluster = pc.or_(
                pc.fill_null(pc.greater(table.column("cluster_size"), 1), False),
                pc.is_in(table.column("id"), value_set=cluster_ids))
            singletons += table.num_rows - pc.sum(in_cluster).as_py()
            members = table.filter(in_cluster).select(
                ["id", "title", "cluster_id", "cluster_size", "lang"])
            for doc_id, title, cluster_id, size, lang in zip(
                    *(members[c].to_pylist() for c in members.column_names)):
                # The title shown: the leader's, else the first member's that has one.
                key = (title is None, doc_id != cluster_id, doc_id)
                known = clusters.get(cluster_id)
                if known is None or key < known[2]:
                    clusters[cluster_id] = [max(size, known[0] if known else 0), lang, key, title]
                else:
                    known[0] = max(known[0], size)

    for table in _batches(root, "rejected", ["step", "reason", "lang", "removed_lines", "date"],
                          date):
        for (d, lang), n in _group_counts(table, ["date", "lang"]).items():
            rows[d, "rejected", lang or UNKNOWN_LANG] += n
        rejected.update(_group_counts(table, ["step", "reason"]))
        rejected_by_step.update(_group_counts(table, ["date", "step"]))
        count_removed(table)

    input_records = collections.Counter()
    for table in _batches(root, "_inputs", ["records", "date"], date):
        grouped = table.group_by(["date"]).aggregate([("records", "sum")])
        for d, records in zip(grouped["date"].to_pylist(), grouped["records_sum"].to_pylist()):
            input_records[d] += records

    dates = sorted({d for d, _, _ in rows} | set(input_records))
    if not dates:
        where = f" for date {date}" if date else ""
        raise NoOutput(f"no khabar output{where} in {output}")
    for d in dates:
        if d not in input_records:  # no manifests: every input record is a row somewhere
            input_records[d] = sum(n for (rd, _, _), n in rows.items() if rd == d)
    reports = _read_reports(root, dates)
    funnel, funnel_source = _funnel(dates, input_records, rows, rejected_by_step, reports)
    largest = heapq.nsmallest(LARGEST_CLUSTERS, clusters.items(),
                              key=lambda item: (-item[1][0], item[0]))
    return Summary(
        output=str(output),
        dates=tuple(dates),
        rows=dict(sorted(rows.items())),
        input_records=dict(sorted(input_records.items())),
        invariant={d: r["invariant"]["message"] for d, r in sorted(reports.items())
                   if isinstance(r.get("invariant"), dict) and "message" in r["invariant"]},
        rejected=tuple((step, reason, n) for (step, reason), n in _most_first(rejected)),
        removed=tuple((reason, n, removed_docs[reason])
                      for reason, n in _most_first(removed_lines)),
        repairs=tuple(_most_first(repairs)),
        funnel=funnel,
        funnel_source=funnel_source,
        cluster_sizes=_cluster_histogram(singletons, [c[0] for c in clusters.values()]),
        largest_clusters=tuple(Cluster(cid, size, lang, title)
                               for cid, (size, lang, _, title) in largest),
        duplicates_per_site=tuple(
            (site, c["documents"], c["duplicates"]) for site, c in
            sorted(per_site.items(), key=lambda item: (-item[1].total(), item[0]))),
        duplicates_per_date=tuple((d, per_date[d]["documents"], per_date[d]["duplicates"])
                                  for d in dates),
    )


# ----------------------------------------------------------------------------- terminal


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf" else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str | None, width: int) -> str:
    """One line of at most `width` terminal cells (combining marks take none)."""
    text = " ".join((text or "").split())
    if _width(text) <= width:
        return text
    while text and _width(text) > width - 1:
        text = text[:-1]
    return text + "…"


def _cell(text: str | None, width: int, align: str = "<") -> str:
    """`text` clipped and padded to exactly `width` terminal cells (str padding counts code
    points, which misaligns wide and combining characters)."""
    text = _clip(text, width)
    pad = " " * (width - _width(text))
    return text + pad if align == "<" else pad + text


def _rate(documents: int, duplicates: int) -> str:
    total = documents + duplicates
    return f"{100 * duplicates / total:5.1f}%" if total else "    -"


def _langs(summary: Summary) -> list[str]:
    totals = collections.Counter()
    for (_, _, lang), n in summary.rows.items():
        totals[lang] += n
    return [lang for lang, _ in _most_first(totals)]


def render_text(summary: Summary) -> str:
    """The summary as plain-text tables no wider than 100 columns."""
    dates = summary.dates
    span = dates[0] if len(dates) == 1 else f"{dates[0]} … {dates[-1]} ({len(dates)} dates)"
    out = [_clip(f"khabar summary of {summary.output.rstrip('/')}/: {span}", 100), ""]

    langs = _langs(summary)[:8]
    out.append("Rows per date, dataset and language")
    out.append(f"  {'date':<11}{'dataset':<11}" + "".join(_cell(l, 8, ">") for l in langs)
               + f"{'total':>9}")
    for date in dates:
        out.append(f"  {date:<11}{'input':<11}{'':>{8 * len(langs)}}"
                   f"{summary.input_records[date]:>9}")
        for dataset in DATASETS:
            counts = [summary.rows.get((date, dataset, lang), 0) for lang in langs]
            total = sum(n for (d, s, _), n in summary.rows.items() if d == date and s == dataset)
            out.append(f"  {'':<11}{dataset:<11}" + "".join(f"{n:>8}" for n in counts)
                       + f"{total:>9}")
        if date in summary.invariant:
            out.append(f"  {'':<11}{_clip(summary.invariant[date], 87)}")

    out += ["", f"Funnel from input to kept documents ({summary.funnel_source})"]
    previous = None
    for stage in summary.funnel:
        drop = stage.remaining - (stage.remaining if previous is None else previous)
        drop = f"{drop:+9}" if drop else f"{'':9}"
        changed = f"   changed {stage.changed}" if stage.changed else ""
        out.append(f"  {_cell(stage.label, 28)}{stage.remaining:>9}{drop}{changed}")
        previous = stage.remaining

    out += ["", f"  {'Rejection reasons':<40}{'step':<24}{'rows':>9}"]
    out += [f"  {_cell(reason, 39)} {_cell(step, 23)} {n:>9}"
            for step, reason, n in summary.rejected] or ["  (none)"]
    out += ["", f"  {'Removed lines by reason (all rows)':<40}{'lines':>9}{'rows':>12}"]
    out += [f"  {_cell(reason, 39)} {lines:>9}{docs:>12}"
            for reason, lines, docs in summary.removed] or ["  (none)"]
    out += ["", f"  {'Repairs applied':<40}{'documents':>9}"]
    out += [f"  {_cell(name, 39)} {n:>9}" for name, n in summary.repairs] or ["  (none)"]

    out += ["", "Clusters by size: " + "  ".join(f"{label}: {n}"
                                                  for label, n in summary.cluster_sizes)]
    out.append(f"  {'Largest clusters':<17}{'size':>6}  {'lang':<5} {'cluster_id':<24} title")
    out += [f"  {'':<17}{c.size:>6}  {_cell(c.lang, 5)} {_cell(c.cluster_id, 24)} "
            f"{_clip(c.title or '(no title)', 42)}"
            for c in summary.largest_clusters] or ["  (no duplicates)"]

    out += ["", f"  {'Duplicate rate per site':<44}{'documents':>11}{'duplicates':>11}"
                f"{'rate':>8}"]
    out += [f"  {_cell(site, 43)} {docs:>11}{dups:>11}{_rate(docs, dups):>8}"
            for site, docs, dups in summary.duplicates_per_site[:10]]
    if len(summary.duplicates_per_site) > 10:
        out.append(f"  … and {len(summary.duplicates_per_site) - 10} more sites")
    out += ["", f"  {'Duplicate rate per date':<44}{'documents':>11}{'duplicates':>11}"
                f"{'rate':>8}"]
    out += [f"  {d:<44}{docs:>11}{dups:>11}{_rate(docs, dups):>8}"
            for d, docs, dups in summary.duplicates_per_date]
    return "\n".join(line.rstrip() for line in out)


# ----------------------------------------------------------------------------- HTML

CHART_WIDTH, LABEL_WIDTH, VALUE_WIDTH, BAR_HEIGHT, GAP = 760, 210, 170, 22, 8
PALETTE = {"bar": "#2f6f9f", "drop": "#c8553d", "rate": "#7a5195", "column": "#3c8d5a"}
STYLE = """
body{font:15px/1.45 system-ui,"Segoe UI","Noto Sans","Noto Naskh Arabic",Tahoma,sans-serif;
color:#1d2330;background:#fafbfc;margin:0}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px}
p.meta{color:#5a6372;margin:0 0 16px}
figure{background:#fff;border:1px solid #e1e5ea;border-radius:8px;margin:16px 0;padding:12px 16px}
figcaption{font-weight:600;margin-bottom:8px}figcaption small{font-weight:400;color:#5a6372}
svg{width:100%;height:auto;display:block}
svg text{font:13px system-ui,"Segoe UI","Noto Sans",Tahoma,sans-serif;fill:#1d2330}
svg text.muted{fill:#5a6372}
table{border-collapse:collapse;background:#fff;margin:8px 0;font-size:14px}
th,td{border-bottom:1px solid #e1e5ea;padding:4px 10px;text-align:start}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td span[dir=auto]{display:block;max-width:560px;text-align:start}
td:first-child,td code{white-space:nowrap}.muted{color:#5a6372}
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _svg(height: int, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" '
            f'role="img" aria-label="{_e(label)}">' + "".join(body) + "</svg>")


def _label(text: str, limit: int = 27) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _bar_chart(bars: list[tuple[str, float, str]], label: str, color: str,
               scale: float | None = None, centered: bool = False) -> str:
    """Horizontal bars: (label, value, value text); `centered` draws a funnel."""
    if not bars:
        return _svg(40, ['<text x="0" y="24" class="muted">nothing recorded</text>'], label)
    top = scale or max(value for _, value, _ in bars) or 1
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    body = []
    for i, (name, value, text) in enumerate(bars):
        y = i * (BAR_HEIGHT + GAP)
        width = max(span * value / top, 1 if value else 0)
        x = LABEL_WIDTH + ((span - width) / 2 if centered else 0)
        middle = y + BAR_HEIGHT / 2 + 4.5
        body.append(f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end">'
                    f'<title>{_e(name)}</title>{_e(_label(name))}</text>')
        body.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                    f'rx="3" fill="{color}"><title>{_e(name)}: {_e(text)}</title></rect>')
        body.append(f'<text x="{LABEL_WIDTH + span + 8}" y="{middle:.1f}">{_e(text)}</text>')
    return _svg(len(bars) * (BAR_HEIGHT + GAP), body, label)


def _column_chart(columns: list[tuple[str, float, str]], label: str, color: str,
                  scale: float | None = None) -> str:
    """Vertical columns: (label under the column, value, text above it)."""
    if not columns:
        return _svg(40, ['<text x="0" y="24" class="muted">nothing recorded</text>'], label)
    plot_top, plot_height, step = 22, 180, CHART_WIDTH / len(columns)
    top = scale or max(value for _, value, _ in columns) or 1
    width = min(step * 0.7, 90)
    baseline = plot_top + plot_height
    body = [f'<path d="M0 {baseline}.5H{CHART_WIDTH}" stroke="#9aa3ae" fill="none"/>']
    for i, (name, value, text) in enumerate(columns):
        height = max(plot_height * value / top, 1 if value else 0)
        x, centre = i * step + (step - width) / 2, i * step + step / 2
        body.append(f'<rect x="{x:.1f}" y="{baseline - height:.1f}" width="{width:.1f}" '
                    f'height="{height:.1f}" rx="2" fill="{color}">'
                    f'<title>{_e(name)}: {_e(text)}</title></rect>')
        body.append(f'<text x="{centre:.1f}" y="{baseline - height - 6:.1f}" '
                    f'text-anchor="middle">{_e(text)}</text>')
        body.append(f'<text x="{centre:.1f}" y="{baseline + 18}" text-anchor="middle" '
                    f'class="muted">{_e(_label(name, 14))}</text>')
    return _svg(baseline + 28, body, label)


def _figure(chart: str, caption: str, note: str, svg: str) -> str:
    return (f'<figure data-chart="{_e(chart)}"><figcaption>{_e(caption)} '
            f'<small>{_e(note)}</small></figcaption>{svg}</figure>')


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _funnel_bars(summary: Summary) -> list[tuple[str, float, str]]:
    bars, previous = [], None
    for stage in summary.funnel:
        text = f"{stage.remaining:,}"
        if previous is not None and stage.remaining != previous:
            text += f"  ({stage.remaining - previous:+,})"
        if stage.changed:
            text += f" · {stage.changed:,} changed"
        bars.append((stage.label, stage.remaining, text))
        previous = stage.remaining
    return bars


def _table(headers: list[str], rows: list[list], numeric: set[int]) -> str:
    def cell(tag, i, value):
        cls = ' class="n"' if i in numeric else ""
        return f"<{tag}{cls}>{value}</{tag}>"
    head = "".join(cell("th", i, _e(h)) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(summary: Summary) -> str:
    """One self-contained page: inline CSS and SVG, every text escaped, titles `dir="auto"`."""
    dates = summary.dates
    span = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]} ({len(dates)} dates)"
    langs = _langs(summary)
    totals = [
        [_e(d), f"{summary.input_records[d]:,}"]
        + [f"{sum(n for (rd, s, _), n in summary.rows.items() if rd == d and s == name):,}"
           for name in DATASETS]
        + [_e(summary.invariant.get(d, "no run report"))]
        for d in dates]
    per_lang = [[_e(d), _e(name)] + [f"{summary.rows.get((d, name, l), 0):,}" for l in langs]
                for d in dates for name in DATASETS]
    clusters = [[f"{c.size:,}", _e(c.lang), f"<code>{_e(c.cluster_id)}</code>",
                 f'<span dir="auto" lang="{_e(c.lang)}">{_e(c.title)}</span>' if c.title
                 else '<span class="muted">(no title)</span>']
                for c in summary.largest_clusters]
    sites = summary.duplicates_per_site[:TOP_SITES]
    figures = [
        _figure("funnel", "From input records to kept documents",
                f"records left after each step, from {summary.funnel_source}",
                _bar_chart(_funnel_bars(summary), "funnel", PALETTE["bar"], centered=True)),
        _figure("rejection-reasons", "Rejection reasons", "rows in rejected/, by step and reason",
                _bar_chart([(f"{reason} ({step})", n, f"{n:,}")
                            for step, reason, n in summary.rejected],
                           "rejection reasons", PALETTE["drop"])),
        _figure("removal-reasons", "Removed lines by reason",
                "lines taken out of every row: documents, duplicates and rejected "
                "(rows affected in brackets)",
                _bar_chart([(reason, lines, f"{lines:,} ({docs:,} rows)")
                            for reason, lines, docs in summary.removed],
                           "removal reasons", PALETTE["drop"])),
        _figure("repairs", "Repairs applied", "documents per repair",
                _bar_chart([(name, n, f"{n:,}") for name, n in summary.repairs],
                           "repairs", PALETTE["bar"])),
        _figure("cluster-sizes", "Cluster sizes", "number of clusters by documents per cluster",
                _column_chart([(label, n, f"{n:,}") for label, n in summary.cluster_sizes],
                              "cluster sizes", PALETTE["column"])),
        _figure("duplicate-rate-site", "Duplicate rate per site",
                f"duplicates / (documents + duplicates), the {len(sites)} busiest of "
                f"{len(summary.duplicates_per_site)} sites",
                _bar_chart([(site, dups / ((docs + dups) or 1),
                             f"{_percent(dups, docs + dups)} of {docs + dups:,}")
                            for site, docs, dups in sites],
                           "duplicate rate per site", PALETTE["rate"], scale=1.0)),
        _figure("duplicate-rate-date", "Duplicate rate per date",
                "duplicates / (documents + duplicates)",
                _column_chart([(d, dups / ((docs + dups) or 1), _percent(dups, docs + dups))
                               for d, docs, dups in summary.duplicates_per_date],
                              "duplicate rate per date", PALETTE["rate"], scale=1.0)),
    ]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>khabar summary: {_e(span)}</title><style>{STYLE}</style></head>",
        "<body><main>",
        "<h1>khabar summary</h1>",
        f'<p class="meta"><code>{_e(summary.output)}</code> · {_e(span)}</p>',
        "<h2>Runs</h2>",
        _table(["date", "input records", *DATASETS, "check"], totals, {1, 2, 3, 4}),
        *figures[:1],
        "<h2>What was dropped or changed</h2>", *figures[1:4],
        "<h2>Duplicates</h2>", *figures[4:],
        "<h2>Largest clusters</h2>",
        _table(["size", "lang", "cluster_id", "title"], clusters, {0}) if clusters
        else "<p>No cluster has more than one document.</p>",
        "<h2>Rows per date, dataset and language</h2>",
        _table(["date", "dataset", *langs], per_lang, set(range(2, 2 + len(langs)))),
        "</main></body></html>",
    ])


# ----------------------------------------------------------------------------- CLI


def _date(value: str) -> str:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


def main(argv: list[str]) -> int:
    parser = ArgumentParser(
        prog="python -m pipeline report",
        description="Summarize the khabar output in OUTPUT: counts in the terminal, charts in "
                    "a self-contained HTML page.")
    parser.add_argument("output", metavar="OUTPUT", help="an output root written by khabar")
    parser.add_argument("--html", default=None,
                        help="where to write the HTML page (default: OUTPUT/_reports/summary.html)")
    parser.add_argument("--date", type=_date, default=None, help="summarize one run date only")
    try:
        args = parser.parse_args(argv)
        recover_for_reader(args.output, lambda line: print(f"khabar: {line}", file=sys.stderr))
        summary = summarize(args.output, args.date)
    except (UsageError, NoOutput) as error:
        print(f"khabar: {error}", file=sys.stderr)
        return 2
    page = Path(args.html) if args.html else Path(args.output) / "_reports" / "summary.html"
    try:
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(render_html(summary), encoding="utf-8")
    except OSError as error:
        print(f"khabar: cannot write {page}: {error.strerror}", file=sys.stderr)
        return 2
    print(render_text(summary))
    print(f"\nHTML: {page}")
    return 0
