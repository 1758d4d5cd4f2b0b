"""QR and Code-128 decoding on rendered pages: rotated, JPEG-compressed, photographed, absent."""

from __future__ import annotations

import io

import barcode
import cv2
import numpy as np
import pytest
import segno
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFont

from docintel.extract.codes import decode_codes
from tests import imaging

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
QR_TEXT = "https://erp.example.cn/r/SO20240315001"
BAR_TEXT = "SO20240315001"


def _png_to_bgr(buf: io.BytesIO) -> np.ndarray:
    buf.seek(0)
    return cv2.cvtColor(np.array(Image.open(buf).convert("RGB")), cv2.COLOR_RGB2BGR)


def qr_image(payload: str, scale: int = 5) -> np.ndarray:
    buf = io.BytesIO()
    segno.make(payload, error="m").save(buf, kind="png", scale=scale, border=4)
    return _png_to_bgr(buf)


def code128_image(payload: str) -> np.ndarray:
    buf = io.BytesIO()
    barcode.get("code128", payload, writer=ImageWriter()).write(
        buf, {"module_width": 0.25, "module_height": 9, "dpi": 300, "write_text": False, "quiet_zone": 4})
    return _png_to_bgr(buf)


def page_with_codes(qr: bool = True, bar: bool = True, paper=(246, 232, 180)) -> np.ndarray:
    img = Image.new("RGB", (2000, 1400), paper)
    d = ImageDraw.Draw(img)
    f = ImageFont.truetype(FONT, 40)
    for i in range(10):
        d.text((120, 200 + i * 90), f"品名规格 不锈钢螺丝 M{i + 3}   数量 {i * 7 + 3}   金额 {i * 31}.50", font=f, fill=(25, 25, 25))
    page = cv2.cvtColor(np.array(img), cv2.COLOR_RGB2BGR)
    if qr:
        q = qr_image(QR_TEXT)
        page[40:40 + q.shape[0], 1750:1750 + q.shape[1]] = q
    if bar:
        b = code128_image(BAR_TEXT)
        page[1220:1220 + b.shape[0], 120:120 + b.shape[1]] = b
    return page


def rotate(img: np.ndarray, deg: float) -> np.ndarray:
    return imaging.rotate(img, deg, border=(240, 240, 240))


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    return cv2.imdecode(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_COLOR)


def test_qr_and_code128_are_decoded_in_reading_order():
    assert decode_codes(page_with_codes()) == [QR_TEXT, BAR_TEXT]


@pytest.mark.parametrize("deg", [-8.0, 5.0, 90.0, 180.0])
@pytest.mark.parametrize("quality", [85, 30])
def test_rotated_and_compressed_codes(deg, quality):
    found = decode_codes(jpeg(rotate(page_with_codes(), deg), quality))
    assert sorted(found) == sorted([QR_TEXT, BAR_TEXT])


def test_a_barcode_printed_upright_along_the_margin_is_read_in_its_place_in_reading_order():
    page = page_with_codes(bar=False)  # a QR code at the top right, y=40
    upright = cv2.rotate(code128_image(BAR_TEXT), cv2.ROTATE_90_COUNTERCLOCKWISE)
    page[300:300 + upright.shape[0], 1860:1860 + upright.shape[1]] = upright
    lower = qr_image("https://example.com/lower")
    page[1100:1100 + lower.shape[0], 1750:1750 + lower.shape[1]] = lower
    assert decode_codes(page) == [QR_TEXT, BAR_TEXT, "https://example.com/lower"]


def test_greyscale_input_and_duplicates_collapse():
    page = page_with_codes(bar=False)
    q = qr_image(QR_TEXT)
    page[700:700 + q.shape[0], 1750:1750 + q.shape[1]] = q  # the same QR printed twice
    assert decode_codes(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)) == [QR_TEXT]


def test_page_without_codes_gives_nothing():
    assert decode_codes(page_with_codes(qr=False, bar=False)) == []


def test_small_blurred_qr_needs_and_gets_the_second_pass():
    page = page_with_codes(bar=False)
    small = cv2.resize(page, None, fx=0.55, fy=0.55, interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(small, (3, 3), 0.9)
    assert decode_codes(jpeg(blurred, 40)) == [QR_TEXT]
