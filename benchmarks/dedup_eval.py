"""Labelled near-duplicate evaluation built from `../shared/corpora` (never copied into the repo).

Pairs are labelled by a reference that is *not* the shingle Jaccard under test: word alignment
(`difflib.SequenceMatcher` on folded words), counting the share of the shorter text covered by
copied passages of at least 8 consecutive words. Coverage >= 0.6 is a duplicate, < 0.2 is not,
anything between is ambiguous and left out (and counted).

Documents, all drawn with a fixed seed and each corpus record used once:
- real candidate groups (`*_neardup_candidates.json`), every pair labelled as above;
- synthetic variants of real articles: word edits of 5-15% (scattered or clustered), a dropped
  paragraph, a different header/footer, orthographic variants (harakat, tatweel, ZWNJ as space
  or removed, Arabic/Persian yeh and kaf), alone or two together;
- hard negatives: the same event written separately (title overlap, different site, no copied
  passage), the same site and template (sharing a recurring template line), and short items
  sharing one long appended block (related headlines, share prompt, copyright);
- unrelated background articles.
"""
from __future__ import annotations

import difflib
import itertools
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import regex

from transforms.folding import fold
from transforms.model import Doc

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPORA = SHARED / "corpora"
SEED = 20250707
MIN_BLOCK_WORDS = 8
DUPLICATE_COVERAGE = 0.6
DISTINCT_COVERAGE = 0.2

_HARAKAT = regex.compile(r"[\u064B-\u0652]")
_WORD = regex.compile(r"\p{L}+")


def reference_coverage(text_a: str, text_b: str) -> float:
    """Share of the shorter text's words inside copied passages of >= 8 words."""
    a, b = fold(text_a).split(), fold(text_b).split()
    if not a or not b:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    copied = sum(block.size for block in matcher.get_matching_blocks()
                 if block.size >= MIN_BLOCK_WORDS)
    return copied / min(len(a), len(b))


def reference_label(coverage: float) -> str:
    if coverage >= DUPLICATE_COVERAGE:
        return "duplicate"
    if coverage < DISTINCT_COVERAGE:
        return "distinct"
    return "ambiguous"


@dataclass
class EvalSet:
    docs: list[Doc] = field(default_factory=list)
    # (a, b) -> (type, label); label "duplicate" | "distinct"
    pairs: dict = field(default_factory=dict)
    ambiguous: int = 0
    texts: dict = field(default_factory=dict)

    def add(self, doc_id: str, text: str, record: dict, lang: str):
        self.docs.append(Doc(id=doc_id, source=f"eval:{doc_id}", text=text,
                             title=record.get("title"), site=record.get("site"), lang=lang,
                             source_order=("eval", len(self.docs))))
        self.texts[doc_id] = text

    def label(self, a: str, b: str, kind: str, expect: str):
        """Record a pair whose reference label agrees with what it was built to be."""
        found = reference_label(reference_coverage(self.texts[a], self.texts[b]))
        if found == "ambiguous" or (found != expect and not kind.startswith("synthetic")):
            self.ambiguous += 1
            return
        self.pairs[tuple(sorted((a, b)))] = (kind, expect)


def _read(lang: str) -> list[dict]:
    with open(CORPORA / f"{lang}.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def edit_words(text: str, rate: float, clustered: bool, vocabulary: list[str],
               rng: random.Random) -> str:
    """Replace `rate` of the words by other corpus words, spread out or in one run."""
    paragraphs = [p.split(" ") for p in text.split("\n")]
    slots = [(i, j) for i, words in enumerate(paragraphs) for j, w in enumerate(words) if w]
    count = max(1, round(rate * len(slots)))
    if clustered:
        start = rng.randrange(max(1, len(slots) - count))
        chosen = slots[start:start + count]
    else:
        chosen = rng.sample(slots, min(count, len(slots)))
    for i, j in chosen:
        paragraphs[i][j] = rng.choice(vocabulary)
    return "\n".join(" ".join(words) for words in paragraphs)


def drop_paragraph(text: str, rng: random.Random) -> str:
    paragraphs = _paragraphs(text)
    if len(paragraphs) < 3:
        return text
    del paragraphs[rng.randrange(1, len(paragraphs))]
    return "\n".join(paragraphs)


HEADERS = {"ar": ["المصدر: وكالات", "الرياض - واس", "تابعونا على تويتر", "شارك المقال"],
           "fa": ["منبع: خبرگزاری", "به اشتراک بگذارید", "انتهای پیام/", "کانال تلگرام ما"]}


def header_footer(text: str, lang: str, rng: random.Random) -> str:
    head, foot = rng.sample(HEADERS[lang], 2)
    return f"{head}\n{text}\n{foot}"


def orthography(text: str, lang: str, rng: random.Random) -> str:
    """One spelling variation that folding must undo."""
    kind = rng.choice(["harakat", "tatweel", "yeh_kaf"] + (["zwnj_space", "zwnj_drop"]
                                                         if lang == "fa" else []))
    if kind == "harakat":
        stripped = _HARAKAT.sub("", text)
        if stripped != text:
            return stripped
        return _WORD.sub(lambda m: m.group() + "\u064e" if rng.random() < 0.3 else m.group(),
                         text)
    if kind == "tatweel":
        return _WORD.sub(lambda m: (m.group()[:1] + "\u0640" + m.group()[1:]
                                    if len(m.group()) > 2 and rng.random() < 0.2
                                    else m.group()), text)
    if kind == "yeh_kaf":
        table = (str.maketrans({"ی": "ي", "ک": "ك"}) if lang == "fa"
                 else str.maketrans({"ي": "ی", "ك": "ک"}))
        return text.translate(table)
    return text.replace("\u200c", " " if kind == "zwnj_space" else "")


def _variant(text: str, lang: str, ops: list[str], vocabulary, rng) -> str:
    for op in ops:
        if op == "word_edits":
            text = edit_words(text, rng.uniform(0.05, 0.15), rng.random() < 0.3, vocabulary, rng)
        elif op == "drop_paragraph":
            text = drop_paragraph(text, rng)
        elif op == "header_footer":
            text = header_footer(text, lang, rng)
        else:
            text = orthography(text, lang, rng)
    return text


OPS = ["word_edits", "drop_paragraph", "header_footer", "orthography"]


def build(bases_per_lang: int = 100, background: int = 1500, seed: int = SEED) -> EvalSet:
    rng = random.Random(seed)
    out = EvalSet()
    records = {lang: _read(lang) for lang in ("ar", "fa")}
    by_id = {r["id"]: (r, lang) for lang, rs in records.items() for r in rs}
    used: set[str] = set()

    for lang in ("ar", "fa"):
        groups = json.loads((CORPORA / f"{lang}_neardup_candidates.json").read_text())["clusters"]
        for group in groups:
            members = [m for m in group if m in by_id and m not in used]
            for member in members:
                used.add(member)
                out.add(member, by_id[member][0]["text"], by_id[member][0], lang)
            for a, b in itertools.combinations(sorted(members), 2):
                coverage = reference_coverage(out.texts[a], out.texts[b])
                found = reference_label(coverage)
                if found == "ambiguous":
                    out.ambiguous += 1
                else:
                    out.pairs[(a, b)] = (f"real_candidate_{found}", found)

    pool = {lang: [r for r in records[lang] if r["id"] not in used and 300 <= len(r["text"])
                   <= 4000] for lang in ("ar", "fa")}
    for lang in pool:
        rng.shuffle(pool[lang])
    vocabulary = {lang: sorted({w for r in pool[lang][:300] for w in r["text"].split()
                                if _WORD.fullmatch(w)}) for lang in pool}

    for lang in ("ar", "fa"):
        for record in pool[lang][:bases_per_lang]:
            used.add(record["id"])
            base_id = record["id"]
            out.add(base_id, record["text"], record, lang)
            variant_ids = []
            for number in range(rng.choice([1, 2])):
                ops = rng.sample(OPS, 2 if rng.random() < 0.3 else 1)
                variant_id = f"{base_id}~v{number}"
                out.add(variant_id, _variant(record["text"], lang, ops, vocabulary[lang], rng),
                        record, lang)
                out.pairs[(base_id, variant_id)] = ("synthetic:" + "+".join(sorted(ops)),
                                                    "duplicate")
                variant_ids.append(variant_id)
            if len(variant_ids) == 2:
                out.pairs[tuple(variant_ids)] = ("synthetic:variant_vs_variant", "duplicate")

    _same_event_negatives(out, records["ar"], used, rng)
    _template_negatives(out, records["ar"], used, rng)
    _shared_block_negatives(out, pool, records, used, rng)
    for lang, count in (("ar", background * 2 // 3), ("fa", background // 3)):
        for record in [r for r in pool[lang] if r["id"] not in used][:count]:
            used.add(record["id"])
            out.add(record["id"], record["text"], record, lang)
    return out


def _title_words(record) -> set[str]:
    return {w for w in fold(record.get("title") or "").split() if len(w) > 2}


def _same_event_negatives(out: EvalSet, records, used, rng, limit: int = 40):
    """Different sites, overlapping titles, no copied passage: one event written twice."""
    candidates = [r for r in records if r["id"] not in used and len(r["text"]) >= 300]
    index = defaultdict(list)
    for number, record in enumerate(candidates):
        for word in _title_words(record):
            index[word].append(number)
    seen, found = set(), 0
    for number, record in enumerate(candidates):
        words = _title_words(record)
        overlap_counts = defaultdict(int)
        for word in words:
            for other in index[word]:
                if other > number:
                    overlap_counts[other] += 1
        for other, shared in sorted(overlap_counts.items()):
            partner = candidates[other]
            union = len(words | _title_words(partner))
            if (shared < 3 or shared / union < 0.35 or partner.get("site") == record.get("site")
                    or record["id"] in seen or partner["id"] in seen):
                continue
            if reference_label(reference_coverage(record["text"], partner["text"])) != "distinct":
                continue
            for chosen in (record, partner):
                seen.add(chosen["id"])
                used.add(chosen["id"])
                out.add(chosen["id"], chosen["text"], chosen, "ar")
            out.label(record["id"], partner["id"], "same_event_separately_written", "distinct")
            found += 1
            if found >= limit:
                return


def _template_negatives(out: EvalSet, records, used, rng, per_site: int = 6):
    """Articles of one site sharing a recurring template line, with different stories."""
    by_site = defaultdict(list)
    for record in records:
        if record["id"] not in used and record.get("site"):
            by_site[record["site"]].append(record)
    for site, site_records in sorted(by_site.items()):
        line_docs = defaultdict(list)
        for record in site_records:
            for line in {line.strip() for line in record["text"].split("\n")}:
                if len(line.split()) >= 3:
                    line_docs[line].append(record)
        template = [docs for line, docs in sorted(line_docs.items()) if len(docs) >= 5]
        if not template:
            continue
        chosen = sorted(max(template, key=len), key=lambda r: len(r["text"]))[:per_site]
        for record in chosen:
            used.add(record["id"])
            out.add(record["id"], record["text"], record, "ar")
        for a, b in itertools.combinations(chosen, 2):
            out.label(a["id"], b["id"], "same_site_template", "distinct")


BLOCK_TAIL = {"ar": ["شارك المقال", "جميع الحقوق محفوظة"],
              "fa": ["اشتراک گذاری", "کلیه حقوق محفوظ است"]}
BLOCK_HEAD = {"ar": "أخبار ذات صلة", "fa": "اخبار مرتبط"}


def _shared_block_negatives(out: EvalSet, pool, records, used, rng, blocks: int = 3,
                            members: int = 8):
    """Short items (150-450 chars) that share one long appended block of headlines."""
    for lang in ("ar", "fa"):
        short = [r for r in records[lang] if r["id"] not in used and 150 <= len(r["text"]) <= 450]
        rng.shuffle(short)
        titles = [r["title"] for r in records[lang] if r.get("title") and r["id"] not in used]
        for block_number in range(blocks):
            group = short[block_number * members:(block_number + 1) * members]
            block = "\n".join([BLOCK_HEAD[lang]] + rng.sample(titles, 14) + BLOCK_TAIL[lang])
            ids = []
            for record in group:
                used.add(record["id"])
                out.add(record["id"], f"{record['text']}\n{block}", record, lang)
                ids.append(record["id"])
            for a, b in itertools.combinations(ids, 2):
                out.pairs[tuple(sorted((a, b)))] = ("shared_boilerplate_block", "distinct")
