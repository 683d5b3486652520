"""Boilerplate stripping: seeds as labelled, generic kinds, the headline block, corpus signals."""
from __future__ import annotations

import json
import re
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.beam_steps import ApplyStep, is_doc
from transforms.boilerplate import (BoilerplateConfig, classify_lines, ends_like_sentence,
                                    line_hash, literal_screen, load_boilerplate, load_patterns,
                                    site_key, strip_step, word_count)
from transforms import boilerplate
from transforms.boilerplate_beam import CorpusBoilerplateSignals
from transforms.boilerplate_shape import tokens_of
from transforms.folding import fold_key, fold_letters, key_of_letters
from transforms.model import Doc, Reject
from transforms.normalize import basic_normalize, normalize_for

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = Path(__file__).resolve().parent / "data" / "seeds"
STATE = load_boilerplate(BoilerplateConfig())

AR_BODY = ("أعلنت الوزارة اليوم عن خطة جديدة لتطوير الخدمات في جميع المناطق خلال العام المقبل، "
           "وقال المتحدث الرسمي إن الخطة تشمل عدة مراحل تبدأ الشهر القادم.")
FA_BODY = ("وزیر آموزش و پرورش امروز در نشست خبری از برنامه تازه این وزارتخانه برای سال آینده "
           "خبر داد و گفت این برنامه در چند مرحله اجرا می‌شود.")


def removed_reasons(verdict):
    return [(line.text, line.reason) for line in verdict.removed]


def seed_lines(name: str, lang: str) -> list[str]:
    text, _ = basic_normalize((SEEDS / name).read_text(encoding="utf-8"))
    text, _ = normalize_for(lang, text)
    return text.split("\n")


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_seeds_remove_exactly_the_labelled_lines(name):
    expected = json.loads((SEEDS / "expected.json").read_text(encoding="utf-8"))["seeds"][name]
    verdict = classify_lines(seed_lines(name, expected["lang"]), expected["lang"], STATE)
    removed = sorted(fold_key(line.text) for line in verdict.removed)
    assert removed == sorted(fold_key(t) for t in expected["boilerplate_text"].values())
    title = expected.get("title")
    assert (fold_key(verdict.title) if verdict.title else None) == (fold_key(title) if title else None)


def test_seed_003_keeps_agency_and_site_name():
    verdict = classify_lines(seed_lines("003_8cb5c2daadf7745d.txt", "fa"), "fa", STATE)
    assert verdict.credited_source == "خبرگزاری مهر"
    assert verdict.site_name == "میرنیوز"
    assert {line.reason for line in verdict.removed} == {"site_name", "source_credit",
                                                         "related_headlines"}


@pytest.mark.parametrize("line, reason", [
    ("بقلم: سامي الحربي", "byline"),
    ("نویسنده: رضا کریمی", "byline"),
    ("تاريخ النشر: 2015-07-26 10:15", "dateline"),
    ("الرياض 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس", "dateline"),
])
def test_head_kinds_after_the_title(line, reason):
    verdict = classify_lines(["عنوان الخبر عن خطة الوزارة الجديدة", line, AR_BODY], "ar", STATE)
    assert verdict.title == "عنوان الخبر عن خطة الوزارة الجديدة"
    assert removed_reasons(verdict) == [(line, reason)]


@pytest.mark.parametrize("line, reason", [
    ("المصدر: رويترز", "source_credit"),
    ("منبع : ايسنا", "source_credit"),
    ("شارك المقال", "share_prompt"),
    ("فيسبوك تويتر واتساب", "share_prompt"),
    ("اترك تعليقك", "comment_prompt"),
    ("نظرات کاربران", "comment_prompt"),
    ("ما را در اینستاگرام دنبال کنید", "follow_prompt"),
    ("عضویت در کانال تلگرامی ورزش", "promo"),
    ("للتواصل أرسل SMS إلى 88000", "promo"),
    ("الوسوم: النفط، الأسواق", "tag_line"),
    ("انتهاي پيام/م", "end_marker"),  # legacy Arabic yeh in Persian
    ("// يتبع //", "end_marker"),
    ("عکس: علی محمدی", "photo_credit"),
])
def test_anywhere_kinds_at_the_end(line, reason):
    verdict = classify_lines([FA_BODY, FA_BODY.replace("امروز", "دیروز"), line], "fa", STATE)
    assert removed_reasons(verdict) == [(line, reason)]


def test_source_credit_agency_is_kept():
    verdict = classify_lines([AR_BODY, "المصدر : وكالة الأنباء السعودية"], "ar", STATE)
    assert verdict.credited_source == "وكالة الأنباء السعودية"


def test_related_headline_block_after_a_heading_and_without_one():
    headlines = ["ارتفاع أسعار النفط في الأسواق العالمية", "الهلال يفوز على النصر في الديربي",
                 "وزير الصحة: لا إصابات جديدة بكورونا", "افتتاح معرض الكتاب الدولي في جدة",
                 "«الأرصاد» تتوقع أمطارا على المنطقة الجنوبية"]
    body = [AR_BODY, "وأضاف أن المشروعات ستنفذ بالتعاون مع القطاع الخاص في المرحلة الأولى."]
    with_heading = classify_lines(body + ["أخبار ذات صلة"] + headlines[:2], "ar", STATE)
    assert [r for _, r in removed_reasons(with_heading)] == ["related_heading"] + [
        "related_headlines"] * 2
    without = classify_lines(body + headlines, "ar", STATE)
    assert [line for line, _ in removed_reasons(without)] == headlines
    assert list(without.kept) == body


def test_batch_titles_make_a_short_block_count():
    headlines = ["ترامپ به اروپا سفر می‌کند", "قیمت طلا کاهش یافت"]
    lines = [FA_BODY] + headlines
    assert classify_lines(lines, "fa", STATE).removed == ()
    titles = frozenset(line_hash(h) for h in headlines)
    verdict = classify_lines(lines, "fa", STATE, batch_titles=titles)
    assert [r for _, r in removed_reasons(verdict)] == ["related_headlines"] * 2


def test_short_body_lists_and_verse_stay():
    intro = "وقد أعلن الاتحاد أسماء اللاعبين المختارين للمعسكر على النحو التالي:"
    roster = [f"{w} كيلوغرام: لاعب رقم {w} من نادي المدينة" for w in (55, 60, 66, 74, 84)]
    assert classify_lines([AR_BODY, intro] + roster, "ar", STATE).removed == ()
    verse = ["يا ليل طال السهر والقلب مشتاق", "والدمع فوق الخد مثل المطر راق",
             "والشوق يسري في عروقي بلا فراق", "والنجم يشهد ما جرى بين العشاق"]
    assert classify_lines([AR_BODY] + verse, "ar", STATE).removed == ()


def test_short_first_line_is_the_title_when_the_body_is_about_it():
    body = ["تتزايد مخاطر الهواتف الذكية على الأطفال مع ساعات الاستخدام الطويلة، ويحذر الأطباء "
            "من أثرها على النوم والتركيز في المدرسة.",
            "وتبقى الهواتف الذكية جزءا من حياتنا، لكن المخاطر تقل بالتنظيم والمتابعة."]
    column = classify_lines(["مخاطر الهواتف الذكية", "رأي: لماذا نتعلق بها إلى هذا الحد!"] + body,
                            "ar", STATE)
    assert column.title == "مخاطر الهواتف الذكية"
    assert "site_name" not in [r for _, r in removed_reasons(column)]
    dialogue = classify_lines(["موعد مع الطبيب", "- هل وصلت إلى العيادة؟", "- نعم، أنا في الانتظار.",
                               AR_BODY], "ar", STATE)
    assert dialogue.title == "موعد مع الطبيب"
    # a site name above a title: the body is about the title, not the site
    site = classify_lines(["نجمة الشرق الإخبارية", "خطة جديدة لتطوير الخدمات في المناطق", AR_BODY],
                          "ar", STATE)
    assert site.title == "خطة جديدة لتطوير الخدمات في المناطق"
    assert removed_reasons(site) == [("نجمة الشرق الإخبارية", "site_name")]


def test_short_lines_without_a_paragraph_are_not_a_headline_block():
    notes = ["ليل طويل في المدينة", "والشوارع خالية من المارة", "والمطر ينهمر بلا توقف",
             "والنوافذ مضاءة حتى الفجر", "ولا أحد يسأل عن الغائبين"]
    verdict = classify_lines(["خواطر"] + notes, "ar", STATE, has_title=True, title="ليلة ممطرة")
    assert "related_headlines" not in [r for _, r in removed_reasons(verdict)]


def test_jsonl_title_repeated_in_text():
    verdict = classify_lines(["عنوان مكرر في النص", AR_BODY], "ar", STATE, has_title=True,
                             title="عنوان مكرر في النص")
    assert verdict.title is None
    assert removed_reasons(verdict) == [("عنوان مكرر في النص", "repeated_title")]


def test_site_common_lines_are_removed_but_recurring_sentences_kept():
    odd_line = "کاری از گروه فلان"  # no pattern names it
    common = frozenset({line_hash(odd_line), line_hash(FA_BODY)})
    verdict = classify_lines([FA_BODY, odd_line], "fa", STATE, site_common_lines=common)
    assert removed_reasons(verdict) == [(odd_line, "site_boilerplate")]


def test_inline_share_bar_is_cut_from_the_first_paragraph():
    verdict = classify_lines(["شارك من خلال تويتر فيسبوك جوجل بلس اكتب رأيك " + AR_BODY], "ar",
                             STATE)
    assert verdict.kept == (AR_BODY,)
    assert removed_reasons(verdict)[0][1] == "share_prompt"


def test_arabic_script_terminal_punctuation():
    assert ends_like_sentence("گفت: «ما آماده‌ایم.»")
    assert ends_like_sentence("وقال الوزير ذلك؛")
    assert not ends_like_sentence("هل تنجح الخطة؟")
    assert not ends_like_sentence("«پوتین» با طرح آتش‌بس موافقت کرد")


def test_strip_step_sets_title_site_credit_and_rejects_empty():
    doc = Doc(id="x", source="in/site/x.txt", lang="fa",
              text="میرنیوز\nعنوان خبر امروز درباره مدارس\n" + FA_BODY + "\nمنبع : خبرگزاری مهر")
    out = strip_step(doc, STATE)
    assert (out.title, out.title_from_text, out.site, out.credited_source) == (
        "عنوان خبر امروز درباره مدارس", True, "میرنیوز", "خبرگزاری مهر")
    assert out.text == FA_BODY
    assert [r.reason for r in out.removed_lines] == ["site_name", "source_credit"]
    with pytest.raises(Reject) as rejected:
        strip_step(Doc(id="y", source="in/y.txt", text="شارك المقال\nاترك تعليقك", lang="ar"),
                   STATE)
    assert rejected.value.reason == "empty_after_cleaning"


def test_site_key_uses_site_or_folder():
    assert site_key(Doc(id="a", source="in/x.jsonl:3", site="Okaz")) == "site:okaz"
    assert site_key(Doc(id="a", source="in/farsnews/a.txt")) == "dir:in/farsnews"
    assert site_key(Doc(id="a", source="in/batch.jsonl:7")) == "dir:in"


def test_patterns_file_is_packaged_and_valid():
    data = load_patterns()
    assert {"byline", "source_credit", "share_prompt", "related_heading"} <= set(data["kinds"])
    # YAML once read the share-bar word `on` as True and `الموافق:` as a mapping
    assert "on" in STATE.share_bar_words and "الموافق:" in STATE.date_words


@pytest.mark.parametrize("yaml_text, error", [
    ("kinds: {}\nshare_bar_words: [share, on, via]\n", r"'share_bar_words' holds \[True\]"),
    ("kinds: {}\ndate_words: [الموافق:, 2015]\n", r"'date_words' holds \[\{'الموافق': None\}, 2015\]"),
    ("kinds: {}\nsite_name_words: news\n", r"'site_name_words' holds \['news'\]"),
    ("kinds: {share: {patterns: ['share this', yes]}}\n", r"kind 'share' patterns holds \[True\]"),
])
def test_word_lists_and_patterns_hold_only_strings(tmp_path, yaml_text, error):
    path = tmp_path / "patterns.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ValueError, match=error + ", not strings: quote them"):
        load_patterns(str(path))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهويیک ،.:؟»«0123456789-|",
                        max_size=60), max_size=12))
def test_classify_never_fails_and_only_drops_or_trims_lines(lines):
    verdict = classify_lines(lines, "ar", STATE)
    source = [line.strip() for line in lines if line.strip()]
    assert len(verdict.kept) + (verdict.title is not None) <= len(source)
    assert all(any(line.endswith(kept) for line in source) for kept in verdict.kept)
    assert all(removed.reason for removed in verdict.removed)


_SCREENED = [(pattern, screen) for kind in STATE.kinds
             for pattern, screen in zip(kind.patterns, kind.screens) if screen]


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_literal_screens_skip_only_patterns_that_cannot_match(data):
    """Lines a screened pattern matches (drawn from the pattern itself, any letter case, as a
    casefolded match form) always pass its screen: the screen skips no line the pattern would
    match."""
    pattern, screen = data.draw(st.sampled_from(_SCREENED))
    line = data.draw(st.from_regex(re.compile(pattern.pattern, re.IGNORECASE), fullmatch=True))
    form = line.casefold()
    if pattern.fullmatch(form):
        assert any(text in form for text in screen), (pattern.pattern, form)


_STARTING = [(pattern, starts) for kind in STATE.kinds for pattern in kind.patterns
             if (starts := boilerplate.first_chars(pattern.pattern)) is not None]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_first_chars_hold_the_start_of_every_match(data):
    """Lines a pattern matches (drawn from the pattern itself, any letter case, casefolded)
    start with one of its `first_chars`: a line starting otherwise is rightly not tried."""
    pattern, starts = data.draw(st.sampled_from(_STARTING))
    line = data.draw(st.from_regex(re.compile(pattern.pattern, re.IGNORECASE), fullmatch=True))
    form = line.casefold()
    if pattern.fullmatch(form):
        assert form[:1] in starts, (pattern.pattern, form)


def test_first_chars_read_openings_and_decline_unsure_syntax():
    first_chars = boilerplate.first_chars
    assert first_chars(r"(send|ارسل)\s.{0,9}") == {"s", "ا"}
    assert first_chars(r"(www\.)?[a-c]+x") == {"w", "a", "b", "c"}  # an optional group and more
    assert first_chars(r"\b(?=a)(?:Ab|ß)") == {"A", "a", "ß", "s"}  # as casefolded text starts
    assert first_chars(r"a?") is None                                # may match an empty line
    assert first_chars(r".{0,9}send") is None                        # any character
    assert first_chars(r"[^a]b") is None and first_chars(r"\wb") is None
    assert first_chars(r"(?:send){e<=1}") is None                    # `regex` fuzzy matching
    assert first_chars(r"\p{L}send") is None                        # not `re` syntax


def _as_re(pattern) -> re.Pattern | None:
    """The pattern in `re` syntax, for drawing lines from it; None when it is `regex`-only."""
    try:
        return re.compile(pattern.pattern, re.IGNORECASE)
    except re.error:
        return None


_DRAWABLE = [drawable for kind in STATE.kinds for pattern in kind.patterns
             if (drawable := _as_re(pattern)) is not None]
_FORMS = st.lists(st.text(alphabet="اب تة:#کك۱1sms\u064eا", max_size=24), max_size=4).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_kind_set_finds_the_first_kind_a_pattern_of_matches(data):
    """`KindSet.first_match` (patterns picked by screens and first characters) gives the first
    kind, in order, with a pattern matching the whole form."""
    kinds = STATE.kinds_within(data.draw(st.sampled_from(("top", "head", "anywhere", "tail"))),
                               data.draw(st.integers(0, 41)))
    pattern = data.draw(st.sampled_from(_DRAWABLE))
    form = data.draw(st.one_of(_FORMS, st.from_regex(pattern, fullmatch=True).map(str.casefold)))
    expected = next((kind for kind in kinds.kinds
                     if any(p.fullmatch(form) for p in kind.patterns)), None)
    assert kinds.first_match(form) is expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ابتةهيیكک ٣1.:-\u064e\u0640\u200c\u00a0\ufe70\u0301aAßİ\n\x1c",
                        min_size=1, max_size=30), max_size=6))
def test_lines_folded_together_fold_as_each_alone(lines):
    """`fold_lines` folds a document's lines in one call: the same letters and match forms as
    one call per line (a line holding a newline included), and match-form word counts."""
    letters, forms = boilerplate.fold_lines(lines)
    assert letters == [fold_letters(line) for line in lines]
    assert forms == [boilerplate.match_form(line) for line in lines]
    assert [boilerplate._form_word_count(form) for form in forms] == list(map(word_count, forms))
    assert boilerplate.line_hashes(lines) == list(map(line_hash, lines))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ابتةهيیكکأإآٱى٠١٢٣۴۵0123456789 .:-|»«\u064e\u0640\u200cAaßİK", max_size=40))
def test_shared_letter_fold_gives_the_match_form_and_key(line):
    """`classify_lines` folds a line's letters once for its match form and its line key."""
    letters = fold_letters(line)
    assert key_of_letters(letters) == fold_key(line)
    full = fold_letters(line, boilerplate.MATCH_LETTER_FOLDS).casefold()
    folded = boilerplate._collapse_spaces(full)
    assert boilerplate._match_form_of_letters(letters) == (boilerplate._trim(folded) or folded)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ابت ‌:：\t\x1c-.a1", max_size=60), st.integers(-1, 14))
def test_has_words_is_the_word_count_threshold(line, least):
    """The signals' shortcut `has_words` reads only the first words but decides as the count."""
    assert boilerplate.has_words(line, least) == (word_count(line) >= least)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ابت a1:：. ‌", max_size=60))
def test_letter_colons_tried_where_they_stand_count_as_the_scan(text):
    """Colons between letters are counted by trying each colon, as the regex scan counts them."""
    assert boilerplate._letter_colons(text) == len(boilerplate._LETTER_COLON.findall(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["share", "tweet", "facebook", "واتساب", "خبر", "امروز", "1",
                                 "|", "،", " "]), max_size=20))
def test_share_bar_from_the_shape_tokens_decides_as_the_regex(parts):
    """A short line's share-bar test reads its shape-rule tokens: the same verdict."""
    form = boilerplate.match_form(" ".join(parts))
    assert boilerplate._tokens_share_bar(tokens_of(form), STATE) == \
        boilerplate._is_share_bar(form, STATE)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ا ب:：-–\n\t", max_size=120), st.integers(0, 60))
def test_cheap_tests_decide_as_the_full_ones(text, least):
    """A long article's length is read from its head; the dash-byline pattern is tried only on
    a line with a dash before its first colon."""
    assert boilerplate._has_chars(text, least) == (boilerplate._non_space_chars(text) >= least)
    if boilerplate._DASH_BYLINE_PREFIX.match(text):
        assert boilerplate._dash_before_colon(text)


def test_literal_screen_reads_required_words_and_declines_unsure_syntax():
    assert literal_screen(r".{0,40}(send|ارسل)\s.{0,9}(sms|رساله)") == ("send", "ارسل")
    assert literal_screen(r".{0,9}(Foo bar|foo)") == ("foo",)  # casefolded, superstrings dropped
    assert literal_screen(r"(send|ارسل).{0,9}") == ()           # fails fast without a screen
    assert literal_screen(r".{0,9}(a|b?)") == ()                 # an alternative needs nothing
    assert literal_screen(r".{0,9}(?:send){e<=1}") == ()          # `regex` fuzzy matching
    assert literal_screen(r".{0,9}[[a-z]--[q]]send") == ()        # `regex` V1 nested set
    assert literal_screen(r".{0,9}\p{L}send") == ()               # not `re` syntax


def test_corpus_signals_composite_feeds_the_step():
    cfg = BoilerplateConfig(site_line_min_docs=2)
    docs = [Doc(id=f"d{i}", source=f"in/a/d{i}.txt", lang="fa",
                text=f"عنوان خبر شماره {i} امروز\n{FA_BODY} {i}\nکاری از گروه فلان")
            for i in range(3)]
    with TestPipeline() as p:
        created = p | beam.Create(docs)
        signals = created | CorpusBoilerplateSignals(cfg)
        stripped = (created | ApplyStep("Strip", strip_step, cfg, setup=load_boilerplate,
                                        side_inputs=signals.side_inputs())
                    | beam.Filter(is_doc))
        assert_that(signals.site_common_lines | beam.MapTuple(lambda s, h: (s, len(h))),
                    equal_to([("dir:in/a", 1)]), label="CommonLines")
        assert_that(signals.batch_titles | beam.Map(len), equal_to([3]), label="Titles")
        assert_that(stripped | beam.Map(lambda d: (d.id, [r.reason for r in d.removed_lines])),
                    equal_to([(f"d{i}", ["site_boilerplate"]) for i in range(3)]),
                    label="Stripped")


@pytest.mark.skipif(not (SHARED / "devkit" / "boilerplate").is_dir(), reason="no ../shared")
def test_devkit_boilerplate_set_quality():
    """The kit's injected set, classified directly (no corpus signals)."""
    import sys
    sys.path.insert(0, str(SHARED / "devkit"))
    from textkey import fold_key as kit_key
    folder = SHARED / "devkit" / "boilerplate"
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))["articles"]
    removed = total = kept = content = 0
    for article_id, article in labels.items():
        raw = (folder / f"{article_id}.txt").read_text(encoding="utf-8").split("\n")
        text, _ = basic_normalize("\n".join(raw))
        text, _ = normalize_for(article["lang"], text)
        verdict = classify_lines(text.split("\n"), article["lang"], STATE)
        out = {kit_key(x) for x in ([verdict.title] if verdict.title else []) + list(verdict.kept)}
        for number, line in enumerate(raw, 1):
            key = kit_key(line)
            if not key:
                continue
            if number in article["boilerplate_lines"]:
                total += 1
                removed += key not in out
            else:
                content += 1
                kept += key in out or any(key in o for o in out)
    assert removed / total >= 0.98
    assert kept / content >= 0.995


def test_a_document_rejected_as_empty_keeps_the_lines_it_lost():
    """The dead letter carries the removed lines, so `rejected/` shows why it was emptied."""
    from transforms.beam_steps import _StepDoFn
    from transforms.boilerplate import BoilerplateConfig, load_boilerplate, strip_step
    from transforms.model import Doc, Rejection

    doc = Doc(id="x", source="x.txt", lang="ar", text="شارك المقال\nاترك تعليقك")
    do_fn = _StepDoFn("StripLines", strip_step, (BoilerplateConfig(),), load_boilerplate)
    do_fn.setup()
    (rejection,) = list(do_fn.process(doc, {}, frozenset()))
    assert isinstance(rejection, Rejection) and rejection.reason == "empty_after_cleaning"
    assert {line.text for line in rejection.removed_lines} == {"شارك المقال", "اترك تعليقك"}


def test_site_line_counts_are_of_distinct_documents():
    """A document delivered twice (Beam's Dask runner re-delivers side-input upstream elements)
    still counts once; merging partial counts unions them."""
    from transforms.boilerplate_beam import _CountDistinct
    count = _CountDistinct()
    left = count.add_input(count.add_input(count.create_accumulator(), 7), 7)
    right = count.add_input(count.add_input(count.create_accumulator(), 7), 9)
    assert count.extract_output(left) == 1
    assert count.extract_output(count.merge_accumulators([left, right])) == 2


def test_site_line_keys_skip_shared_prose_which_is_never_stripped():
    from transforms.boilerplate import line_hash
    from transforms.boilerplate_beam import site_line_keys
    from transforms.model import Doc
    prose = ("قال المتحدث باسم الوزارة إن اللجنة ناقشت ملف المياه والكهرباء في المنطقة "
             "وقررت رفع التقرير إلى المجلس.")
    doc = Doc(id="a", source="site/a.txt", text=f"تابعونا على تويتر\n{prose}\n")
    assert [value for _, value in site_line_keys(doc, BoilerplateConfig())] == [
        line_hash("تابعونا على تويتر")]


# --- shape rules: boilerplate no pattern names, unique to its article ----------------------------

@pytest.mark.parametrize("line, reason", [
    ("(كونا)", "source_credit"),
    ("نقلاً عن وكالة الأنباء العمانية", "source_credit"),
    ("- ایلنا", "source_credit"),
    ("به نقل از پژواک", "source_credit"),
    ("ع.ح/ م.ن", "end_marker"),
    ("١٢*٤٥٦*٧٨٩٠", "end_marker"),
    ("ـ النهاية ـ", "end_marker"),
    ("نزّلوا تطبيقنا من آب ستور", "promo"),
    ("نسخه اندروید ما را از کافه‌بازار بگیرید", "promo"),
    ("تصنيفات: الطاقة، الأسواق، الخليج", "tag_line"),
    ("#انتخابات #مجلس #دولت", "tag_line"),
    ("پرونده: بورس - تورم", "tag_line"),
])
def test_shape_rules_at_the_end(line, reason):
    verdict = classify_lines([FA_BODY, FA_BODY.replace("امروز", "دیروز"), line], "fa", STATE)
    assert removed_reasons(verdict) == [(line, reason)]


@pytest.mark.parametrize("line, reason", [
    ("كابل، ٢٥ حمل ١٤٠٢", "dateline"),
    ("الزلفي – 3 آذار 2021 (واس)", "dateline"),
    ("مراسلنا في جدة – خالد العلي", "byline"),
    ("سامي الحربي | الدمام", "byline"),
])
def test_shape_head_lines_under_the_title(line, reason):
    verdict = classify_lines(["عنوان الخبر عن خطة الوزارة الجديدة", line, AR_BODY], "ar", STATE)
    assert verdict.title == "عنوان الخبر عن خطة الوزارة الجديدة"
    assert removed_reasons(verdict) == [(line, reason)]


def test_section_label_above_the_title_is_not_the_site_name():
    verdict = classify_lines(["سرویس: ورزشی", "عنوان خبر درباره برنامه تازه وزارت", FA_BODY],
                             "fa", STATE)
    assert verdict.title == "عنوان خبر درباره برنامه تازه وزارت"
    assert removed_reasons(verdict) == [("سرویس: ورزشی", "section_label")]
    assert verdict.site_name is None


def test_dateline_prefix_is_cut_and_the_sentence_kept():
    verdict = classify_lines(["طهران (إرنا) - " + AR_BODY, AR_BODY], "ar", STATE)
    assert verdict.kept == (AR_BODY, AR_BODY)
    assert removed_reasons(verdict) == [("طهران (إرنا) -", "dateline")]
    own_lead = "به گزارش خبرگزاری فارس از تهران، " + FA_BODY
    assert classify_lines([own_lead, FA_BODY], "fa", STATE).removed == ()


def test_cued_related_heading_needs_only_titles_below():
    headlines = ["ارتفاع أسعار النفط في الأسواق العالمية", "الهلال يفوز على النصر في الديربي"]
    verdict = classify_lines([AR_BODY, AR_BODY, "قد يهمك"] + headlines, "ar", STATE)
    assert [r for _, r in removed_reasons(verdict)] == ["related_heading"] + [
        "related_headlines"] * 2
    subheading = classify_lines([AR_BODY, "قد يهمك", AR_BODY], "ar", STATE)
    assert subheading.removed == ()


@pytest.mark.parametrize("lines", [
    # a quoted statement, a short sentence naming an agency, a reported post on a network
    [AR_BODY, "وقال الوزير: «لن نتراجع عن هذا القرار».", "وأكدت وكالة الأنباء الكويتية الخبر.",
     "وكتب الوزير على حسابه في تويتر أن الاجتماع كان مثمراً.", AR_BODY],
    # a list inside the body, introduced by a sentence
    [AR_BODY, "وتشمل القائمة: الرياض، جدة، الدمام.", AR_BODY],
    # a roster and a date closing a sports story
    [AR_BODY, "الهلال: أحمد، خالد، سالم، فهد، علي، ماجد، سعد، يوسف، ناصر، عمر، حسن",
     "النصر: مازن، ياسر، سامي، طلال، بدر، هاني، وليد، نواف، فيصل، زياد، نايف"],
    [FA_BODY, "پیش بازی پرسپولیس - استقلال", FA_BODY, "15/7/1383"],
])
def test_shape_rules_keep_content_that_looks_like_boilerplate(lines):
    verdict = classify_lines(lines, "ar", STATE)
    assert verdict.removed == ()


def test_vocabulary_knows_written_forms():
    from transforms.boilerplate_shape import BIT, fold_term, load_vocabulary
    vocab = load_vocabulary()

    def categories(text):
        tokens = fold_term(text).split()
        return [{name for name, bit in BIT.items() if mark & bit} for mark in vocab.marks(tokens)]

    assert "networks" in categories("وتويتر")[0]                 # a clitic on a name
    assert "tag_labels" in categories("برچسب‌ها")[0]              # ZWNJ gone, Persian plural
    assert categories("وكالة الأنباء الكويتية") == [{"agencies", "outlets"}, {"agencies"},
                                                   {"agencies"}]
    assert "related" not in categories("وآخر")[0]                 # no clitics on cue words


# Listed terms of several words, their words alone and other words: lines whose terms overlap.
_TERMS = sorted(term for term in STATE.vocab.entries if " " in term)[::20]
_TERM_PIECES = _TERMS + sorted({word for term in _TERMS for word in term.split()}) + ["و", "12"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_TERM_PIECES), max_size=8).map(lambda pieces: " ".join(
    pieces).split()), st.integers(1, 4))
def test_marks_of_a_line_opening_are_read_from_its_first_words(tokens, count):
    """`dateline_prefix` marks only a line's first words: the marks of the first `count` tokens
    are those of the first `count - 1 + longest_term` tokens."""
    vocab = STATE.vocab
    assert vocab.marks(tokens[:count - 1 + vocab.longest_term])[:count] == \
        vocab.marks(tokens)[:count]
