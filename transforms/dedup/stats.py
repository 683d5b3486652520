"""Dedup diagnostics for the run report: largest cluster, size histogram, duplicates per site.

A site that loses most of its documents is a red flag (templated text chained together), not a
success, so the per-site duplicate rate is reported next to the cluster sizes.
Two entry points with one result shape:
- `dedup_stats(rows)`: pure, over output rows (dicts with `id`, `cluster_id`, `duplicate_of`,
  `site`), e.g. read back from `documents/` + `duplicates/`;
- `DedupStats()`: a PTransform over deduplicated `Doc`s giving one such dict (cluster sizes
  are counted per key first, so no step holds every cluster).
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Optional

import apache_beam as beam

SIZE_BINS = ((1, "1"), (2, "2"), (3, "3"), (5, "4-5"), (10, "6-10"), (20, "11-20"),
             (50, "21-50"), (100, "51-100"))


def size_bin(size: int) -> str:
    for upper, name in SIZE_BINS:
        if size <= upper:
            return name
    return ">100"


def _larger(a: tuple[str, int], b: tuple[str, int]) -> tuple[str, int]:
    """The larger cluster; ties go to the smaller id, so the result is order-independent."""
    return min(a, b, key=lambda item: (-item[1], item[0]))


def summarize(histogram: Counter, largest: tuple[str, int], sites: Counter,
              duplicates: Counter) -> dict:
    """The report dict from binned cluster sizes and per-site document/duplicate counts."""
    order = [name for _, name in SIZE_BINS] + [">100"]
    return {
        "documents": sum(sites.values()),
        "duplicates": sum(duplicates.values()),
        "clusters": sum(histogram.values()),
        "largest_cluster": {"cluster_id": largest[0], "size": largest[1]},
        "cluster_size_histogram": {name: histogram[name] for name in order if histogram[name]},
        "duplicate_rate_by_site": {
            site: {"documents": sites[site], "duplicates": duplicates[site],
                   "rate": round(duplicates[site] / sites[site], 4)}
            for site in sorted(sites)},
    }


def _site(site: Optional[str]) -> str:
    return site or "(none)"


def dedup_stats(rows: Iterable[dict]) -> dict:
    """Report dict from output rows (`id`, `cluster_id`, `duplicate_of`, optional `site`)."""
    clusters, sites, duplicates = Counter(), Counter(), Counter()
    for row in rows:
        clusters[row.get("cluster_id") or row["id"]] += 1
        sites[_site(row.get("site"))] += 1
        duplicates[_site(row.get("site"))] += row.get("duplicate_of") is not None
    histogram = Counter(size_bin(size) for size in clusters.values())
    largest = ("", 0)
    for item in clusters.items():
        largest = _larger(largest, item)
    return summarize(histogram, largest, sites, duplicates)


class _SummarizeFn(beam.CombineFn):
    """Folds ("cluster", id, size) and ("site", site, docs, dups) items into one report;
    the accumulator is a histogram, the largest cluster and per-site counters (bounded)."""

    def create_accumulator(self):
        return Counter(), ("", 0), Counter(), Counter()

    def add_input(self, accumulator, item):
        histogram, largest, sites, duplicates = accumulator
        if item[0] == "cluster":
            histogram[size_bin(item[2])] += 1
            largest = _larger(largest, (item[1], item[2]))
        else:
            sites[item[1]] += item[2]
            duplicates[item[1]] += item[3]
        return histogram, largest, sites, duplicates

    def merge_accumulators(self, accumulators):
        histogram, largest, sites, duplicates = self.create_accumulator()
        for more_histogram, more_largest, more_sites, more_duplicates in accumulators:
            histogram.update(more_histogram)
            largest = _larger(largest, more_largest)
            sites.update(more_sites)
            duplicates.update(more_duplicates)
        return histogram, largest, sites, duplicates

    def extract_output(self, accumulator):
        return summarize(*accumulator)


def _cluster_one(doc):
    return doc.cluster_id or doc.id, 1


def _cluster_item(cluster_and_size):
    return ("cluster",) + tuple(cluster_and_size)


def _site_one(doc):
    return _site(doc.site), (1, int(doc.duplicate_of is not None))


def _sum_pairs(pairs):
    docs = dups = 0
    for d, u in pairs:
        docs += d
        dups += u
    return docs, dups


def _site_item(site_and_counts):
    site, (docs, dups) = site_and_counts
    return "site", site, docs, dups


class DedupStats(beam.PTransform):
    """Deduplicated docs -> a one-element PCollection holding the report dict."""

    def expand(self, docs):
        clusters = (docs
                    | "ClusterOnes" >> beam.Map(_cluster_one)
                    | "ClusterSizes" >> beam.CombinePerKey(sum)
                    | "ClusterItems" >> beam.Map(_cluster_item))
        sites = (docs
                 | "SiteOnes" >> beam.Map(_site_one)
                 | "SiteCounts" >> beam.CombinePerKey(_sum_pairs)
                 | "SiteItems" >> beam.Map(_site_item))
        return ((clusters, sites)
                | "Items" >> beam.Flatten()
                | "Summarize" >> beam.CombineGlobally(_SummarizeFn()))
