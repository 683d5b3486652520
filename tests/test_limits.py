import pytest

from transforms.limits import LimitsConfig, check_limits
from transforms.model import Doc, Reject


def test_within_limits_returns_the_same_document():
    doc = Doc(id="a", source="a.txt", text="سطر اول\nسطر دوم")
    assert check_limits(doc, LimitsConfig()) is doc


@pytest.mark.parametrize("text, reason", [("x" * 11, "too_large"), ("ab\n" + "y" * 6, "line_too_long")])
def test_each_limit_has_its_own_reason(text, reason):
    with pytest.raises(Reject) as caught:
        check_limits(Doc(id="a", source="a.txt", text=text),
                     LimitsConfig(max_line_chars=5, max_text_chars=10))
    assert caught.value.reason == reason and "limits." in caught.value.detail
