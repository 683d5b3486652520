"""Template families of injected boilerplate for the generalization benchmark.

Every line is drawn fresh for each article: names, places, agencies, dates, codes, tag lists and
handles come from the pools below at random, so no injected line repeats across articles the
way a site template would (the per-site repetition signal cannot catch them). Lines of one
*family* share a phrasing skeleton; families are split into `dev` (looked at while writing the
shape rules of `transforms/boilerplate_shape.py`) and `heldout` (only scored). None of the
skeletons is taken from `configs/boilerplate.yaml` or from the devkit's builder.

Slots: {name} {city} {agency} {date} {time} {num} {code} {initials} {tags} {network} {handle}
{site} {section} {url} {year}. Pools mix places and agencies the vocabulary lists know with
some they do not (small towns, minor outlets), as a new site would.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

KINDS = ("site_section", "byline_dateline", "source_credit", "promo", "tag_line", "end_code",
         "related_heading")


@dataclass(frozen=True)
class Family:
    kind: str
    lang: str
    name: str
    split: str  # "dev" or "heldout"
    variants: tuple[str, ...]


def _families(lang: str, kind: str, dev: list[tuple[str, ...]], heldout: list[tuple[str, ...]]):
    out = []
    for split, groups in (("dev", dev), ("heldout", heldout)):
        for n, variants in enumerate(groups):
            out.append(Family(kind, lang, f"{lang}.{kind}.{split}{n}", split, tuple(variants)))
    return out


FAMILIES: list[Family] = []

# --- Arabic -----------------------------------------------------------------------------------
FAMILIES += _families("ar", "site_section", dev=[
    ("{section} | {site}", "{site} | {section}"),
    ("الرئيسية / {section} / {section2}", "الصفحة الرئيسية > {section}"),
    ("القسم: {section}", "التصنيف: {section}"),
], heldout=[
    ("{site} - {section}", "{section} - {site}"),
    ("أخبار {section}", "{section} و{section2}"),
    ("الباب: {section}", "ركن {section}"),
])
FAMILIES += _families("ar", "byline_dateline", dev=[
    ("{city} | {name}", "{city} - {name}"),
    ("مراسل {site} في {city}: {name}", "مراسلنا في {city} – {name}"),
    ("{city}، {date}", "{city} في {date}"),
], heldout=[
    ("{name} | {city}", "{name} – {city} – {date}"),
    ("{city} ({agency})", "{city} - {agency}"),
    ("تغطية: {name}", "{date} | {time}"),
])
FAMILIES += _families("ar", "source_credit", dev=[
    ("({agency})", "[{agency}]"),
    ("نقلاً عن {agency}", "نقلا عن موقع {site}"),
    ("بحسب {agency}", "وفقاً لـ {agency}"),
], heldout=[
    ("- {agency}", "{agency} -"),
    ("عن {agency} بتصرف", "خدمة {agency}"),
    ("مصادر الخبر: {agency}، {agency2}", "مصدر الصورة والخبر: {agency}"),
])
FAMILIES += _families("ar", "promo", dev=[
    ("تابعونا على {network} لمعرفة آخر المستجدات", "تابعوا حسابنا على {network} {handle}"),
    ("حمّل تطبيق {site} مجاناً من {store}", "نزّل تطبيقنا على {store} و{store2}"),
    ("انضم إلى قناتنا على {network} لتصلك الأخبار العاجلة", "اشترك في قناتنا على {network}"),
], heldout=[
    ("لمتابعة أخبار {site} أولاً بأول عبر {network} اضغط هنا", "للمزيد تابعونا عبر {network}: {handle}"),
    ("كن أول من يعرف: فعّل إشعارات {site} على {network}", "ابقوا على اطلاع عبر {network} و{network2}"),
    ("{site} الآن على {store}", "صفحتنا على {network}: {url}"),
])
FAMILIES += _families("ar", "tag_line", dev=[
    ("كلمات البحث: {tags}", "وسوم الخبر: {tags}"),
    ("التصنيفات: {tags}", "تصنيفات: {tags}"),
    ("{hashtags}",),
], heldout=[
    ("العلامات: {tags}", "علامات: {tags}"),
    ("مواضيع: {tags}", "المحاور: {tags}"),
    ("ملفات ذات صلة: {tags}", "هاشتاج: {hashtags}"),
])
FAMILIES += _families("ar", "end_code", dev=[
    ("{code}",), ("{initials}",), ("/ انتهى /", "ـ انتهى ـ"),
], heldout=[
    ("{num} * {num2} * {num3}",), ("{initials} / {initials2}",), ("(النهاية)", "تمت"),
])
FAMILIES += _families("ar", "related_heading", dev=[
    ("شاهد أيضاً", "طالع أيضا"),
    ("اقرأ المزيد", "المزيد من {section}"),
    ("مقالات مقترحة", "قصص مشابهة"),
], heldout=[
    ("قد يهمك أيضاً", "لا تفوتك"),
    ("الأكثر تداولاً", "الأحدث"),
    ("أخبار مماثلة", "في السياق نفسه"),
])

# --- Persian / Dari ---------------------------------------------------------------------------
FAMILIES += _families("fa", "site_section", dev=[
    ("{section} | {site}", "{site} | {section}"),
    ("خانه / {section} / {section2}", "صفحه اصلی > {section}"),
    ("سرویس: {section}", "بخش: {section}"),
], heldout=[
    ("{site} - {section}", "{section} - {site}"),
    ("اخبار {section}", "{section} و {section2}"),
    ("دسته: {section}", "گروه {section}"),
])
FAMILIES += _families("fa", "byline_dateline", dev=[
    ("{city} | {name}", "{city} - {name}"),
    ("خبرنگار {site} در {city}: {name}", "خبرنگار ما از {city} – {name}"),
    ("{city}، {date}", "{city} - {date}"),
], heldout=[
    ("{name} | {city}", "{name} – {city} – {date}"),
    ("{city} ({agency})", "{city} - {agency}"),
    ("تدوین: {name}", "{date} | {time}"),
])
FAMILIES += _families("fa", "source_credit", dev=[
    ("({agency})", "[{agency}]"),
    ("به نقل از {agency}", "برگرفته از {agency}"),
    ("منبع خبر {agency}", "منبع تصویر و خبر: {agency}"),
], heldout=[
    ("- {agency}", "{agency} -"),
    ("نقل از سایت {site}", "اقتباس از {agency}"),
    ("منبع‌ها: {agency} و {agency2}", "عکس و خبر از {agency}"),
])
FAMILIES += _families("fa", "promo", dev=[
    ("ما را در {network} دنبال کنید", "صفحه {site} را در {network} دنبال کنید"),
    ("اپلیکیشن {site} را از {store} دانلود کنید", "نسخه اندروید {site} را از {store} نصب کنید"),
    ("به کانال {site} در {network} بپیوندید", "عضو کانال ما در {network} شوید"),
], heldout=[
    ("برای دریافت اخبار فوری، {site} را در {network} دنبال کنید", "کانال {network} ما: {handle}"),
    ("آخرین اخبار را در {network} و {network2} ببینید", "{site} در {network}: {url}"),
    ("{site} را از {store} بگیرید", "اعلان‌های {site} را در {network} فعال کنید"),
])
FAMILIES += _families("fa", "tag_line", dev=[
    ("کلیدواژگان: {tags}", "برچسب‌های خبر: {tags}"),
    ("دسته‌بندی: {tags}", "طبقه‌بندی: {tags}"),
    ("{hashtags}",),
], heldout=[
    ("واژگان کلیدی: {tags}", "واژه‌های کلیدی: {tags}"),
    ("موضوع: {tags}", "پرونده‌ها: {tags}"),
    ("تگ‌های مرتبط: {tags}", "هشتگ: {hashtags}"),
])
FAMILIES += _families("fa", "end_code", dev=[
    ("{code}",), ("{initials}",), ("/ پایان /", "ـ پایان ـ"),
], heldout=[
    ("{num} * {num2} * {num3}",), ("{initials} / {initials2}",), ("(پایان)", "تمام"),
])
FAMILIES += _families("fa", "related_heading", dev=[
    ("ببینید", "این را هم ببینید"),
    ("بیشتر بدانید", "بیشتر از {section}"),
    ("انتخاب سردبیر", "ویدئوهای مرتبط"),
], heldout=[
    ("شاید برایتان جالب باشد", "از دست ندهید"),
    ("پرخواننده‌ترین‌ها", "جدیدترین خبرها"),
    ("در همین زمینه", "پیوندهای مرتبط"),
])

# Content lines that look a little like boilerplate: they must stay. Put inside the body.
CONTENT_LINES = {
    "ar": [
        "وقال {name}: «لن نتراجع عن هذا القرار».",
        "وأكدت {agency} الخبر في وقت لاحق.",
        "ولم يصدر أي تعليق رسمي.",
        "وتشمل القائمة: {tags}.",
        "وكتب {name} على حسابه في {network} أن الاجتماع كان مثمراً.",
        "وفي {city}، خرج المئات إلى الشوارع.",
    ],
    "fa": [
        "{name} گفت: «از این تصمیم عقب نمی‌نشینیم».",
        "{agency} این خبر را تأیید کرد.",
        "هنوز واکنش رسمی منتشر نشده است.",
        "فهرست نامزدها عبارت است از: {tags}.",
        "{name} در صفحه خود در {network} نوشت که نشست مثبت بود.",
        "در {city} صدها نفر به خیابان آمدند.",
    ],
}

# Dateline prefixes glued to the first paragraph: the prefix is boilerplate, the rest content.
DATELINE_PREFIXES = {
    "ar": {"dev": ["{city} - {agency}: ", "{city} – {date} ({agency}) – "],
           "heldout": ["{city} ({agency}) - ", "{city}، {date} — "]},
    "fa": {"dev": ["{city} - {agency}: ", "{city} – {date} ({agency}) – "],
           "heldout": ["{city} ({agency}) - ", "{city}، {date} — "]},
}

# --- slot pools -------------------------------------------------------------------------------
_AR_FIRST = ["أحمد", "منى", "خالد", "ريم", "يوسف", "هالة", "طارق", "لينا", "سامر", "نادية", "وليد",
             "دعاء", "مازن", "سلمى", "عمرو", "رنا", "إياد", "غادة", "باسل", "هيفاء"]
_AR_LAST = ["الشهري", "المصري", "الخطيب", "العلي", "بن سالم", "الحسيني", "عبد الرحمن", "النجار",
            "الزعبي", "الكبيسي", "المهيري", "الحداد", "العمري", "البلوشي", "الساعدي", "المطيري"]
_FA_FIRST = ["سعید", "نازنین", "رضا", "پریسا", "مهدی", "الهام", "بهروز", "فرشته", "احمد", "شبنم",
             "فرید", "لیلا", "حمید", "زهره", "نوید", "گلاله", "عبدالله", "مریم", "شفیق", "ماریا"]
_FA_LAST = ["رحیمی", "نوروزی", "کاظمی", "صالحی", "یوسفزی", "احمدزی", "قربانی", "جعفری", "هاشمی",
            "اکبری", "نظری", "سادات", "پوپل", "حیدری", "وردک", "مرادی"]
# known to the place lists / not (small towns a list cannot hold)
_AR_CITIES = ["الرياض", "القاهرة", "بيروت", "عمّان", "الدوحة", "الكويت", "بغداد", "تونس", "الرباط",
              "دبي", "مسقط", "الخرطوم", "غزة", "صنعاء", "الخرج", "بيشة", "الزلفي", "المحرق", "نزوى",
              "طبرق", "الكرك"]
_FA_CITIES = ["تهران", "مشهد", "اصفهان", "تبریز", "شیراز", "کابل", "هرات", "مزار شریف", "قندهار",
              "بامیان", "اهواز", "ملایر", "بروجرد", "میانه", "تربت جام", "شیندند", "اسپین بولدک"]
_AR_AGENCIES = ["واس", "وام", "قنا", "كونا", "بنا", "سانا", "واع", "بترا", "أ ش أ", "وفا", "سبأ",
                "رويترز", "أ ف ب", "د ب أ", "الأناضول", "شينخوا", "وكالة الأنباء الكويتية",
                "وكالة أنباء الإمارات", "فرانس برس", "وكالات", "سبوتنيك", "إرنا", "العمانية",
                "وكالة الأنباء القطرية", "وكالة المغرب العربي للأنباء"]
_FA_AGENCIES = ["ایرنا", "ایسنا", "فارس", "تسنیم", "مهر", "ایلنا", "باختر", "پژواک", "طلوع‌نیوز",
                "خبرگزاری ایرنا", "خبرگزاری تسنیم", "آژانس خبری باختر", "خبرگزاری پژواک",
                "رویترز", "خبرگزاری فرانسه", "ایکنا", "شبستان", "برنا", "باشگاه خبرنگاران جوان",
                "خبرگزاری آوا"]
_AR_MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
              "أكتوبر", "نوفمبر", "ديسمبر", "كانون الثاني", "شباط", "آذار", "نيسان", "أيار",
              "حزيران", "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول"]
_FA_MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی",
              "بهمن", "اسفند", "حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب",
              "قوس", "جدی", "دلو", "حوت"]
_AR_WEEKDAYS = ["السبت", "الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة"]
_FA_WEEKDAYS = ["شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه"]
_AR_SECTIONS = ["سياسة", "اقتصاد", "رياضة", "محليات", "ثقافة", "منوعات", "تكنولوجيا", "صحة",
                "دوليات", "حوادث", "مجتمع", "فنون"]
_FA_SECTIONS = ["سیاسی", "اقتصادی", "ورزشی", "اجتماعی", "فرهنگی", "بین‌الملل", "فناوری", "سلامت",
                "حوادث", "استان‌ها", "فرهنگ و هنر", "ولایات"]
_AR_SITE_WORDS = ["الفجر", "النهار", "الشروق", "الغد", "المشهد", "الحدث اليوم", "البيان", "الميدان",
                  "الأفق", "المرصد", "الضفة", "الواحة"]
_FA_SITE_WORDS = ["آفتاب", "افق", "خبرنامه", "صبح امروز", "هشت صبح", "دیده‌بان", "آرمان", "پیام نو",
                  "نبض", "اطلاعات روز", "ستاره", "رهیاب"]
_AR_NETWORKS = ["تويتر", "فيسبوك", "انستغرام", "يوتيوب", "تيليجرام", "واتساب", "تيك توك",
                "سناب شات", "منصة إكس", "لينكد إن"]
_FA_NETWORKS = ["تلگرام", "اینستاگرام", "ایتا", "بله", "روبیکا", "توییتر", "یوتیوب", "آپارات",
                "واتساپ", "فیسبوک", "سروش پلاس", "ایکس"]
_AR_STORES = ["متجر آبل", "جوجل بلاي", "آب ستور", "متجر هواوي", "App Store", "Google Play"]
_FA_STORES = ["کافه‌بازار", "مایکت", "گوگل‌پلی", "اپ استور", "سیب‌اپ", "Google Play"]
_AR_TOPICS = ["النفط", "التعليم", "الانتخابات", "كأس العالم", "الذهب", "البطالة", "المناخ",
              "الصحة العامة", "الدوري", "الأسهم", "الإسكان", "الطيران", "السياحة", "الزراعة",
              "الأمن الغذائي", "الطاقة المتجددة", "رمضان", "الحج"]
_FA_TOPICS = ["بورس", "تورم", "انتخابات", "لیگ برتر", "طلا", "بیکاری", "آب و هوا", "کنکور",
              "مسکن", "خودرو", "دلار", "کرونا", "یارانه", "بنزین", "قهرمانی آسیا", "مجلس",
              "حمل و نقل", "صادرات"]
_AR_LETTERS = list("أبتثجحخدذرزسشصضطظعغفقكلمنهوي")
_FA_LETTERS = list("ابپتجچحخدرزژسشصطعغفقکگلمنوهی")


def _digits(text: str, lang: str, rng: random.Random) -> str:
    """Sometimes in the script's own digits, as real sites write them."""
    if rng.random() < 0.4:
        table = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩" if lang == "ar" else "۰۱۲۳۴۵۶۷۸۹")
        return text.translate(table)
    return text


def _date(lang: str, rng: random.Random) -> str:
    day = rng.randint(1, 30)
    if lang == "ar":
        year = rng.choice([rng.randint(2014, 2025), rng.randint(1435, 1446)])
        month = rng.choice(_AR_MONTHS)
        shapes = [f"{day} {month} {year}", f"{rng.choice(_AR_WEEKDAYS)} {day} {month} {year}",
                  f"{day}/{rng.randint(1, 12)}/{rng.randint(2014, 2025)}",
                  f"{rng.choice(_AR_WEEKDAYS)}، {day} {month}"]
    else:
        year = rng.randint(1390, 1403)
        month = rng.choice(_FA_MONTHS)
        shapes = [f"{day} {month} {year}", f"{rng.choice(_FA_WEEKDAYS)} {day} {month} {year}",
                  f"{year}/{rng.randint(1, 12):02d}/{day:02d}", f"{rng.choice(_FA_WEEKDAYS)}، {day} {month}"]
    return _digits(rng.choice(shapes), lang, rng)


def _initials(lang: str, rng: random.Random) -> str:
    letters = _AR_LETTERS if lang == "ar" else _FA_LETTERS
    parts = [rng.choice(letters) for _ in range(rng.randint(1, 3))]
    return rng.choice([".", " ", ""]).join(parts) if len(parts) > 1 else parts[0]


def _code(lang: str, rng: random.Random) -> str:
    shapes = [lambda: f"{rng.randint(10, 99)}*{rng.randint(100, 999)}*{rng.randint(1000, 9999)}",
              lambda: f"{_initials(lang, rng)}/{_initials(lang, rng)}/{rng.randint(10, 99)}",
              lambda: f"{rng.randint(1000, 999999)}/{_initials(lang, rng)}",
              lambda: f"** {rng.randint(100, 9999)} **",
              lambda: f"{_initials(lang, rng)}-{rng.randint(1, 99)}/{rng.randint(1, 12)}"]
    return _digits(rng.choice(shapes)(), lang, rng)


def _tags(lang: str, rng: random.Random) -> str:
    topics = rng.sample(_AR_TOPICS if lang == "ar" else _FA_TOPICS, rng.randint(2, 6))
    return rng.choice(["، ", " - ", ", ", " | ", " / "]).join(topics)


def _hashtags(lang: str, rng: random.Random) -> str:
    topics = rng.sample(_AR_TOPICS if lang == "ar" else _FA_TOPICS, rng.randint(2, 5))
    return " ".join("#" + t.replace(" ", "_") for t in topics)


def _handle(rng: random.Random) -> str:
    stem = rng.choice(["news", "akhbar", "khabar", "daily", "press", "today", "media"])
    return f"@{stem}{rng.choice(['_', ''])}{rng.randint(1, 999)}"


def fill(template: str, lang: str, rng: random.Random) -> str:
    """One fresh line from a template: every slot drawn at random."""
    ar = lang == "ar"
    first, last = (_AR_FIRST, _AR_LAST) if ar else (_FA_FIRST, _FA_LAST)
    agencies = _AR_AGENCIES if ar else _FA_AGENCIES
    networks = _AR_NETWORKS if ar else _FA_NETWORKS
    stores = _AR_STORES if ar else _FA_STORES
    sections = _AR_SECTIONS if ar else _FA_SECTIONS
    site_words = _AR_SITE_WORDS if ar else _FA_SITE_WORDS
    site = rng.choice(site_words)
    site = rng.choice([site, f"{site} نيوز" if ar else f"{site} نیوز", site])
    two_sections = rng.sample(sections, 2)
    two_agencies = rng.sample(agencies, 2)
    two_networks = rng.sample(networks, 2)
    two_stores = rng.sample(stores, 2)
    initials = [_initials(lang, rng), _initials(lang, rng)]
    values = {
        "name": f"{rng.choice(first)} {rng.choice(last)}",
        "city": rng.choice(_AR_CITIES if ar else _FA_CITIES),
        "agency": two_agencies[0], "agency2": two_agencies[1],
        "date": _date(lang, rng),
        "time": _digits(f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}", lang, rng),
        "num": _digits(str(rng.randint(10, 9999)), lang, rng),
        "num2": _digits(str(rng.randint(10, 9999)), lang, rng),
        "num3": _digits(str(rng.randint(10, 9999)), lang, rng),
        "code": _code(lang, rng),
        "initials": initials[0], "initials2": initials[1],
        "tags": _tags(lang, rng), "hashtags": _hashtags(lang, rng),
        "network": two_networks[0], "network2": two_networks[1],
        "store": two_stores[0], "store2": two_stores[1],
        "handle": _handle(rng),
        "site": site,
        "section": two_sections[0], "section2": two_sections[1],
        "url": f"www.{rng.choice(['alghad', 'alufuq', 'khabarnameh', 'sobh', 'nabz', 'mirsad'])}"
               f"{rng.randint(1, 99)}.{rng.choice(['com', 'net', 'ir', 'af', 'info'])}",
        "year": str(rng.randint(2014, 2025)),
    }
    return template.format(**values)
