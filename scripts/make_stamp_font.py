"""Make static/fonts/stamp-serif-vi.ttf: Liberation Serif 2 reduced to Latin + Vietnamese, for the
visible stamp of digital signatures (pyHanko parses the font at every signing: 57 KB instead of
390 KB). Liberation's licence (SIL OFL 1.1) reserves the name "Liberation" for unmodified fonts,
so the subset is renamed "StampSerifVi". Run once: python scripts/make_stamp_font.py
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
RANGES = (
    "U+0020-007E,U+00A0-00FF,U+0102-0103,U+0110-0111,U+0128-0129,U+0168-0169,U+01A0-01A1,U+01AF-01B0,"
    "U+1EA0-1EF9,U+2013-2014,U+2018-201D"
)


def main() -> None:
    options = subset.Options()
    options.layout_features = ["*"]
    font = TTFont(FONTS / "LiberationSerif-Regular.ttf")
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(RANGES))
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 3, 4, 6, 16, 21):
            text = "StampSerifVi" if record.nameID in (1, 16, 21) else "StampSerifVi-Regular"
            record.string = text
    font.save(FONTS / "stamp-serif-vi.ttf")


if __name__ == "__main__":
    main()
