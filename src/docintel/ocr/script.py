"""Which tesseract model fits the page: simplified Chinese, traditional Chinese, or Latin.

tesseract maps a glyph to its own model's script (chi_sim reads 貨 as 货 and chi_tra reads 货
as 貨, both confidently), so the model cannot tell which script is printed. The glyphs can:
characters whose simplified and traditional forms differ (货/貨, 单/單) are compared, as cut from
the page, against both forms rendered from a CJK font.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from docintel.ocr.layout import is_cjk
from docintel.ocr.records import Word

# Simplified → traditional pairs frequent on business forms (labels, units, trade names).
_PAIRS = (
    "货貨 单單 号號 数數 额額 户戶 称稱 价價 业業 个個 开開 销銷 电電 厂廠 区區 门門 东東 车車 发發 "
    "对對 应應 点點 来來 时時 为為 过過 还還 进進 运運 请請 说說 记記 负負 买買 卖賣 钱錢 铁鐵 钢鋼 "
    "线線 纸紙 胶膠 带帶 丝絲 钉釘 灯燈 关關 气氣 缆纜 涂塗 层層 劳勞 务務 总總 计計 联聯 络絡 统統 "
    "费費 签簽 实實 际際 产產 规規 质質 备備 注註 税稅 银銀 账賬 条條 码碼 达達 华華 兴興 鸿鴻 "
    "万萬 圆圓 贰貳 陆陸 湾灣 台臺 门門 装裝 饰飾 箱箱 园園 乐樂 龙龍 广廣 县縣 镇鎮 场場 话話 "
    "项項 围圍 图圖 书書 长長 风風 马馬 鱼魚 鸡雞 肉肉 盐鹽 机機 械械 设設 证證 经經 营營 筑築"
).split()
SIMPLIFIED_TO_TRADITIONAL = {pair[0]: pair[1] for pair in _PAIRS if pair[0] != pair[1]}
_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
_FONT_FACE_SC = 2
_GLYPH = 32  # compare glyphs at this size
# Votes needed, and the margin by which a glyph must look more like one form than the other.
_MIN_VOTES = 3
_MARGIN = 0.03
# Below this share of CJK among letters the page is Latin (English forms), below the second one it
# has no Chinese at all; fewer letters than this say nothing.
LATIN_PAGE_SHARE = 0.2
PURE_LATIN_PAGE_SHARE = 0.05
_MIN_LETTERS = 20

Script = Literal["hans", "hant", "latin"]


def _normalize(ink: np.ndarray) -> np.ndarray | None:
    ys, xs = np.nonzero(ink > 0)
    if len(xs) < 8:
        return None
    crop = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    side = max(crop.shape)
    square = np.zeros((side, side), np.float32)
    oy, ox = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
    square[oy : oy + crop.shape[0], ox : ox + crop.shape[1]] = crop
    small = cv2.resize(square, (_GLYPH, _GLYPH), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 1.2)
    small -= small.mean()
    norm = np.linalg.norm(small)
    return small / norm if norm > 0 else None


@lru_cache(maxsize=512)
def _reference(char: str) -> np.ndarray | None:
    font = ImageFont.truetype(str(_FONT), 96, index=_FONT_FACE_SC)
    canvas = Image.new("L", (128, 128), 0)
    ImageDraw.Draw(canvas).text((16, 0), char, font=font, fill=255)
    return _normalize(np.asarray(canvas))


def _char_boxes(word: Word) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Split a word of full-width CJK characters into per-character boxes of equal width."""
    text = word.text
    if not text or not all(is_cjk(c) for c in text):
        return []
    x, y, w, h = word.box
    step = w / len(text)
    if not 0.6 * h <= step <= 1.6 * h:
        return []
    return [(c, (int(x + i * step), y, max(1, int(step)), h)) for i, c in enumerate(text)]


def han_variant(gray: np.ndarray, words: Sequence[Word]) -> Script | None:
    """'hant' when the printed glyphs of variant characters look traditional, 'hans' when they
    look simplified, None when the page has too few of them to tell or no CJK font is installed."""
    if not _FONT.exists():
        return None
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    votes = {"hans": 0, "hant": 0}
    for word in words:
        for char, (x, y, w, h) in _char_boxes(word):
            traditional = SIMPLIFIED_TO_TRADITIONAL.get(char)
            if traditional is None:
                continue
            seen = _normalize(ink[y : y + h, x : x + w])
            simp, trad = _reference(char), _reference(traditional)
            if seen is None or simp is None or trad is None:
                continue
            s, t = float((seen * simp).sum()), float((seen * trad).sum())
            if t > s + _MARGIN:
                votes["hant"] += 1
            elif s > t + _MARGIN:
                votes["hans"] += 1
    if votes["hant"] >= _MIN_VOTES and votes["hant"] > 2 * votes["hans"]:
        return "hant"
    if votes["hans"] >= _MIN_VOTES:
        return "hans"
    return None


def cjk_share(words: Sequence[Word], min_letters: int = _MIN_LETTERS) -> float | None:
    """The share of Chinese characters among the letters read; None when fewer than `min_letters` were read."""
    letters = [c for w in words for c in w.text if c.isalpha()]
    if len(letters) < min_letters:
        return None
    return sum(is_cjk(c) for c in letters) / len(letters)


def latin_script(words: Sequence[Word], min_letters: int = _MIN_LETTERS) -> Literal["english", "latin"] | None:
    """'english' for a Latin page with no Chinese on it (what the Chinese model read as Chinese
    there is a few stray marks, 了, 人, a full-width comma: under 3% of the letters on English
    forms), 'latin' for a Latin page with some Chinese, None for a Chinese page or one with fewer
    than `min_letters` letters read."""
    share = cjk_share(words, min_letters)
    if share is None or share >= LATIN_PAGE_SHARE:
        return None
    return "english" if share < PURE_LATIN_PAGE_SHARE else "latin"


def is_latin_page(words: Sequence[Word]) -> bool:
    return latin_script(words) is not None


def is_pure_latin_page(words: Sequence[Word]) -> bool:
    return latin_script(words) == "english"
