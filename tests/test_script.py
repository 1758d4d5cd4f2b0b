"""Which tesseract model reads a page (docintel.ocr.recognize with `auto`): the page's own script decides."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from docintel.ocr import recognize
from docintel.ocr.records import Word
from docintel.ocr.script import is_latin_page, is_pure_latin_page

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
ENGLISH = ["DELIVERY NOTE", "Customer: Sun Asia Packaging Ltd.", "Delivery Note No.: DN-24-00871",
           "Date: 18 Jul 2024", "Description  Qty  Unit Price  Amount", "Hex bolt M8x30  500  0.45  225.00",
           "Packing tape 48mm  12  6.50  78.00", "Received by: ____________"]


def page_of(lines: list[str]) -> np.ndarray:
    image = Image.new("L", (1700, 160 + 110 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(CJK_FONT, 44, index=2)
    for n, line in enumerate(lines):
        draw.text((120, 100 + 110 * n), line, font=font, fill=0)
    return np.asarray(image)


def test_an_english_page_is_read_with_the_english_model_alone_and_a_mixed_one_with_both():
    _, _, english = recognize(page_of(ENGLISH), "auto")
    assert english == "eng"
    # Chinese names on an English form: the Chinese model must stay in.
    mixed = [*ENGLISH[:2], "Ship to: 上海恒达五金贸易有限公司 浦东新区仓库", *ENGLISH[2:]]
    _, _, both = recognize(page_of(mixed), "auto")
    assert both == "chi_sim+eng"


def test_pure_latin_means_a_few_stray_marks_at_most():
    def words(text: str) -> list[Word]:
        return [Word(text, (0, 0, 10, 10), 0.9)]

    latin = "Customer Sun Asia Packaging Delivery Note Hex bolt Packing tape Received"
    assert is_pure_latin_page(words(latin + "了"))
    assert is_latin_page(words(latin + "上海恒达五金贸易")) and not is_pure_latin_page(words(latin + "上海恒达五金贸易"))
    assert not is_latin_page(words("送货单 客户名称 上海恒达五金贸易有限公司 Hex bolt"))
