"""Seeds the 9 criteria of Phiếu A (wording unconfirmed, editable by the administrator: D49) and
each commune's village list from the village names its households already carry. Frozen data and
a frozen folding function: this migration never imports application code."""

import unicodedata

from django.db import migrations

PHIEU_A = [
    "Hộ có thành viên đang làm việc hưởng lương thường xuyên từ ngân sách nhà nước hoặc có hợp đồng lao động từ 12 tháng trở lên",
    "Hộ có thành viên đang hưởng lương hưu hoặc trợ cấp bảo hiểm xã hội hằng tháng",
    "Hộ có nhà ở kiên cố, diện tích bình quân trên 30 m²/người",
    "Hộ có ô tô (trừ xe dùng để kinh doanh vận tải của hộ nghèo đã vay vốn)",
    "Hộ có máy điều hòa nhiệt độ",
    "Hộ có máy giặt hoặc tủ lạnh có giá trị lớn",
    "Hộ có tàu, thuyền, máy móc sản xuất có giá trị từ 50 triệu đồng trở lên",
    "Hộ có đất sản xuất, mặt nước trên mức bình quân của thôn và có thu nhập ổn định từ đó",
    "Hộ có cơ sở sản xuất, kinh doanh, dịch vụ thường xuyên thuê lao động",
]


def fold(text):
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Mn").lower().split())


def seed(apps, schema_editor):
    Criterion = apps.get_model("households", "PhieuACriterion")
    Criterion.objects.bulk_create(
        [Criterion(number=n, text=t) for n, t in enumerate(PHIEU_A, 1)], ignore_conflicts=True
    )
    Household = apps.get_model("households", "Household")
    Village = apps.get_model("households", "Village")
    seen, villages = set(), []
    rows = Household.objects.values_list("commune_id", "village").distinct().order_by("commune_id", "village")
    for commune_id, name in rows.iterator():
        name = " ".join(name.split())
        key = (commune_id, fold(name))
        if name and key not in seen:
            seen.add(key)
            villages.append(Village(commune_id=commune_id, name=name, folded=key[1]))
    Village.objects.bulk_create(villages, batch_size=2000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("households", "0013_review_season")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
