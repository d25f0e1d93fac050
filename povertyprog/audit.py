"""Where a change came from, recorded with every audit row (django-simple-history's change reason):
the history pages show who, when, from where, and the values before and after."""

PAGE = "Trang nhập liệu"
DEMO = "Dữ liệu mẫu"
WORKFLOW = "Quy trình báo cáo"
DERIVED = "Tính lại diễn biến từ năm khác"


def from_file(name: str) -> str:
    return f"Nhập tệp {name}"[:100]


def carried(resolution: str | None) -> str:
    """The audit reason of a household carried into a commune of the 2025 arrangement."""
    return f"Sắp xếp đơn vị hành chính: {resolution or 'cấp xã từ 01/7/2025'}"[:100]
