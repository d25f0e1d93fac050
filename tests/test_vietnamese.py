from povertyprog.lib.vietnamese import fold, person_sort_key, sort_key, text_sort_key


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


def test_stored_sort_key_orders_like_sort_key():
    names = ["Đức Xuân", "Dương Quang", "An", "An Bình", "Anh", "Ăn", "Huyền Tụng", "mạ", "man"]
    assert sorted(names, key=text_sort_key) == sorted(names, key=sort_key)
    assert text_sort_key("An").isdigit()


def test_people_sort_by_given_name_first():
    people = ["Trần Văn Bình", "Nguyễn Thị An", "Lê Đức Anh", "Hoàng Văn Ân"]
    assert sorted(people, key=person_sort_key) == [
        "Nguyễn Thị An", "Lê Đức Anh", "Hoàng Văn Ân", "Trần Văn Bình",
    ]  # fmt: skip


def test_tones_count_syllable_by_syllable():
    names = ["Lục Thị Dung", "Lành Minh Dũng", "Hà Ngọc Dung"]
    assert sorted(names, key=person_sort_key) == ["Hà Ngọc Dung", "Lục Thị Dung", "Lành Minh Dũng"]


def test_synthetic_members_derive_exactly_the_intended_indicators():
    import random
    from datetime import date
    from itertools import combinations

    from households.indicators import derive_from_members
    from households.review import member_facts
    from households.synthetic import MEMBER_LEVEL, members_for

    rng = random.Random(1)
    for size in range(len(MEMBER_LEVEL) + 1):
        for flags in combinations(MEMBER_LEVEL, size):
            members = members_for(rng, set(flags), 2022, "01")
            for year in (2022, 2024):  # ages move on; the derivation must not
                derived = derive_from_members([member_facts(m, date(year, 11, 15)) for m in members])
                assert {f for f, v in derived.items() if v} == set(flags), (flags, year)
