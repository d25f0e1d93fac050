"""Vietnamese text: diacritic-free search keys and dictionary sort order.

Pure functions, no Django: used by models (stored search keys), selectors and tests.
"""

import functools
import unicodedata

# Combining marks that change the letter (ă, â, ê, ô, ơ, ư) and those that carry the tone.
_LETTER_MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
# Dictionary order of tones: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONE_ORDER = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

# Vietnamese alphabet: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y.
# Foreign letters (f, j, w, z) are slotted next to their neighbours.
_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l",
    "m", "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}


def _fold_table() -> dict[int, str | None]:
    """Each accented Latin letter -> its base letter, combining marks -> removed, đ -> d."""
    table: dict[int, str | None] = {}
    for code in range(0xC0, 0x2000):
        ch = chr(code)
        if unicodedata.combining(ch):
            table[code] = None
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base != ch and base:
            table[code] = base
    table[ord("đ")] = table[ord("Đ")] = "d"
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower case without diacritics: 'Xã Cẩm Lương' -> 'xa cam luong'.

    Used as the stored search key so that search works the same on SQLite and PostgreSQL.
    One str.translate (precomposed or decomposed input alike): it runs for every imported row.
    """
    return " ".join(text.casefold().translate(_FOLD).split())


def _letters_and_tones(word: str) -> tuple[list[str], int]:
    letters: list[str] = []
    tone = 0
    for ch in unicodedata.normalize("NFD", word.casefold()):
        if ch in _TONE_ORDER:
            tone = _TONE_ORDER[ch]
        elif ch in _LETTER_MARKS and letters:
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + ch)
        elif not unicodedata.combining(ch):
            letters.append(ch)
    return letters, tone


def sort_key(text: str) -> tuple:
    """Key that sorts Vietnamese text in dictionary order: syllable by syllable, the letters
    (a < ă < â < b … < đ …) and then the tone (ngang < huyền < hỏi < ngã < sắc < nặng).

    Python's default order puts 'Đ' after 'Z' and 'Ấ' after 'A…Z'; officials expect
    'Đức Xuân' between 'Dương Quang' and 'Huyền Tụng', and 'Dung' before 'Dũng'.
    """
    return tuple(_syllable_key(word) for word in text.split())


@functools.lru_cache(maxsize=50_000)
def _syllable_key(word: str) -> tuple[tuple[int, ...], int]:
    # Cached: a registry has a few thousand distinct syllables and hundreds of thousands of names.
    letters, tone = _letters_and_tones(word)
    return tuple(_RANK.get(ch, 100 + ord(ch)) for ch in letters), tone


@functools.lru_cache(maxsize=50_000)
def _syllable_digits(word: str) -> str:
    letters, tone = _syllable_key(word)
    return "".join(f"{min(rank + 1, 99):02d}" for rank in letters) + f"000{tone}"


def text_sort_key(text: str) -> str:
    """sort_key() as a string of digits, to store in an indexed column and ORDER BY in SQL.

    Per syllable: two digits a letter (rank + 1), "00" to end the letters (so that a shorter
    syllable sorts first), two digits for the tone. Digits only: the same order under any
    database collation (en_US collations ignore spaces and punctuation).
    """
    return "".join(_syllable_digits(word) for word in text.split())[:255]


@functools.lru_cache(maxsize=50_000)
def person_sort_key(full_name: str) -> str:
    """Vietnamese lists sort people by given name (the last word), then by the full name.

    Cached: the same full names recur across a province's lists (an import computes one per row)."""
    words = full_name.split()
    if not words:
        return ""
    return text_sort_key(" ".join([words[-1], *words[:-1]]))
