"""Labelled boilerplate evaluation built from ../shared/corpora (Arabic and Persian separately).

Three evaluations, each reporting boilerplate-line recall and content-line precision
(share of content lines kept), per language and per reason:

1. real:      corpus articles as `.txt` (title on line 1, then the text as found), with the real
              boilerplate that ../shared/corpora/README.md counts labelled by site-specific
              labelling rules written here (okaz share header, SMS promos, 3alyoum bylines /
              slider residue / `سمات` tag lines, SPA datelines and trailers, `انتهای پیام`,
              `منبع :`, photo credits, Telegram promos...). Every other line counts as content;
              a header glued to the first paragraph (okaz) is labelled as its prefix alone,
              the paragraph after it as content.
2. injected:  other corpus articles grouped into simulated sites; each site has its own template
              (site-name line, byline, credit, prompts, tags, end marker, promo, photo credit,
              all phrased here, not copied from the pattern file), and 55% of articles end with
              5-30 real titles of *other* corpus articles, sometimes under a heading. Run twice:
              without corpus signals, and with them (per-site recurring lines, and a batch title
              index that holds the headline source articles, as a real batch would).
3. generalization: other corpus articles with boilerplate lines drawn fresh for each article
              from the template families of `boilerplate_families.py` (names, places,
              agencies, dates, codes, tag lists at random: no line repeats, so no per-site
              repetition signal helps), scored separately on the families seen while writing
              the shape rules (`dev`) and on the families held out of them (`heldout`); also for
              the `--baseline` checkout's classifier on the same articles.
4. leave one site out: each real site scored with the patterns that only its own labelled
              boilerplate matches removed from the pattern file, and no corpus signals.

Also the speed of `classify_lines`: ms per document, as a ratio to one `fold_key` pass over the
same lines, and as a ratio to the `--baseline` checkout's `classify_lines` in the same run.

    .venv/bin/python benchmarks/bench_boilerplate.py [--docs 300] [--corpora DIR] [--baseline ../main]
Writes benchmarks/results/boilerplate.json.
"""
from __future__ import annotations

import argparse
import collections
import html
import importlib.util
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from transforms import boilerplate  # noqa: E402
from transforms.boilerplate import (PATTERNS_PATH, BoilerplateConfig, classify_lines,  # noqa: E402
                                    line_hash, load_boilerplate, match_form)
from boilerplate_families import (CONTENT_LINES, DATELINE_PREFIXES, FAMILIES,  # noqa: E402
                                  KINDS, fill)
from transforms.folding import fold_key  # noqa: E402
from transforms.normalize import basic_normalize, normalize_for  # noqa: E402

DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
RESULTS = REPO / "benchmarks" / "results" / "boilerplate.json"
SEED = 20250707

import regex  # noqa: E402

# --- 1. labelling rules for the real boilerplate the corpora README counts --------------------
# (site or None for every site, regex on the raw line, reason)
REAL_RULES = [
    # an SMS subscription line, not an article sentence that mentions SMS (<= 20 words)
    (None, r"(?i)^(?=\s*(?:\S+\s+){0,19}\S+\s*$).*\bsms\b", "promo"),
    (None, r"^\s*\d{5,6}\s*-\s*(Stc|Mobily|Zain)\s*$", "promo"),
    (None, r"^\s*الاتصالات\s*[,،]\s*\d+\s*موبايلي", "promo"),
    (None, r"تبدأ بالرمز.*(مسافة|الرسالة)", "promo"),
    ("aawsat", r"^\s*\.\.\.المزيد\s*$", "more_link"),
    ("3alyoum", r"^\s*Next Previous", "navigation"),
    # "عين اليوم – <city>"; not a numbered list item ("1 – غلاء المهور.")
    ("3alyoum", r"^\s*(?!\d)([^\s–-]+\s?){1,3}[–-]\s*\S+(\s\S+)?(?<![.:])\s*$", "byline"),
    ("3alyoum", r"^\s*سمات\s", "tag_line"),
    ("was", r"^\s*\S+(\s\S+)?\s\d{1,3}\s\S+\s14\d\d\s?هـ?\sالموافق\s.*واس\s*$", "dateline"),
    ("was", r"^\s*\d{1,2}:\d{2}\sت\sم(\sN+)?\s*$", "end_marker"),
    ("was", r"^\s*//\s*(انتهى|يتبع)\s*//\s*$", "end_marker"),
    ("aleqtisadiya", r"^\s*\*وحدة التقارير", "byline"),
    (None, r"^\s*انتها[یي]\s?\u200c?\s?[پ]يام|^\s*انتهای\s?\u200c?پیام|^\s*انتها[یي] متن", "end_marker"),
    (None, r"^\s*ادامه دارد\s*\.*\s*$", "end_marker"),
    (None, r"^\s*پایان\s?\u200c?\s?پیام", "end_marker"),
    (None, r"^\s*منبع\s*:\s*\S.{0,60}$", "source_credit"),
    (None, r"^\s*عکس(\u200c?ها)?\s*:\s*\S.{0,40}$", "photo_credit"),
    (None, r"^\s*عضویت در کانال", "promo"),
]
_REAL = [(site, regex.compile(rx), reason) for site, rx, reason in REAL_RULES]
# Boilerplate that heads a line of article text: only the matched prefix is boilerplate, the
# rest of the line is content (okaz glues its share header to the first paragraph).
REAL_PREFIX_RULES = [
    ("okaz", r"^\s*شارك من خلال تويتر(\s+فيسبوك)?(\s+جوجل بلس)?(\s+اكتب رأيك)?", "share_prompt"),
]
_REAL_PREFIX = [(site, regex.compile(rx), reason) for site, rx, reason in REAL_PREFIX_RULES]


def real_label(site: str, line: str) -> str | None:
    """The reason a whole line (or its head) is real boilerplate, or None for content."""
    for rule_site, rx, reason in _REAL + _REAL_PREFIX:
        if (rule_site is None or rule_site == site) and rx.search(line):
            return reason
    return None


def real_labels(site: str, line: str) -> list[tuple]:
    """The line as labelled parts: a boilerplate prefix and the content after it (3-tuples
    marked as parts of a line), or the whole line."""
    for rule_site, rx, reason in _REAL_PREFIX:
        match = rx.search(line) if rule_site is None or rule_site == site else None
        if match and line[match.end():].strip():
            return [(match.group().strip(), reason, PART), (line[match.end():].strip(), None, PART)]
    return [(line, real_label(site, line))]


PART = "part"  # the third element of a labelled part cut from a longer line


# --- 2. templates for injected boilerplate (phrased here) ---------------------------------------
AR_TEMPLATES = {
    "site_name": ["صحيفة الصباح الجديد", "بوابة الخليج الإخبارية", "الرئيسية » محليات",
                  "موقع النبأ اليوم", "جريدة المستقبل", "الوطن نيوز"],
    "byline": ["بقلم: سامي العتيبي", "كتبت: نورة الحربي", "إعداد: قسم التحرير",
               "الدمام - فهد الزهراني", "حوار: ماجد القحطاني", "متابعة: هيئة التحرير"],
    "dateline": ["الأحد 26 يوليو 2015", "تاريخ النشر: 2015-07-26 10:15", "منذ 3 ساعات",
                 "آخر تحديث: الثلاثاء 4 أغسطس 2015", "28 شوال 1436 هـ", "نشر بتاريخ 30/07/2015"],
    "source_credit": ["المصدر: وكالة الأنباء السعودية", "المصدر : رويترز", "نقلا عن: الحياة",
                      "المصدر: وكالات", "Source: AFP", "المصدر - فرانس برس"],
    "share_prompt": ["شارك الخبر", "شارك هذا المقال مع أصدقائك", "فيسبوك تويتر واتساب",
                     "أرسل لصديق", "طباعة", "شارك عبر تويتر فيسبوك لينكد إن"],
    "comment_prompt": ["أضف تعليقك", "التعليقات (3)", "اكتب تعليقا", "شاركنا رأيك",
                       "تعليقات القراء", "اترك تعليقاً"],
    "follow_prompt": ["تابعونا على تويتر", "تابعنا على فيسبوك وتويتر",
                      "تابعوا آخر الأخبار عبر حسابنا على انستغرام", "تابعونا",
                      "تابعونا على قناة يوتيوب", "تابعنا على تويتر @news"],
    "promo": ["حمل تطبيق الصحيفة الآن من متجر App Store وGoogle Play",
              "للاشتراك في قناتنا على تليجرام اضغط هنا",
              "اشترك في خدمة الرسائل القصيرة بإرسال رسالة SMS إلى 88000",
              "لمتابعة الأخبار العاجلة عبر الواتساب أرسل كلمة اشتراك إلى 0500000000",
              "انضم إلى قناتنا على تلغرام", "حمّل تطبيق الموقع على جوالك"],
    "tag_line": ["الوسوم: الاقتصاد، النفط، الأسواق", "كلمات مفتاحية: الرياض - الصحة",
                 "سمات السعودية النفط", "الكلمات الدلالية: الدوري، الهلال",
                 "وسوم: تعليم، جامعات", "Tags: سياسة، الخليج"],
    "end_marker": ["// انتهى //", "- انتهى -", "يتبع", "نهاية الخبر", "// يتبع //", "انتهى"],
    "photo_credit": ["صورة أرشيفية", "الصورة: وكالة الأنباء", "تصوير: محمد الغامدي",
                     "عدسة: خالد العنزي", "(صورة تعبيرية)", "الصورة - رويترز"],
    "related_heading": ["أخبار ذات صلة", "اقرأ أيضا", "مواضيع ذات صلة", "الأكثر قراءة",
                        "مقالات متعلقة", "قد يعجبك أيضا"],
}
FA_TEMPLATES = {
    "site_name": ["خبرآنلاین", "پایگاه خبری صبح نو", "صفحه اصلی » ورزشی", "تابناک نیوز",
                  "روزنامه همشهری", "شبکه خبر"],
    "byline": ["نویسنده: علی رضایی", "خبرنگار: مریم احمدی", "گزارش از سارا کریمی",
               "تهران - محمد حسینی", "گروه اقتصادی", "ترجمه: نیما صادقی"],
    "dateline": ["یکشنبه ۴ مرداد ۱۳۹۴", "تاریخ انتشار: ۱۳۹۴/۰۵/۰۴ - ۱۰:۲۰", "کد خبر: ۱۲۳۴۵۶",
                 "۱۵ تیر ۱۳۹۴ ساعت ۱۲:۳۰", "زمان انتشار: ۱۳۹۹/۰۲/۱۱", "۳ ساعت پیش"],
    "source_credit": ["منبع: ایسنا", "منبع : خبرگزاری تسنیم", "منبع خبر: ایرنا",
                      "منبع: روزنامه شرق", "منبع: باشگاه خبرنگاران جوان", "منبع - مهر"],
    "share_prompt": ["اشتراک گذاری", "این خبر را به اشتراک بگذارید", "تلگرام توییتر واتساپ",
                     "چاپ خبر", "ارسال به دوستان", "کپی لینک"],
    "comment_prompt": ["نظرات", "ارسال نظر", "نظر خود را بنویسید", "۳ نظر",
                       "دیدگاه‌ها", "نظرات کاربران"],
    "follow_prompt": ["ما را در اینستاگرام دنبال کنید", "به کانال تلگرام ما بپیوندید",
                      "ما را در توییتر دنبال کنید", "اخبار ورزشی را در ایتا دنبال کنید",
                      "صفحه ما را دنبال کنید", "ما را دنبال کنید"],
    "promo": ["عضویت در کانال تلگرامی اقتصاد", "اپلیکیشن خبرخوان را نصب کنید",
              "برای دریافت اخبار فوری، عدد ۲ را به ۳۰۰۰۴۵۶ پیامک کنید",
              "عضو کانال ما در بله شوید", "دانلود اپلیکیشن خبری از بازار",
              "کانال روبیکای ما را دنبال کنید"],
    "tag_line": ["برچسب‌ها: اقتصاد، بورس", "کلیدواژه: فوتبال، لیگ برتر",
                 "کلمات کلیدی: مجلس، دولت", "تگ‌ها: سینما", "برچسب: انتخابات",
                 "موضوعات: ورزش، فوتبال"],
    "end_marker": ["انتهای پیام/", "انتهای پیام/ح", "پایان خبر", "ادامه دارد...",
                   "انتهای متن/", "پایان پیام"],
    "photo_credit": ["عکس: علی محمدی", "عکس‌ها: ایسنا", "عکاس: رضا نوری",
                     "عکس تزئینی است", "تصویر: آرشیو", "عکس آرشیوی"],
    "related_heading": ["اخبار مرتبط", "بیشتر بخوانید", "مطالب پیشنهادی", "پربازدیدترین‌ها",
                        "خبرهای مرتبط", "آخرین اخبار"],
}
TEMPLATES = {"ar": AR_TEMPLATES, "fa": FA_TEMPLATES}
# Probability that a site template uses each kind (at the top, or at the end of the article).
HEAD_KINDS = ("site_name", "byline", "dateline")
TAIL_KINDS = ("photo_credit", "source_credit", "tag_line", "end_marker", "share_prompt",
              "comment_prompt", "follow_prompt", "promo")
SITES_PER_LANG = 6


def load_corpus(corpora: Path, lang: str) -> list[dict]:
    docs = [json.loads(line) for line in (corpora / f"{lang}.jsonl").open(encoding="utf-8")]
    return [d for d in docs if d.get("title") and len(d.get("text", "")) >= 150]


def normalized_lines(text: str, lang: str) -> list[str]:
    """The text as the strip step sees it (23 ar titles hold HTML entities that the pipeline's
    repair step decodes)."""
    text, _ = basic_normalize(html.unescape(text))
    text, _ = normalize_for(lang, text)
    return text.split("\n")


class Tally:
    """Recall of labelled boilerplate and share of content lines kept, per reason."""

    def __init__(self):
        self.bp = collections.Counter()
        self.bp_removed = collections.Counter()
        self.content = self.content_kept = 0
        self.content_lost: list[str] = []

    def add(self, labelled: list[tuple], output: list[str]):
        """`labelled`: (text, reason or None) per line, (text, reason or None, PART) per part
        of a line (a boilerplate prefix, the content after it)."""
        out_keys = {fold_key(line) for line in output}
        for line, reason, *part in labelled:
            key = fold_key(line)
            if not key:
                continue
            if reason and part:  # a prefix is removed only if no output line still holds it
                present = any(key in o for o in out_keys)
            elif reason:  # as devkit/score.py: equal to an output line, or a long line in one
                present = key in out_keys or (len(key) >= 15 and any(key in o for o in out_keys))
            else:  # as devkit/score.py: equal, contained in an output line, or an output line
                # holding >= 80% of it is contained in it (an inline prefix was cut off)
                present = key in out_keys or any(key in o or (len(o) >= 0.8 * len(key) and o in key)
                                                 for o in out_keys)
            if reason:
                self.bp[reason] += 1
                self.bp_removed[reason] += not present
            else:
                self.content += 1
                self.content_kept += present
                if not present and len(self.content_lost) < 15:
                    self.content_lost.append(line[:100])

    def summary(self) -> dict:
        total = sum(self.bp.values())
        return {
            "boilerplate_lines": total,
            "boilerplate_recall": round(sum(self.bp_removed.values()) / total, 4) if total else None,
            "content_lines": self.content,
            "content_precision": round(self.content_kept / self.content, 4) if self.content else None,
            "recall_by_reason": {r: round(self.bp_removed[r] / self.bp[r], 4)
                                 for r in sorted(self.bp)},
            "lines_by_reason": dict(sorted(self.bp.items())),
            "content_lost_examples": self.content_lost,
        }


def run_doc(lines, lang, state, common=frozenset(), titles=frozenset()):
    verdict = classify_lines(lines, lang, state, common, titles)
    return ([verdict.title] if verdict.title else []) + list(verdict.kept), verdict


# --- corpus signals as the Beam composite computes them (same thresholds) ----------------------

def corpus_signals(batch: list[tuple[str, list[str]]], cfg: BoilerplateConfig):
    """(site -> frozenset of recurring line hashes); the composite's counting, in memory."""
    per_site = collections.defaultdict(collections.Counter)
    site_docs = collections.Counter()
    for site, lines in batch:
        site_docs[site] += 1
        per_site[site].update({line_hash(line) for line in lines if line.strip()})
    return {site: frozenset(h for h, n in counts.items()
                            if n >= cfg.site_line_min_docs
                            and n >= cfg.site_line_min_share * site_docs[site])
            for site, counts in per_site.items()}


# --- evaluations ---------------------------------------------------------------------------------

def eval_real(docs: list[dict], lang: str, state) -> dict:
    tally, titles_ok = Tally(), 0
    batch = []
    for d in docs:
        lines = [line for line in normalized_lines(d["title"] + "\n" + d["text"], lang)]
        batch.append((d["site"], lines))
    common = corpus_signals(batch, state.cfg)
    for d, (site, lines) in zip(docs, batch):
        output, verdict = run_doc(lines, lang, state, common.get(site, frozenset()))
        labelled = [part for line in lines[1:] for part in real_labels(site, line)]
        title_key = fold_key(lines[0])
        titles_ok += bool(verdict.title) and fold_key(verdict.title) == title_key
        tally.add(labelled + [(lines[0], None)], output)
    result = tally.summary()
    result["title_accuracy"] = round(titles_ok / len(docs), 4)
    result["docs"] = len(docs)
    return result


def build_injected(docs: list[dict], title_pool: list[dict], lang: str, rng: random.Random):
    """Articles with injected lines: [(site, [(line, reason or labelled parts)])], plus the
    titles used in lists. A body line's label is the list of its parts (`real_labels`)."""
    templates = TEMPLATES[lang]
    sites = []
    for s in range(SITES_PER_LANG):
        site_rng = random.Random(SEED + s)
        sites.append({kind: site_rng.choice(options) for kind, options in templates.items()}
                     | {"kinds": [k for k in HEAD_KINDS + TAIL_KINDS if site_rng.random() < 0.5],
                        "heading": site_rng.random() < 0.5,
                        "name": f"{lang}-site{s}"})
    out, used_titles = [], set()
    for n, d in enumerate(docs):
        site = sites[n % SITES_PER_LANG]
        body = [line for line in normalized_lines(d["text"], lang) if line.strip()]
        title = normalized_lines(d["title"], lang)[0]
        lines: list[tuple[str, str | None]] = []
        if "site_name" in site["kinds"]:
            lines.append((site["site_name"], "site_name"))
        lines.append((title, None))
        for kind in ("byline", "dateline"):
            if kind in site["kinds"]:
                lines.append((site[kind], kind))
        lines += [(line, real_labels(d["site"], line)) for line in body]
        tail = [k for k in TAIL_KINDS if k in site["kinds"]]
        lines += [(site[k], k) for k in tail if k in ("photo_credit", "source_credit", "tag_line",
                                                    "end_marker")]
        if rng.random() < 0.55:
            if site["heading"]:
                lines.append((site["related_heading"], "related_heading"))
            for t in rng.sample(title_pool, rng.randint(5, 30)):
                headline = normalized_lines(t["title"], lang)[0]
                used_titles.add(line_hash(headline))
                lines.append((headline, "related_headlines"))
        lines += [(site[k], k) for k in tail if k in ("share_prompt", "comment_prompt",
                                                    "follow_prompt", "promo")]
        out.append((site["name"], lines))
    return out, frozenset(used_titles)


def _labelled_parts(labelled):
    """Flatten (line, reason) and (line, [(part, reason), ...]) entries into labelled parts."""
    return [part for line, label in labelled
            for part in (label if isinstance(label, list) else [(line, label)])]


def eval_injected(injected, used_titles, lang, state, signals: bool) -> dict:
    tally = Tally()
    common = corpus_signals([(s, [l for l, _ in ls]) for s, ls in injected], state.cfg) \
        if signals else {}
    titles = used_titles if signals else frozenset()
    for site, labelled in injected:
        output, _ = run_doc([line for line, _ in labelled], lang, state,
                            common.get(site, frozenset()), titles)
        tally.add(_labelled_parts(labelled), output)
    return tally.summary()


# --- 3. generalization: lines unique per article, template families held out ---------------------

def _split_families(lang: str, split: str) -> dict[str, list]:
    return {kind: [f for f in FAMILIES if (f.lang, f.kind, f.split) == (lang, kind, split)]
            for kind in KINDS}


def build_generalization(docs: list[dict], title_pool: list[dict], lang: str, split: str,
                         rng: random.Random) -> list[tuple[str | None, list]]:
    """Articles with fresh lines from `split` families: [(jsonl title or None, labelled lines)].

    Each kind is injected with probability 1/2, where real sites put it: section labels on top,
    bylines/datelines under the title (or, 3 times in 10, as the prefix of the first paragraph),
    promos at the end or between paragraphs, credits, tags and end codes after the body, a
    related heading above 3-10 real titles of other articles at the very end. One article in
    five also gets a content line that looks a little like boilerplate (`CONTENT_LINES`)."""
    families = _split_families(lang, split)

    def draw(kind: str) -> str:
        return fill(rng.choice(rng.choice(families[kind]).variants), lang, rng)

    out = []
    for d in docs:
        body = [(line, real_labels(d["site"], line))
                for line in normalized_lines(d["text"], lang) if line.strip()]
        title = normalized_lines(d["title"], lang)[0]
        chosen = {kind for kind in KINDS if rng.random() < 0.5}
        top, head, tail = [], [], []
        if "site_section" in chosen:
            top.append((draw("site_section"), "site_section"))
        if "byline_dateline" in chosen:
            if rng.random() < 0.3:
                prefix = fill(rng.choice(DATELINE_PREFIXES[lang][split]), lang, rng)
                first, parts = body[0]
                body[0] = (prefix + first, [(prefix.strip(), "byline_dateline", PART)]
                           + [(text, label, PART) for text, label, *_ in parts])
            else:
                head.append((draw("byline_dateline"), "byline_dateline"))
        if rng.random() < 0.2 and len(body) > 2:
            line = fill(rng.choice(CONTENT_LINES[lang]), lang, rng)
            body.insert(rng.randint(1, len(body) - 1), (line, None))
        if "promo" in chosen:
            promo = (draw("promo"), "promo")
            if rng.random() < 0.3 and len(body) > 2:
                body.insert(rng.randint(1, len(body) - 1), promo)
            else:
                tail.append(promo)
        tail += [(draw(kind), kind) for kind in ("source_credit", "tag_line") if kind in chosen]
        rng.shuffle(tail)
        if "end_code" in chosen:
            tail.insert(0 if rng.random() < 0.7 else len(tail), (draw("end_code"), "end_code"))
        if "related_heading" in chosen:
            tail.append((draw("related_heading"), "related_heading"))
            tail += [(normalized_lines(t["title"], lang)[0], "related_headlines")
                     for t in rng.sample(title_pool, rng.randint(3, 10))]
        jsonl_title = title if rng.random() < 0.5 else None
        lines = top + ([] if jsonl_title else [(title, None)]) + head + body + tail
        out.append((jsonl_title, lines))
    return out


def eval_generalization(articles, lang: str, module, state) -> dict:
    """Recall per kind and content precision of `module.classify_lines` (no corpus signals:
    every injected line is unique to its article)."""
    tally = Tally()
    for jsonl_title, labelled in articles:
        verdict = module.classify_lines([line for line, _ in labelled], lang, state,
                                        has_title=jsonl_title is not None, title=jsonl_title)
        output = ([verdict.title] if verdict.title else []) + list(verdict.kept)
        tally.add(_labelled_parts(labelled), output)
    return tally.summary()


# --- 4. leave-one-site-out on the real corpus ------------------------------------------------------

def site_only_patterns(real_docs: list[dict], lang: str) -> dict[str, set[tuple[str, int]]]:
    """site -> (kind, pattern index) of the patterns whose only labelled real boilerplate hits
    are on that site: what the pattern file learned from that one site."""
    state = load_boilerplate(BoilerplateConfig())
    hits: dict[tuple[str, int], set[str]] = collections.defaultdict(set)
    for d in real_docs:
        for line in normalized_lines(d["text"], lang):
            if not line.strip() or not real_label(d["site"], line):
                continue
            form = match_form(line)
            for kind in state.kinds:
                for number, pattern in enumerate(kind.patterns):
                    if pattern.fullmatch(form):
                        hits[(kind.name, number)].add(d["site"])
    owned: dict[str, set[tuple[str, int]]] = collections.defaultdict(set)
    for key, sites in hits.items():
        if len(sites) == 1:
            owned[next(iter(sites))].add(key)
    return owned


def state_without_patterns(dropped: set[tuple[str, int]], tmp: Path, name: str):
    """The packaged patterns minus the (kind, index) pairs in `dropped`."""
    data = yaml.safe_load(PATTERNS_PATH.read_text(encoding="utf-8"))
    for kind, spec in data["kinds"].items():
        spec["patterns"] = [p for n, p in enumerate(spec.get("patterns", ()))
                            if (kind, n) not in dropped]
    path = tmp / f"without_{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_boilerplate(BoilerplateConfig(patterns_path=str(path)))


def eval_leave_one_site_out(real_docs: list[dict], lang: str, tmp: Path) -> dict:
    """Each site scored with the patterns only it matched removed and no corpus signals (a site
    the pattern file and the batch know nothing about)."""
    owned = site_only_patterns(real_docs, lang)
    pooled, per_site = Tally(), {}
    for site in sorted({d["site"] for d in real_docs}):
        state = state_without_patterns(owned.get(site, set()), tmp, f"{lang}_{site}")
        tally = Tally()
        for d in (d for d in real_docs if d["site"] == site):
            lines = normalized_lines(d["title"] + "\n" + d["text"], lang)
            output, _ = run_doc(lines, lang, state)
            labelled = [part for line in lines[1:] for part in real_labels(site, line)]
            for t in (tally, pooled):
                t.add(labelled + [(lines[0], None)], output)
        summary = tally.summary()
        per_site[site] = {"docs": sum(d["site"] == site for d in real_docs),
                          "patterns_held_out": len(owned.get(site, ())),
                          "boilerplate_lines": summary["boilerplate_lines"],
                          "boilerplate_recall": summary["boilerplate_recall"],
                          "content_precision": summary["content_precision"]}
    return {"pooled": pooled.summary(), "per_site": per_site}


# --- 5. speed, against main's classifier in the same run ------------------------------------------

def load_baseline(repo: Path):
    """The `transforms/boilerplate.py` of another checkout (main), importable beside ours."""
    spec = importlib.util.spec_from_file_location("baseline_boilerplate",
                                                  repo / "transforms" / "boilerplate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _classify_seconds(docs_lines, lang, module, state) -> float:
    """CPU seconds of one `classify_lines` pass over the documents."""
    start = time.process_time()
    for lines in docs_lines:
        module.classify_lines(lines, lang, state)
    return time.process_time() - start


def speed(docs_lines: list[list[str]], lang: str, state, baseline=None, rounds: int = 5) -> dict:
    """Best of `rounds` CPU times, ours and the baseline's taking turns (the machine is shared:
    compare the ratio, measured in the same run)."""
    start = time.process_time()
    for lines in docs_lines:
        [fold_key(line) for line in lines]
    fold_pass = time.process_time() - start
    base_state = baseline.load_boilerplate(baseline.BoilerplateConfig()) if baseline else None
    ours = base = float("inf")
    for _ in range(rounds):
        ours = min(ours, _classify_seconds(docs_lines, lang, boilerplate, state))
        if baseline is not None:
            base = min(base, _classify_seconds(docs_lines, lang, baseline, base_state))
    result = {"classify_vs_fold_pass": round(ours / fold_pass, 2), "docs": len(docs_lines),
              "ms_per_doc": round(1000 * ours / len(docs_lines), 3)}
    if baseline is not None:
        result["baseline_ms_per_doc"] = round(1000 * base / len(docs_lines), 3)
        result["vs_baseline"] = round(ours / base, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--docs", type=int, default=300, help="articles per language and set")
    parser.add_argument("--baseline", type=Path, default=REPO.parent / "main",
                        help="checkout whose classifier is scored and timed beside this one")
    args = parser.parse_args()
    state = load_boilerplate(BoilerplateConfig())
    baseline = load_baseline(args.baseline) if (args.baseline / "transforms").is_dir() else None
    results = {"seed": SEED, "baseline": str(args.baseline) if baseline else None, "languages": {}}
    rows, gen_rows = [], []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for lang in ("ar", "fa"):
            rng = random.Random(SEED)
            docs = load_corpus(args.corpora, lang)
            rng.shuffle(docs)
            # real boilerplate: oversample the sites whose boilerplate the README counts
            real = [d for d in docs if any(real_label(d["site"], l) for l in d["text"].split("\n"))]
            real_ids = {d["id"] for d in real[: args.docs // 2]}
            real = real[: args.docs // 2] + [d for d in docs if d["id"] not in real_ids][: args.docs // 2]
            real_ids = {d["id"] for d in real}
            rest = [d for d in docs if d["id"] not in real_ids]
            injected_docs = rest[: args.docs]
            gen_docs = rest[args.docs: 2 * args.docs]
            title_pool = rest[2 * args.docs:]
            injected, used_titles = build_injected(injected_docs, title_pool, lang, rng)
            lang_result = {
                "real": eval_real(real, lang, state),
                "injected": eval_injected(injected, used_titles, lang, state, signals=False),
                "injected+signals": eval_injected(injected, used_titles, lang, state, signals=True),
                "leave_one_site_out": eval_leave_one_site_out(real, lang, tmp),
                "generalization": {},
            }
            for split in ("dev", "heldout"):
                articles = build_generalization(gen_docs, title_pool, lang, split,
                                                random.Random(f"{SEED}{lang}{split}"))
                cell = {"this": eval_generalization(articles, lang, boilerplate, state)}
                if baseline is not None:
                    cell["baseline"] = eval_generalization(
                        articles, lang, baseline, baseline.load_boilerplate(baseline.BoilerplateConfig()))
                lang_result["generalization"][split] = cell
                for who, summary in cell.items():
                    gen_rows.append((lang, split, who, summary))
            lang_result["speed"] = speed([[l for l, _ in ls] for _, ls in injected], lang, state,
                                         baseline)
            results["languages"][lang] = lang_result
            for name in ("real", "injected", "injected+signals"):
                r = lang_result[name]
                rows.append((lang, name, r["boilerplate_lines"], r["boilerplate_recall"],
                             r["content_lines"], r["content_precision"]))
            r = lang_result["leave_one_site_out"]["pooled"]
            rows.append((lang, "real, site held out", r["boilerplate_lines"], r["boilerplate_recall"],
                         r["content_lines"], r["content_precision"]))
    print(f"{'lang':4} {'set':20} {'bp lines':>8} {'recall':>7} {'content':>8} {'precision':>9}")
    for row in rows:
        print(f"{row[0]:4} {row[1]:20} {row[2]:8d} {row[3]:7.4f} {row[4]:8d} {row[5]:9.4f}")
    print("\ngeneralization (fresh lines per article; families: dev = seen while writing rules, "
          "heldout = not)")
    print(f"{'lang':4} {'split':8} {'code':9} {'recall':>7} {'c.prec':>7}  " +
          " ".join(f"{k[:12]:>12}" for k in KINDS + ("related_headlines",)))
    for lang, split, who, s in gen_rows:
        by_kind = s["recall_by_reason"]
        print(f"{lang:4} {split:8} {who:9} {s['boilerplate_recall']:7.4f} {s['content_precision']:7.4f}  "
              + " ".join(f"{by_kind.get(k, float('nan')):12.3f}" for k in KINDS + ("related_headlines",)))
    for lang, r in results["languages"].items():
        print(f"\n{lang} recall by reason (real | injected | injected+signals):")
        reasons = sorted(set(r["real"]["recall_by_reason"]) | set(r["injected"]["recall_by_reason"]))
        for reason in reasons:
            cells = [r["real"]["recall_by_reason"].get(reason),
                     r["injected"]["recall_by_reason"].get(reason),
                     r["injected+signals"]["recall_by_reason"].get(reason)]
            print(f"  {reason:18} " + " ".join("   -  " if c is None else f"{c:6.3f}" for c in cells))
        print(f"  title accuracy (real, .txt with title on line 1): {r['real']['title_accuracy']}")
        print("  leave one site out: " + ", ".join(
            f"{site} {v['boilerplate_recall']}/{v['content_precision']}"
            for site, v in r["leave_one_site_out"]["per_site"].items()))
        sp = r["speed"]
        print(f"  speed: classify_lines {sp['ms_per_doc']} ms/doc = {sp['classify_vs_fold_pass']}x one "
              f"fold_key pass" + (f"; {sp['vs_baseline']}x baseline ({sp['baseline_ms_per_doc']} ms/doc)"
                                  if "vs_baseline" in sp else ""))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
