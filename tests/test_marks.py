"""Seal and handwriting detection on rendered forms (coloured paper, red form print, seals over text)."""

from __future__ import annotations

import math
import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docintel.extract.marks import detect_handwriting, detect_seals

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
KAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"
PAPER = {"white": (250, 250, 247), "pink": (246, 210, 220), "yellow": (250, 240, 176), "blue": (207, 226, 246),
         "green": (212, 238, 210)}
RED = (215, 35, 45)
BLUE_PEN = (25, 45, 150)
BLACK_PEN = (30, 30, 40)
CARBON = (110, 115, 170)
SIGN_Y = 1000  # baseline row of the 签收人 field
SIGN_REGION = (300, SIGN_Y - 60, 650, 160)


def blank_form(paper: str = "white", red_form: bool = False) -> Image.Image:
    """A form with header, text and a table; `red_form` prints title, table rules and headers in red
    the way pre-printed carbonless forms are."""
    img = Image.new("RGBA", (2000, 1400), PAPER[paper] + (255,))
    d = ImageDraw.Draw(img)
    form_ink = RED if red_form else (30, 30, 30)
    d.text((1000, 90), "送货签收单", font=ImageFont.truetype(FONT, 64), fill=form_ink, anchor="mm")
    f = ImageFont.truetype(FONT, 40)
    d.text((140, 180), "客户名称: 上海华联贸易有限公司    单号: SO20240315001", font=f, fill=(25, 25, 25))
    for r in range(7):
        d.line([(100, 260 + r * 80), (1900, 260 + r * 80)], fill=form_ink, width=3)
    for x in (100, 800, 1200, 1500, 1900):
        d.line([(x, 260), (x, 740)], fill=form_ink, width=3)
    for x, head in ((130, "品名规格"), (830, "数量"), (1230, "单价"), (1530, "金额")):
        d.text((x, 275), head, font=f, fill=form_ink)
    for r in range(1, 6):
        d.text((130, 275 + r * 80), f"不锈钢螺丝 M{r + 4}", font=f, fill=(25, 25, 25))
        d.text((1530, 275 + r * 80), f"{r * 123}.50", font=f, fill=(25, 25, 25))
    d.text((140, SIGN_Y - 45), "签收人:", font=f, fill=(25, 25, 25))
    d.line([(300, SIGN_Y + 5), (900, SIGN_Y + 5)], fill=(40, 40, 40), width=2)
    return img


def stamp(img: Image.Image, cx: float, cy: float, r: float, oval: bool = False, alpha: int = 200) -> None:
    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(overlay)
    col = RED + (alpha,)
    rx, ry = (r * 1.4, r) if oval else (r, r)
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], outline=col, width=max(6, int(r / 14)))
    f = ImageFont.truetype(FONT, int(r * 0.27))
    for k, ch in enumerate("上海华联贸易有限公司"):
        a = math.radians(-200 + k * 220 / 9)
        d.text((cx + 0.74 * rx * math.cos(a), cy + 0.74 * ry * math.sin(a)), ch, font=f, fill=col, anchor="mm")
    if not oval:
        d.regular_polygon((cx, cy, r * 0.28), 5, fill=col)
    d.text((cx, cy + ry * 0.5), "收货专用章", font=ImageFont.truetype(FONT, int(r * 0.18)), fill=col, anchor="mm")
    img.alpha_composite(overlay)


def to_bgr(img: Image.Image, jpeg_quality: int | None = 80) -> np.ndarray:
    bgr = cv2.cvtColor(np.array(img.convert("RGB")), cv2.COLOR_RGB2BGR)
    if jpeg_quality is not None:
        bgr = cv2.imdecode(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])[1], cv2.IMREAD_COLOR)
    return bgr


def scribble(img: Image.Image, color: tuple[int, int, int], seed: int, width: int = 4) -> None:
    """A cursive signature: a smooth random walk with loops across the signature line."""
    rng = random.Random(seed)
    d = ImageDraw.Draw(img)
    pts, x = [], 340.0
    for i in range(40):
        x += rng.uniform(6, 14)
        pts.append((x, SIGN_Y - 35 + math.sin(i * rng.uniform(0.6, 1.3)) * 28 + rng.uniform(-6, 6)))
    d.line(pts, fill=color, width=width, joint="curve")


def kai_name(img: Image.Image, color: tuple[int, int, int], name: str = "王建国") -> None:
    """A handwritten name: brush-script glyphs about twice the print size, tilted."""
    f = ImageFont.truetype(KAI, 84)
    for k, ch in enumerate(name):
        glyph = Image.new("L", (120, 120), 0)
        ImageDraw.Draw(glyph).text((60, 60), ch, font=f, fill=255, anchor="mm")
        glyph = glyph.rotate(-8 + 6 * k, resample=Image.BILINEAR)
        img.paste(color + (255,), (340 + k * 80, SIGN_Y - 100 + 6 * k), glyph)


@pytest.mark.parametrize("paper", list(PAPER))
def test_round_seal_over_text_is_found_on_every_paper(paper):
    img = blank_form(paper)
    stamp(img, 1000, 520, 170)
    seals = detect_seals(to_bgr(img))
    assert len(seals) == 1
    x, y, w, h = seals[0].box
    assert abs(x + w / 2 - 1000) < 25 and abs(y + h / 2 - 520) < 25 and abs(w - 340) < 40
    assert seals[0].shape == "round" and seals[0].score > 0.6


def test_oval_and_faint_and_half_off_page_seals():
    img = blank_form("yellow")
    stamp(img, 600, 1150, 130, oval=True)
    stamp(img, 1930, 1150, 160, alpha=110)  # faint and cut by the right page edge
    seals = detect_seals(to_bgr(img))
    shapes = sorted(s.shape for s in seals)
    assert shapes == ["oval", "round"]


@pytest.mark.parametrize("paper", ["white", "pink"])
def test_no_seal_on_red_form_print_pink_paper_or_small_logo(paper):
    img = blank_form(paper, red_form=True)
    d = ImageDraw.Draw(img)
    d.ellipse([120, 40, 200, 120], outline=RED, width=6)  # small round red logo
    d.text((160, 80), "华", font=ImageFont.truetype(FONT, 44), fill=RED, anchor="mm")
    d.rectangle([1500, 40, 1880, 130], fill=RED)  # red filled banner
    assert detect_seals(to_bgr(img)) == []


@pytest.mark.parametrize("paper", ["white", "pink", "blue"])
@pytest.mark.parametrize("ink", ["blue", "black", "carbon"])
def test_cursive_signature_is_found(paper, ink):
    img = blank_form(paper)
    scribble(img, {"blue": BLUE_PEN, "black": BLACK_PEN, "carbon": CARBON}[ink], seed=len(paper), width=3 if ink == "carbon" else 4)
    found = detect_handwriting(to_bgr(img), SIGN_REGION)
    assert found.present and found.score >= 0.5
    x, y, w, h = found.box
    assert 320 <= x <= 360 and w > 300


def test_printed_glyphs_standing_on_the_line_are_not_handwriting():
    """Dot-matrix print often sits on the field's line: rejoining strokes across the line must not
    make a signature of glyphs that only touch it."""
    img = blank_form("white")
    ImageDraw.Draw(img).text((340, SIGN_Y - 30), "张三 李四 王五", font=ImageFont.truetype(FONT, 40), fill=(25, 25, 25))
    assert not detect_handwriting(to_bgr(img), SIGN_REGION).present


@pytest.mark.parametrize("color", [BLUE_PEN, BLACK_PEN])
def test_handwritten_name_is_found(color):
    img = blank_form("yellow")
    kai_name(img, color)
    assert detect_handwriting(to_bgr(img), SIGN_REGION).present


@pytest.mark.parametrize("paper", ["white", "pink", "blue", "green"])
def test_empty_field_line_and_seal_are_not_handwriting(paper):
    img = blank_form(paper)
    assert not detect_handwriting(to_bgr(img), SIGN_REGION).present
    stamp(img, 600, SIGN_Y - 10, 150)  # a seal over the empty field
    result = detect_handwriting(to_bgr(img, jpeg_quality=40), SIGN_REGION)
    assert not result.present and result.score < 0.5


def test_printed_words_in_the_field_are_not_handwriting():
    img = blank_form("white")
    ImageDraw.Draw(img).text((340, SIGN_Y - 45), "张三 (司机) 送货人", font=ImageFont.truetype(FONT, 40), fill=(25, 25, 25))
    bgr = to_bgr(img)
    assert not detect_handwriting(bgr, SIGN_REGION).present
    # and masking the OCR's word box also removes a blue printed word
    draw, font = ImageDraw.Draw(img), ImageFont.truetype(FONT, 40)
    draw.text((700, SIGN_Y - 45), "已收", font=font, fill=BLUE_PEN)
    x0, y0, x1, y1 = draw.textbbox((700, SIGN_Y - 45), "已收", font=font)
    with_blue = to_bgr(img)
    assert detect_handwriting(with_blue, SIGN_REGION).present  # blue ink unexplained by OCR: evidence
    assert not detect_handwriting(with_blue, SIGN_REGION, printed_boxes=[(x0, y0, x1 - x0, y1 - y0)]).present


def test_page_edge_inside_region_is_not_handwriting():
    img = blank_form("white")
    bgr = to_bgr(img)
    bgr[:, 850:] = (60, 65, 70)  # dark desk beyond a cropped page edge
    assert not detect_handwriting(bgr, SIGN_REGION).present


# --- greyscale and black-and-white scans: no red left, seals are found by shape --------------------

def to_grey_bgr(img: Image.Image, bw_threshold: int | None = None) -> np.ndarray:
    """How a greyscale (or, with a threshold, a pure black-and-white) scan reaches the detectors."""
    grey = cv2.cvtColor(to_bgr(img, jpeg_quality=None), cv2.COLOR_BGR2GRAY)
    if bw_threshold is not None:
        grey = np.where(grey > bw_threshold, 255, 0).astype(np.uint8)
    else:
        grey = cv2.imdecode(cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 75])[1], cv2.IMREAD_GRAYSCALE)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def qr_like(img: Image.Image, x: int, y: int, modules: int = 25, module_px: int = 9, seed: int = 3) -> None:
    """A QR-code-sized block of random modules with the three square finder patterns."""
    rng = np.random.default_rng(seed)
    cells = rng.random((modules, modules)) < 0.5
    for fx, fy in ((0, 0), (modules - 7, 0), (0, modules - 7)):
        finder = np.ones((7, 7), bool)
        finder[1:6, 1:6] = False
        finder[2:5, 2:5] = True
        cells[fy:fy + 7, fx:fx + 7] = finder
    d = ImageDraw.Draw(img)
    for r, c in zip(*np.nonzero(cells)):
        d.rectangle([x + c * module_px, y + r * module_px, x + (c + 1) * module_px - 1, y + (r + 1) * module_px - 1],
                    fill=(20, 20, 20))


@pytest.mark.parametrize("bw", [False, True])
def test_seal_is_found_by_shape_on_grey_and_bw_scans(bw):
    img = blank_form("white")
    stamp(img, 1000, 520, 170)  # over the table and its text
    stamp(img, 1500, 1150, 130, oval=True)  # on blank paper
    seals = detect_seals(to_grey_bgr(img, 165 if bw else None))
    centres = sorted((s.box[0] + s.box[2] / 2, s.box[1] + s.box[3] / 2) for s in seals)
    assert len(seals) == 2
    assert abs(centres[0][0] - 1000) < 30 and abs(centres[0][1] - 520) < 30
    assert abs(centres[1][0] - 1500) < 30 and abs(centres[1][1] - 1150) < 30
    assert {s.shape for s in seals} == {"round", "oval"}


def test_half_off_page_seal_on_grey_scan():
    img = blank_form("yellow")
    stamp(img, 1950, 1200, 160)
    assert len(detect_seals(to_grey_bgr(img))) == 1


@pytest.mark.parametrize("bw", [False, True])
def test_no_seal_on_grey_grid_logo_letters_qr_or_signature(bw):
    img = blank_form("white")
    d = ImageDraw.Draw(img)
    d.ellipse([120, 40, 200, 120], outline=(20, 20, 20), width=6)  # small round logo
    d.ellipse([1600, 800, 1800, 960], outline=(20, 20, 20), width=3)  # a thin circle, e.g. a printed logo
    d.text((1250, 800), "OOO", font=ImageFont.truetype(FONT, 150), fill=(20, 20, 20))  # big bold letters O
    qr_like(img, 1650, 40)
    scribble(img, BLACK_PEN, seed=7, width=6)
    kai_name(img, BLUE_PEN)
    assert detect_seals(to_grey_bgr(img, 165 if bw else None)) == []


def test_grey_seal_over_empty_field_is_not_handwriting_but_a_signature_under_it_is():
    img = blank_form("white")
    stamp(img, 600, SIGN_Y - 10, 150)
    assert not detect_handwriting(to_grey_bgr(img), SIGN_REGION).present
    scribble(img, BLUE_PEN, seed=2)
    assert detect_handwriting(to_grey_bgr(img), SIGN_REGION).present
