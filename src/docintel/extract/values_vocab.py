"""Vocabularies for parsing OCR'd values on Chinese/English business forms.

Kept as data in one place so that extending a table (a new unit, a new OCR
confusion seen on real scans) never means touching parsing logic.
"""

from __future__ import annotations

# --- Width folding -----------------------------------------------------------

# U+FF01..U+FF5E are full-width copies of ASCII U+0021..U+007E at a fixed offset.
FULLWIDTH_FIRST = 0xFF01
FULLWIDTH_LAST = 0xFF5E
FULLWIDTH_OFFSET = 0xFEE0
IDEOGRAPHIC_SPACE = "\u3000"

# Forms print either the full-width or the Latin-1 yen/yuan sign; both mean CNY
# here and downstream code should only ever have to look for one of them.
YUAN_SIGN = "¥"
YUAN_SIGN_VARIANTS = frozenset({"¥", "￥"})

# Characters counted as CJK when deciding whether a space between two
# characters is an OCR artefact (tesseract spaces out Chinese characters).
CJK_CHAR_CLASS = (
    "\u2e80-\u2fdf"  # radicals
    "\u3001-\u303f"  # CJK punctuation (、。〇「」 ...), not the ideographic space
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf"  # extension A
    "\u4e00-\u9fff"  # unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f"  # full-width ！（），：；？
)

# --- OCR digit confusions ------------------------------------------------------

# Letters tesseract reads in place of digits on dot-matrix and carbon print.
# Lower-case b, g, q, z are left out on purpose: they collide with units
# (lb, g, oz) far more often than they stand for 6, 9 or 2.
DIGIT_CONFUSIONS = {
    "O": "0",
    "o": "0",
    "Q": "0",
    "I": "1",
    "l": "1",
    "Z": "2",
    "S": "5",
    "s": "5",
    "B": "8",
}

# A handwritten or dot-matrix month or day between 年, 月 and 日 is read as these, too (2024 年 了 月,
# 8月2i日): there the place says it is a number, so letters too common elsewhere to repair count.
MARKED_DIGIT_CONFUSIONS = DIGIT_CONFUSIONS | {"了": "7", "G": "6", "i": "1"}

# A run of this many letters before the first digit is a code prefix
# (SO2024..., PO-..., No.12) and is never "repaired" into digits.
CODE_PREFIX_MIN_LETTERS = 2

# --- Dates -------------------------------------------------------------------

MONTH_NAMES = {
    "january": 1, "jan": 1,
    "february": 2, "feb": 2,
    "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "may": 5,
    "june": 6, "jun": 6,
    "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}

DATE_YEAR_MIN = 1990
DATE_YEAR_MAX = 2100
# What a year's 0 is read as by the Chinese models in dot-matrix print (2624.8.15 for 2024.8.15):
# a year beyond DATE_YEAR_MAX with one of these second is read with a 0 there.
YEAR_ZERO_READ_AS = "689"

# Taiwan forms count years from 1912 (民國元年); 民國113年 = 2024.
ROC_YEAR_OFFSET = 1911
ROC_YEAR_MIN = 60
ROC_YEAR_MAX = 150
ROC_MARKERS = ("民國", "民国")

# --- Chinese numerals ------------------------------------------------------------

# Financial capitals (大写), their traditional forms and everyday lower-case
# numerals; 两 is the colloquial 2.
CHINESE_DIGITS = {
    "零": 0, "〇": 0, "○": 0,
    "壹": 1, "一": 1,
    "贰": 2, "貳": 2, "二": 2, "两": 2, "兩": 2,
    "叁": 3, "參": 3, "叄": 3, "三": 3,
    "肆": 4, "四": 4,
    "伍": 5, "五": 5,
    "陆": 6, "陸": 6, "六": 6,
    "柒": 7, "七": 7,
    "捌": 8, "八": 8,
    "玖": 9, "九": 9,
}
CHINESE_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
CHINESE_WAN = {"万": 10_000, "萬": 10_000}
CHINESE_YI = {"亿": 100_000_000, "億": 100_000_000}
CHINESE_YUAN = frozenset({"元", "圆", "圓"})
CHINESE_JIAO = "角"
CHINESE_FEN = "分"
# 整/正 close an amount with no 角/分; OCR often drops them, so they are optional.
CHINESE_WHOLE = frozenset({"整", "正"})

# --- Money and quantities ----------------------------------------------------

# Markers that say "this number is money"; checked case-insensitively before a number.
CURRENCY_PREFIXES = ("RMB", "CNY", "HKD", "HK$", "USD", "US$", "NT$", "TWD", YUAN_SIGN, "$")
CURRENCY_SUFFIXES = ("元", "圆", "圓", "万元", "萬元")
# 1.5万元 = 15000: only 万 is common enough on forms to be worth scaling.
TEN_THOUSAND_SUFFIXES = ("万", "萬")

# Units of measure seen in 单位 / 数量 columns. Latin units of two or more
# letters match case-insensitively; single letters match exactly, so that a
# stray lower-case l is never mistaken for litres.
QUANTITY_UNITS = (
    "个", "件", "箱", "盒", "包", "套", "台", "米", "公斤", "千克", "克", "吨", "噸",
    "只", "支", "条", "條", "张", "張", "本", "卷", "瓶", "袋", "桶", "把", "根", "块",
    "塊", "片", "双", "雙", "对", "對", "组", "組", "提", "罐", "升", "毫升", "平方米",
    "立方米", "批", "份", "粒", "副", "扎", "令", "捆", "打", "辆", "輛", "樘",
    "pcs", "pc", "kg", "kgs", "set", "sets", "box", "boxes", "ctn", "ctns", "carton",
    "cartons", "pack", "packs", "roll", "rolls", "ea", "pair", "pairs", "unit", "units",
    "lbs", "lb", "m2", "m3", "mm", "cm", "ml",
    "g", "t", "m", "L",
)
