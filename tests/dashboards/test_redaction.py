"""Comments lose contact details, ID numbers and names before staff read them."""

from __future__ import annotations

import pytest

from survey_service.features.dashboards.redaction import redact_comment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gọi 0912 345 678 nhé", "Gọi [số điện thoại] nhé"),
        ("SĐT: +84 912.345.678.", "SĐT: [số điện thoại]."),
        ("Tel (024) 3825 1234", "Tel [số điện thoại]"),
        ("0987-654-321", "[số điện thoại]"),
        ("email an.nguyen+1@example.vn giúp", "email [email] giúp"),
        ("CCCD 001203004567", "CCCD [số giấy tờ]"),
        ("CMND 123456789", "CMND [số giấy tờ]"),
        ("hộ chiếu C1234567", "hộ chiếu [số giấy tờ]"),
        ("mã hồ sơ 000.00.23.H26-250101-0001", "mã hồ sơ 000.00.23.H26-[số giấy tờ]"),
        ("chị Lan ở bộ phận một cửa", "chị [tên] ở bộ phận một cửa"),
        ("Anh Nguyễn Văn Hùng rất nhiệt tình", "Anh [tên] rất nhiệt tình"),
        ("Cán bộ Trần Thị Mai hướng dẫn tốt", "Cán bộ [tên] hướng dẫn tốt"),
        ("Đ/c Tuấn giải thích rõ", "Đ/c [tên] giải thích rõ"),
        ("Cảm ơn Nguyễn Văn An và bà Lê Thị Hoa.", "Cảm ơn [tên] và bà [tên]."),
        ("Mr John Smith helped me", "Mr [tên] helped me"),
        # Kept: no personal data.
        ("Phí 1.500.000 đồng, hẹn ngày 12/05/2025", "Phí 1.500.000 đồng, hẹn ngày 12/05/2025"),
        ("Chờ 45 phút, 3 lần bổ sung", "Chờ 45 phút, 3 lần bổ sung"),
        ("Cán bộ hướng dẫn nhiệt tình, chu đáo.", "Cán bộ hướng dẫn nhiệt tình, chu đáo."),
        ("anh ấy rất tốt", "anh ấy rất tốt"),
        ("Bộ phận Một cửa ở Hà Nội sạch sẽ", "Bộ phận Một cửa ở Hà Nội sạch sẽ"),
        ("", ""),
    ],
)
def test_redacts_contacts_ids_and_names(text: str, expected: str) -> None:
    assert redact_comment(text) == expected


def test_known_limits_are_what_the_docstring_says() -> None:
    # A lone given name without a title, and a street named after a person.
    assert redact_comment("cảm ơn lan nhiều") == "cảm ơn lan nhiều"
    assert redact_comment("đường Trần Hưng Đạo") == "đường [tên]"
