"""Seal and sign-off cases found on generated test sets: colour pages with little colour, seals on
red-printed forms, English stamps with an empty centre, worn rings, seals over signatures on grey and
black-and-white scans, and sign-off labels that OCR misread."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docintel.extract.marks import detect_handwriting, detect_seals, is_achromatic
from docintel.extract.signoff import find_signoff, signature_regions
from docintel.ocr.layout import group_lines
from docintel.ocr.records import OcrPage, Word
from tests.test_marks import (BLACK_PEN, BLUE_PEN, FONT, KAI, RED, SIGN_REGION, SIGN_Y, blank_form, scribble, stamp,
                              to_bgr, to_grey_bgr)


def big_white_page() -> Image.Image:
    """An A4 page at 300 dpi with a few lines of black print: mostly blank paper."""
    img = Image.new("RGBA", (2480, 3508), (250, 250, 247, 255))
    d = ImageDraw.Draw(img)
    f = ImageFont.truetype(FONT, 44)
    for k in range(12):
        d.text((200, 300 + k * 90), f"第{k + 1}行  不锈钢六角螺栓 M8×30  数量 {k * 7 + 3}", font=f, fill=(25, 25, 25))
    return img


def english_stamp(img: Image.Image, cx: float, cy: float, rx: float, ry: float, ink=RED + (220,)) -> None:
    """An oval stamp with a double ring and its text running just inside the ring: the centre is empty."""
    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(overlay)
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], outline=ink, width=9)
    d.ellipse([cx - rx * 0.93, cy - ry * 0.93, cx + rx * 0.93, cy + ry * 0.93], outline=ink, width=3)
    f = ImageFont.truetype(FONT, int(ry * 0.16))
    for k, ch in enumerate("Tai Shing Hardware Co. Ltd."):
        a = math.radians(-200 + k * 220 / 26)
        d.text((cx + 0.8 * rx * math.cos(a), cy + 0.8 * ry * math.sin(a)), ch, font=f, fill=ink, anchor="mm")
    img.alpha_composite(overlay)


def test_colour_page_with_a_small_seal_is_not_achromatic():
    img = big_white_page()
    assert is_achromatic(to_bgr(img))
    stamp(img, 1240, 400, 230)  # over the print: a red seal is under 1% of the page
    bgr = to_bgr(img)
    assert not is_achromatic(bgr)
    seals = detect_seals(bgr)
    assert len(seals) == 1 and abs(seals[0].box[0] + seals[0].box[2] / 2 - 1240) < 30


def test_seal_over_a_red_printed_table_on_a_skewed_scan_is_found():
    img = blank_form("white", red_form=True)
    stamp(img, 1500, 560, 170)  # across red rules and red column heads
    # Skewed: the slanted red rules are not cut out as straight rules and merge with the ring.
    img = img.rotate(2.0, center=(1500, 560), resample=Image.BICUBIC, fillcolor=(250, 250, 247, 255))
    seals = detect_seals(to_bgr(img))
    assert len(seals) == 1
    x, y, w, h = seals[0].box
    assert abs(x + w / 2 - 1500) < 30 and abs(y + h / 2 - 560) < 30


def test_red_framed_box_across_the_page_is_not_a_rectangular_seal():
    img = blank_form("white")
    d = ImageDraw.Draw(img)
    d.rectangle([150, 820, 1850, 1330], outline=RED, width=8)  # a printed notice box in a red frame
    f = ImageFont.truetype(FONT, 40)
    for k, text in enumerate(("注意事项:", "1. 请当面点清货物数量", "2. 如有破损请于三日内联系")):
        d.text((200, 860 + k * 70), text, font=f, fill=RED if k == 0 else (25, 25, 25))
    assert detect_seals(to_bgr(img)) == []


@pytest.mark.parametrize("mode", ["colour", "grey", "bw"])
def test_stamp_with_text_only_along_its_ring_is_found(mode):
    img = blank_form("white")
    english_stamp(img, 1400, 1150, 190, 130)
    bgr = {"colour": lambda: to_bgr(img), "grey": lambda: to_grey_bgr(img),
           "bw": lambda: to_grey_bgr(img, 165)}[mode]()
    seals = detect_seals(bgr)
    assert len(seals) == 1 and seals[0].shape == "oval"


def test_plain_empty_grey_circle_is_not_a_seal():
    img = blank_form("white")
    ImageDraw.Draw(img).ellipse([1300, 1000, 1600, 1300], outline=(20, 20, 20), width=3)
    assert detect_seals(to_grey_bgr(img)) == []


def test_worn_ring_on_blank_paper_of_a_grey_scan_is_found():
    img = blank_form("white")
    stamp(img, 1500, 1150, 150, oval=True)
    bgr = to_grey_bgr(img)
    # A dry stamp: a third of the ring did not print.
    cx, cy, rx, ry = 1500, 1150, 210, 150
    for t in np.linspace(math.radians(-20), math.radians(100), 400):
        for dr in range(-14, 4, 2):
            cv2.circle(bgr, (int(cx + (rx + dr) * math.cos(t)), int(cy + (ry + dr) * math.sin(t))), 3, (250, 250, 250), -1)
    assert len(detect_seals(bgr)) == 1


def _grey_photo(img: Image.Image) -> np.ndarray:
    """A low-contrast, slightly blurred greyscale phone photo: paper ~205, black ink ~40."""
    grey = cv2.cvtColor(to_bgr(img, jpeg_quality=None), cv2.COLOR_BGR2GRAY).astype(np.float32)
    grey = cv2.GaussianBlur(40 + (grey - 25) * (205 - 40) / (250 - 25), (0, 0), 1.0)
    grey = np.clip(grey, 0, 255).astype(np.uint8)
    grey = cv2.imdecode(cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 80])[1], cv2.IMREAD_GRAYSCALE)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def test_dark_signature_under_a_grey_seal_on_a_low_contrast_photo():
    img = blank_form("white")
    stamp(img, 560, SIGN_Y - 10, 210, alpha=200)  # the stamp covers the whole signature
    assert not detect_handwriting(_grey_photo(img), SIGN_REGION).present
    scribble(img, BLACK_PEN, seed=5, width=5)
    assert detect_handwriting(_grey_photo(img), SIGN_REGION).present


def test_black_seal_below_the_field_of_a_bw_scan_is_not_a_signature():
    img = blank_form("white")
    stamp(img, 640, SIGN_Y + 190, 150, oval=True, alpha=255)  # its top ring and text reach into the field
    assert not detect_handwriting(to_grey_bgr(img, 165), SIGN_REGION).present
    scribble(img, BLUE_PEN, seed=3)
    assert detect_handwriting(to_grey_bgr(img, 165), SIGN_REGION).present


# --- sign-off labels as OCR reads them --------------------------------------------------------------

def _line(*cells: tuple[str, int]) -> list[Word]:
    """Words of one text line: (text, x) per word, every character 40 px wide."""
    return [Word(text, (x, 1000, 40 * len(text), 44), 0.9) for text, x in cells]


def _labels(words: list[Word]) -> list[str]:
    return [label for label, *_ in signature_regions(group_lines(words), (2600, 1800))]


def test_driver_label_does_not_swallow_the_sign_off_label_after_its_colon():
    # 送货人:  签收和 — a fuzzy 送货人签字 across the colon would take the customer's 签收.
    words = _line(("制单:", 100), ("送货人:", 900), ("签收", 1850), ("和", 1930))
    assert _labels(words) == ["签收"]


@pytest.mark.parametrize("cells", [
    (("客", 1700), ("据", 1745), ("從", 1790), ("人:", 1900)),  # 客戶簽收: with 人: one gap off
    (("答", 1697), ("收和", 1752), (":AL", 1888)),  # 签收人 with its colon read into the next word
])
def test_misread_sign_off_label_split_by_a_gap(cells):
    words = _line(("製單:", 100), ("送貨人:", 900), *cells)
    labels = _labels(words)
    assert len(labels) == 1 and labels[0][0] in "客答"


def test_driver_value_after_its_label_is_not_a_sign_off_label():
    words = _line(("送货人:", 900), ("张伟", 1100))
    assert _labels(words) == []


def test_slanted_scanner_streak_across_an_empty_field_is_not_a_signature():
    img = blank_form("white")
    d = ImageDraw.Draw(img)
    for x in (700, 708):  # a double streak, slanted by the page's deskew
        d.line([(x, SIGN_Y - 300), (x + 50, SIGN_Y + 300)], fill=(70, 70, 70), width=2)
    assert not detect_handwriting(to_bgr(img), SIGN_REGION).present
    scribble(img, BLACK_PEN, seed=4)
    assert detect_handwriting(to_bgr(img), SIGN_REGION).present


def _long_sign_line_page(signature_x: int | None) -> OcrPage:
    """送货人: ____  收货人(签字): ________________ with the signature (if any) drawn at signature_x: a
    form whose customer line runs far past where a signature usually starts."""
    img = Image.new("RGBA", (2600, 1400), (250, 250, 247, 255))
    d = ImageDraw.Draw(img)
    f = ImageFont.truetype(FONT, 40)
    d.text((100, SIGN_Y - 45), "送货人:", font=f, fill=(25, 25, 25))
    d.line([(260, SIGN_Y + 5), (700, SIGN_Y + 5)], fill=(40, 40, 40), width=2)
    d.text((800, SIGN_Y - 45), "收货人(签字):", font=f, fill=(25, 25, 25))
    d.line([(1080, SIGN_Y + 5), (2200, SIGN_Y + 5)], fill=(40, 40, 40), width=2)
    if signature_x is not None:
        pen = Image.new("RGBA", (800, 1400), (0, 0, 0, 0))
        scribble(pen, BLACK_PEN, seed=2)  # drawn from x=340 of the layer
        img.alpha_composite(pen, dest=(signature_x - 340, 0))
    words = [Word("送货人:", (100, SIGN_Y - 40, 140, 44), 0.95, (1, 1, 1)),
             Word("收货人(签字):", (800, SIGN_Y - 40, 270, 44), 0.95, (1, 1, 1))]
    return OcrPage(0, words, to_bgr(img), "tesseract")


def test_signature_far_along_a_long_sign_line_is_found():
    # 1700 is 14 text heights past the label: beyond the usual reach, on the field's own line.
    page = _long_sign_line_page(1700)
    fields = find_signoff(page, group_lines(page.words))
    assert [f.present for f in fields] == [True]
    empty = _long_sign_line_page(None)
    assert [f.present for f in find_signoff(empty, group_lines(empty.words))] == [False]


def test_handwriting_past_the_end_of_the_sign_line_is_not_its_signature():
    page = _long_sign_line_page(2350)
    assert [f.present for f in find_signoff(page, group_lines(page.words))] == [False]


DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize(("crop", "region", "signed"), [
    # Sign-off fields cut from generated scans (seeds 101 and 31), 20 px of page around each field.
    ("seal_rims_over_empty_field_yellow.jpg", (20, 20, 724, 236), False),  # carbonless dot-matrix copy
    ("seal_rims_over_empty_field_laser.jpg", (20, 20, 874, 210), False),
    ("pen_signature_across_seal_blue.jpg", (20, 20, 1089, 349), True),
    ("pen_signature_across_seal_2.jpg", (20, 20, 713, 286), True),
])
def test_a_red_seals_dark_rims_are_not_strokes_but_a_signature_across_the_seal_is(crop, region, signed):
    # Blur and JPEG leave each red stroke of a seal with a rim that is dark but no longer red: the
    # seal's glyphs and ring outlined, a signature's size. A pen stroke across the seal lies mostly off it.
    found = detect_handwriting(cv2.imread(str(DATA / crop)), region)
    assert found.present is signed


def test_signature_running_past_the_fields_right_end_is_found():
    # One long stroke from inside the field on past where the search stops (seed 606: a signature
    # over a grey seal ran past the field's reach and was taken for the page edge).
    img = blank_form("white")
    d = ImageDraw.Draw(img)
    x0 = 500
    d.line([(x + 14 * math.cos((x - x0) / 6), SIGN_Y - 30 + 25 * math.sin((x - x0) / 12)) for x in range(x0, 1200)],
           fill=BLACK_PEN, width=6, joint="curve")
    assert SIGN_REGION[0] + SIGN_REGION[2] < 1200
    assert detect_handwriting(to_bgr(img), SIGN_REGION).present


def test_all_ink_inside_a_grey_seal_lighter_than_its_ring_is_the_seals():
    from docintel.extract import marks_handwriting as mh

    img = blank_form("white")
    stamp(img, 600, SIGN_Y - 10, 150)
    bgr = _grey_photo(img)
    text_h = mh._text_height_near(bgr, SIGN_REGION)
    x, y, w, h = SIGN_REGION
    darkness = mh._darkness_map(bgr[..., 1], text_h)[y:y + h, x:x + w]
    seal_ink = mh._grey_seal_ink(bgr, SIGN_REGION, text_h, darkness)
    # The stamp's faint blurred fringe (ink, but lighter than its strokes) is in it as well as its cores.
    faint = (darkness > mh.INK_DELTA) & (darkness < mh.GREY_SEAL_DARK_RANGE[0])
    seal_box = np.zeros_like(faint)
    seal_box[:, 600 - 150 - x:600 + 150 - x] = True
    assert (faint & seal_box).sum() > 50
    assert not (faint & seal_box & ~seal_ink).any()


def _sign_line_under_a_table(marks_above: bool, signed: bool) -> OcrPage:
    """收货人(签字): written just under the table's bottom border, with ink above that border inside
    the field's reach (a dot-matrix total, a seal's ring) and, if signed, a signature on the line."""
    img = Image.new("RGBA", (2600, 1400), (250, 250, 247, 255))
    d = ImageDraw.Draw(img)
    d.line([(60, SIGN_Y - 75), (2540, SIGN_Y - 75)], fill=(40, 40, 40), width=3)  # the table's bottom border
    if marks_above:
        d.line([(x, SIGN_Y - 95 + 12 * math.sin(x / 9)) for x in range(1200, 1500)], fill=BLACK_PEN, width=5)
    d.text((800, SIGN_Y - 45), "收货人(签字):", font=ImageFont.truetype(FONT, 40), fill=(25, 25, 25))
    d.line([(1080, SIGN_Y + 5), (2200, SIGN_Y + 5)], fill=(40, 40, 40), width=2)
    if signed:
        pen = Image.new("RGBA", (800, 1400), (0, 0, 0, 0))
        scribble(pen, BLACK_PEN, seed=2)
        img.alpha_composite(pen, dest=(1200 - 340, 0))
    words = [Word("收货人(签字):", (800, SIGN_Y - 40, 270, 44), 0.95, (1, 1, 1))]
    return OcrPage(0, words, to_bgr(img), "tesseract")


@pytest.mark.parametrize(("marks_above", "signed"), [(True, False), (True, True), (False, True), (False, False)])
def test_ink_above_the_tables_bottom_border_is_not_the_signature(marks_above, signed):
    page = _sign_line_under_a_table(marks_above, signed)
    assert [f.present for f in find_signoff(page, group_lines(page.words))] == [signed]


def _scanned_at_150_dpi(img: Image.Image) -> np.ndarray:
    """A 150 dpi JPEG scan, enlarged back to 300 dpi as the reader does: faint colours fade further."""
    bgr = to_bgr(img, jpeg_quality=None)
    small = cv2.resize(bgr, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    small = cv2.imdecode(cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 70])[1], cv2.IMREAD_COLOR)
    return cv2.resize(small, (bgr.shape[1], bgr.shape[0]), interpolation=cv2.INTER_CUBIC)


@pytest.mark.parametrize("size", [44, 50])
def test_light_blue_name_of_print_size_on_white_paper_is_a_signature(size):
    img = blank_form("white")
    assert not detect_handwriting(_scanned_at_150_dpi(img), SIGN_REGION).present
    ImageDraw.Draw(img).text((420, SIGN_Y - 10), "陈静", font=ImageFont.truetype(KAI, size), fill=(185, 192, 222), anchor="ls")
    assert detect_handwriting(_scanned_at_150_dpi(img), SIGN_REGION).present


@pytest.mark.parametrize("paper", ["pink", "white"])
def test_a_faint_stamps_outline_in_an_empty_field_of_a_150_dpi_scan_is_not_a_signature(paper):
    # The stamp's glyph edges, blurred less red than its ink, lie about a fifth on the rim of its red.
    img = blank_form(paper)
    stamp(img, 560, SIGN_Y + 80, 140, alpha=160)
    assert not detect_handwriting(_scanned_at_150_dpi(img), SIGN_REGION).present
    scribble(img, BLUE_PEN, seed=2)
    assert detect_handwriting(_scanned_at_150_dpi(img), SIGN_REGION).present


@pytest.mark.parametrize(("scan", "region"), [
    # Cut from generated receipts (seeds 909 and 1313), 300 px of page around the field: a carbon
    # copy's signature on a grey phone photo and on a grey scan, only its darkest bits left as ink.
    ("faint_carbon_signature_grey_photo.png", (300, 300, 702, 284)),
    ("faint_carbon_signature_grey_scan.png", (300, 300, 471, 189)),
])
def test_a_faint_signatures_fragments_together_are_a_signature(scan, region):
    from docintel.extract.marks_handwriting import HAND_MIN_EXTENT

    found = detect_handwriting(cv2.imread(str(DATA / scan)), region)
    assert found.present
    x, y, w, h = found.box
    assert max(w, h) >= HAND_MIN_EXTENT * 30  # the fragments' cluster, not one of them


def test_fragments_of_a_row_of_print_are_no_signature_but_scattered_ones_are():
    from docintel.extract.marks_handwriting import _fragment_clusters

    text_h = 38.0
    # ¥2962.10 read too unsurely to be masked as print: its glyphs' tops and heights alike.
    digits = np.array([[68 + 23 * i, 29, 21, 35, 300] for i in range(7)])
    assert _fragment_clusters(digits, (300, 600), text_h) == []
    # A carbon copy's name: pieces of every size, at every height.
    pieces = np.array([[175, 107, 10, 11, 80], [200, 115, 14, 18, 110], [170, 133, 16, 17, 190],
                       [134, 138, 12, 21, 114], [209, 138, 8, 8, 60], [192, 168, 21, 6, 79]])
    assert len(_fragment_clusters(pieces, (300, 600), text_h)) == 1
    assert _fragment_clusters(pieces[:4], (300, 600), text_h) == []  # too few to go by
