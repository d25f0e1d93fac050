from povertyprog.lib.vietnamese import fold, sort_key


def test_fold_removes_diacritics_and_case():
    assert fold("Xã Cẩm Lương") == "xa cam luong"
    assert fold("  ĐỨC   Xuân ") == "duc xuan"
    assert fold("Phường Nguyễn Thị Minh Khai") == "phuong nguyen thi minh khai"


def test_sort_follows_the_vietnamese_alphabet():
    names = ["Huyền Tụng", "Đức Xuân", "Dương Quang", "Ân", "Anh", "Ăn", "Bắc"]
    assert sorted(names, key=sort_key) == [
        "Anh", "Ăn", "Ân", "Bắc", "Dương Quang", "Đức Xuân", "Huyền Tụng",
    ]  # fmt: skip


def test_tones_sort_after_letters():
    # Same letters: ngang < huyền < hỏi < ngã < sắc < nặng.
    assert sorted(["má", "mạ", "ma", "mà", "mã", "mả"], key=sort_key) == [
        "ma", "mà", "mả", "mã", "má", "mạ",
    ]  # fmt: skip
    # Letters decide before tones: "mạ" < "man".
    assert sorted(["man", "mạ"], key=sort_key) == ["mạ", "man"]
