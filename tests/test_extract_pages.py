"""What extraction keeps of each page: the page image only for callers that store pages."""

from __future__ import annotations

import numpy as np

from docintel.extract import extract_fields
from docintel.ocr.records import OcrPage, Word


def test_page_records_carry_the_page_image_unless_asked_not_to():
    paper = np.full((1400, 2000, 3), 250, np.uint8)
    page = OcrPage(0, [Word("送货单", (900, 60, 180, 60), 0.95, (1, 1, 1))], paper, "tesseract")
    with_image = extract_fields("a.jpg", [page])
    without = extract_fields("a.jpg", [page], page_images=False)
    assert with_image.page_records[0].image_jpeg.startswith(b"\xff\xd8")  # a JPEG
    assert without.page_records[0].image_jpeg == b""
    assert without.page_records[0].text == with_image.page_records[0].text == "送货单"
    assert without.contract_dict() == with_image.contract_dict()
