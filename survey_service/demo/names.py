"""Names of the demo city's units: Hà Nội's administration since 1 July 2025.

The 16 specialised agencies are those left after the February 2025 merger (the transport,
planning-and-investment, natural-resources, information and labour departments were folded
into others; a department of ethnic minorities and religion was created). The 126 communes
and wards (51 phường, 75 xã) and the 30 reception points of the public-administration
service centre follow the two-level local government that started on 1 July 2025; the
reception points sit in the seats of the 30 former districts. Names are written with their
Vietnamese diacritics and are NFC-normalised where they are used.
"""

from __future__ import annotations

__all__ = [
    "BRANCH_SIZES",
    "CITY",
    "COMMUNES",
    "DEPARTMENTS",
    "RECEPTION_POINTS",
    "WARDS",
]

CITY = ("HN", "Thành phố Hà Nội", "Hà Nội City")

# (code, Vietnamese name, English name)
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("SO-TC", "Sở Tài chính", "Department of Finance"),
    ("SO-XD", "Sở Xây dựng", "Department of Construction"),
    ("SO-NV", "Sở Nội vụ", "Department of Home Affairs"),
    ("SO-TP", "Sở Tư pháp", "Department of Justice"),
    ("SO-YT", "Sở Y tế", "Department of Health"),
    ("SO-GDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training"),
    ("SO-NNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment"),
    ("SO-CT", "Sở Công Thương", "Department of Industry and Trade"),
    ("SO-KHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology"),
    ("SO-VHTT", "Sở Văn hóa và Thể thao", "Department of Culture and Sports"),
    ("SO-DL", "Sở Du lịch", "Department of Tourism"),
    ("SO-DTTG", "Sở Dân tộc và Tôn giáo", "Department of Ethnic Minorities and Religion"),
    ("SO-QHKT", "Sở Quy hoạch - Kiến trúc", "Department of Planning and Architecture"),
    ("SO-NGV", "Sở Ngoại vụ", "Department of Foreign Affairs"),
    ("TTTP", "Thanh tra Thành phố", "City Inspectorate"),
    ("VP-UBND", "Văn phòng Ủy ban nhân dân Thành phố", "Office of the City People's Committee"),
)

WARDS: tuple[str, ...] = (
    "Hoàn Kiếm", "Cửa Nam", "Ba Đình", "Ngọc Hà", "Giảng Võ", "Hai Bà Trưng", "Vĩnh Tuy",
    "Bạch Mai", "Đống Đa", "Kim Liên", "Văn Miếu - Quốc Tử Giám", "Láng", "Ô Chợ Dừa",
    "Hồng Hà", "Lĩnh Nam", "Hoàng Mai", "Vĩnh Hưng", "Tương Mai", "Định Công", "Hoàng Liệt",
    "Yên Sở", "Thanh Xuân", "Khương Đình", "Phương Liệt", "Cầu Giấy", "Nghĩa Đô", "Yên Hòa",
    "Tây Hồ", "Phú Thượng", "Tây Tựu", "Phú Diễn", "Xuân Đỉnh", "Đông Ngạc", "Thượng Cát",
    "Từ Liêm", "Xuân Phương", "Tây Mỗ", "Đại Mỗ", "Long Biên", "Bồ Đề", "Việt Hưng",
    "Phúc Lợi", "Hà Đông", "Dương Nội", "Yên Nghĩa", "Phú Lương", "Kiến Hưng", "Thanh Liệt",
    "Chương Mỹ", "Sơn Tây", "Tùng Thiện",
)  # fmt: skip

COMMUNES: tuple[str, ...] = (
    "Thanh Trì", "Đại Thanh", "Nam Phù", "Ngọc Hồi", "Thượng Phúc", "Thường Tín",
    "Chương Dương", "Hồng Vân", "Phú Xuyên", "Phượng Dực", "Chuyên Mỹ", "Đại Xuyên",
    "Thanh Oai", "Bình Minh", "Tam Hưng", "Dân Hòa", "Vân Đình", "Ứng Thiên", "Hòa Xá",
    "Ứng Hòa", "Mỹ Đức", "Hồng Sơn", "Phúc Sơn", "Hương Sơn", "Phú Nghĩa", "Xuân Mai",
    "Trần Phú", "Hòa Phú", "Quảng Bị", "Minh Châu", "Quảng Oai", "Vật Lại", "Cổ Đô",
    "Bất Bạt", "Suối Hai", "Ba Vì", "Yên Bài", "Đoài Phương", "Phúc Thọ", "Phúc Lộc",
    "Hát Môn", "Thạch Thất", "Hạ Bằng", "Tây Phương", "Hòa Lạc", "Yên Xuân", "Quốc Oai",
    "Hưng Đạo", "Kiều Phú", "Phú Cát", "Hoài Đức", "Dương Hòa", "Sơn Đồng", "An Khánh",
    "Đan Phượng", "Ô Diên", "Liên Minh", "Gia Lâm", "Thuận An", "Bát Tràng", "Phù Đổng",
    "Thư Lâm", "Đông Anh", "Phúc Thịnh", "Thiên Lộc", "Vĩnh Thanh", "Mê Linh", "Yên Lãng",
    "Tiến Thắng", "Quang Minh", "Sóc Sơn", "Đa Phúc", "Nội Bài", "Trung Giã", "Kim Anh",
)  # fmt: skip

# The seats of the 30 former districts, in the order of the branches that serve them.
RECEPTION_POINTS: tuple[str, ...] = (
    "Hoàn Kiếm", "Ba Đình", "Tây Hồ", "Đống Đa", "Hai Bà Trưng", "Hoàng Mai", "Thanh Xuân",
    "Cầu Giấy", "Bắc Từ Liêm", "Nam Từ Liêm", "Long Biên", "Gia Lâm", "Đông Anh", "Sóc Sơn",
    "Mê Linh", "Hà Đông", "Thanh Trì", "Thường Tín", "Phú Xuyên", "Thanh Oai", "Ứng Hòa",
    "Mỹ Đức", "Chương Mỹ", "Quốc Oai", "Thạch Thất", "Hoài Đức", "Đan Phượng", "Phúc Thọ",
    "Sơn Tây", "Ba Vì",
)  # fmt: skip

# Reception points per branch (12 branches, 30 points), in the order above.
BRANCH_SIZES: tuple[int, ...] = (3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2)
