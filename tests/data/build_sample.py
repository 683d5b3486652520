"""Builds the bundled sample (`pipeline/sample/`) from the five seed articles in `seeds/`.

The sample shows what khabar does on one screen of output: the seeds as they came, plus variants
made here from them: one saved as windows-1256, one as UTF-16, one pasted with cp1256 mojibake,
a near-duplicate copy with a different header and footer, and a JSONL feed with a malformed
line and a record without text. Deterministic: rerunning it rewrites identical bytes, and a test
checks the committed sample against it.

    python tests/data/build_sample.py
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = HERE / "seeds"
SAMPLE = HERE.parents[1] / "pipeline" / "sample"


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def _near_duplicate(text: str) -> str:
    """The same story as another site would publish it: a new header, credit and prompts."""
    lines = text.split("\n")
    body = lines[:-1] if not lines[-1] else lines
    return "\n".join(["خبرآنلاین", *body, "منبع : خبرگزاری ایسنا", "اشتراک گذاری"]) + "\n"


def sample_files() -> dict[str, bytes]:
    """File name -> bytes of every sample input."""
    files = {path.name: path.read_bytes() for path in sorted(SEEDS.glob("*.txt"))}
    arabic, persian_titled, persian_site, dari = _seed("002"), _seed("001"), _seed("003"), _seed("004")
    files["variants/002_as_windows1256.txt"] = arabic.encode("cp1256")
    files["variants/003_as_utf16.txt"] = persian_site.encode("utf-16")
    files["variants/001_mojibake_cp1256.txt"] = (
        persian_titled.encode("utf-8").decode("cp1256").encode("utf-8"))
    files["variants/000_republished.txt"] = _near_duplicate(_seed("000")).encode("utf-8")
    title, _, body = dari.partition("\n")
    feed = [
        json.dumps({"id": "feed-004", "title": title.strip(), "text": body.strip(),
                    "url": "https://example.af/news/blinken-lavrov?utm_source=feed",
                    "site": "example.af"},
                   ensure_ascii=False),
        '{"id": "feed-broken", "text": "بلینکن و لاوروف',
        json.dumps({"id": "feed-no-text", "title": title.strip()}, ensure_ascii=False),
    ]
    files["feeds/feed.jsonl"] = ("\n".join(feed) + "\n").encode("utf-8")
    return files


def main() -> None:
    for name, data in sample_files().items():
        path = SAMPLE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"wrote {len(sample_files())} files to {SAMPLE}")


if __name__ == "__main__":
    main()
