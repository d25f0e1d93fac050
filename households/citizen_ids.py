"""The 12-digit personal identification number (số định danh cá nhân), Thông tư 59/2021/TT-BCA
Art. 7: digits 1-3 the province where the birth was registered, digit 4 the century and sex,
digits 5-6 the last two digits of the year of birth, digits 7-12 a random number.

Plain rules, no database: the forms, the import and the duplicate queue all ask here.
"""

# Province codes of Phụ lục I of Thông tư 59/2021/TT-BCA: the 63 provinces as they were when
# the number was given (the GSO codes of the three-tier tree, with a leading 0). Numbers keep
# their code after the 2025 merger of provinces. tests/test_identity.py checks the list against
# the provinces of fixtures/units.
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 "
    "036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 "
    "074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)


def century_and_sex(digit: int) -> tuple[int, str]:
    """(first year of the century, "M" or "F") of the 4th digit: 0/1 for 1900-1999 (male/female),
    2/3 for 2000-2099, 4/5 for 2100-2199, …"""
    return 1900 + digit // 2 * 100, "F" if digit % 2 else "M"


def citizen_id_problem(number: str, *, sex: str | None = None, birth_year: int | None = None) -> str | None:
    """What is wrong with a personal ID number (None when nothing is), checked against the sex and
    year of birth when they are known."""
    if not (len(number) == 12 and number.isascii() and number.isdigit()):
        return "Số định danh cá nhân gồm đúng 12 chữ số."
    if number[:3] not in PROVINCE_CODES:
        return (
            f"Ba chữ số đầu ({number[:3]}) không phải mã tỉnh nơi đăng ký khai sinh "
            "(Thông tư 59/2021/TT-BCA)."
        )
    return coded_mismatch(number, sex=sex, birth_year=birth_year)


def coded_mismatch(number: str, *, sex: str | None, birth_year: int | None) -> str | None:
    """What a well-formed number (citizen_id_problem found nothing else wrong) says against the
    sex and year of birth entered; None when it agrees, or when they are unknown."""
    century, coded_sex = century_and_sex(int(number[3]))
    coded_year = century + int(number[4:6])
    if sex and sex != coded_sex:
        told = "nam" if coded_sex == "M" else "nữ"
        return f"Chữ số thứ tư ({number[3]}) là mã của giới tính {told}, khác giới tính đã nhập."
    if birth_year and birth_year != coded_year:
        return (
            f"Chữ số thứ tư đến thứ sáu ({number[3:6]}) cho năm sinh {coded_year}, "
            f"khác năm sinh {birth_year}."
        )
    return None
