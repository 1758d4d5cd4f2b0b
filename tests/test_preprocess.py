"""Preprocessing on rendered forms: geometry (perspective, 90° turns, skew, scale) and OCR image."""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np
import pytesseract
import pytest
from PIL import Image, ImageDraw, ImageFont

from docintel.ocr.geometry import components, ink_mask, rule_lines
from docintel.ocr.histogram import percentile_u8
from docintel.ocr.preprocess import PreparedPage, PreprocessOptions, preprocess_page
from docintel.ocr.preprocess_color import _FLATTEN_BAND_ROWS, binarize, divide_by_background, flatten_illumination
from tests.imaging import rotate

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
PAPER = {"white": (250, 250, 247), "pink": (246, 212, 220), "yellow": (250, 240, 176)}
ROWS = ["送货单号 SO20240315001", "客户名称 上海华联贸易有限公司", "日期 2024年3月15日", "品名规格 不锈钢螺丝 M6",
        "数量 120 单价 35.50", "合计 人民币大写 肆仟贰佰陆拾元整", "备注 以下空白", "签收人"]
NO_GEOMETRY = PreprocessOptions(perspective=False, orientation=False, deskew=False, upscale=False)


def render_page(paper: str = "white", seal_over: str | None = None, red_title: bool = False,
                size: tuple[int, int] = (2000, 1400)) -> np.ndarray:
    """A receipt-like page at ~300 dpi: title, text rows, table rules; optionally a red seal whose ring
    crosses the row containing `seal_over`."""
    w, h = size
    img = Image.new("RGBA", (w, h), PAPER[paper] + (255,))
    d = ImageDraw.Draw(img)
    d.text((w // 2, 90), "送货签收单", font=ImageFont.truetype(FONT, 64),
           fill=(205, 30, 35) if red_title else (20, 20, 20), anchor="mm")
    f = ImageFont.truetype(FONT, 42)
    for i, row in enumerate(ROWS):
        y = 200 + i * 130
        d.text((140, y), row, font=f, fill=(25, 25, 25))
        d.line([(110, y + 75), (w - 110, y + 75)], fill=(60, 60, 60), width=3)
    if seal_over is not None:
        y = 200 + ROWS.index(seal_over) * 130 + 25
        # Ink absorbs light: the seal multiplies onto the page, so black text under it stays black.
        ink = Image.new("L", img.size, 0)
        od = ImageDraw.Draw(ink)
        cx, cy, r = 560, y + 40, 170
        od.ellipse([cx - r, cy - r, cx + r, cy + r], outline=255, width=12)
        sf = ImageFont.truetype(FONT, 46)
        for k, ch in enumerate("华联贸易有限公司"):
            a = math.radians(-160 + k * 140 / 7)
            od.text((cx + 0.72 * r * math.cos(a), cy + 0.72 * r * math.sin(a)), ch, font=sf, fill=255, anchor="mm")
        od.regular_polygon((cx, cy, 45), 5, fill=255)
        cover = np.asarray(ink, np.float32)[..., None] / 255 * 0.9
        seal_ink = np.array([0.87, 0.14, 0.18], np.float32)
        rgb = np.asarray(img.convert("RGB"), np.float32) * (1 - cover * (1 - seal_ink))
        img = Image.fromarray(rgb.clip(0, 255).astype(np.uint8)).convert("RGBA")
    return cv2.cvtColor(np.array(img.convert("RGB")), cv2.COLOR_RGB2BGR)


def phone_photo(page: np.ndarray) -> np.ndarray:
    """The page photographed on a dark desk: perspective, a shadow gradient, sensor noise."""
    h, w = page.shape[:2]
    big_h, big_w = int(h * 1.5), int(w * 1.4)
    desk = np.random.default_rng(0).normal(70, 8, (big_h, big_w, 3)).clip(0, 255).astype(np.uint8)
    ox, oy = (big_w - w) / 2, (big_h - h) / 2
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[ox + 90, oy - 40], [ox + w - 60, oy + 30], [ox + w + 40, oy + h + 50], [ox - 30, oy + h - 20]])
    photo = cv2.warpPerspective(page, cv2.getPerspectiveTransform(src, dst), (big_w, big_h), dst=desk,
                                borderMode=cv2.BORDER_TRANSPARENT)
    shade = np.linspace(0.7, 1.0, big_w)[None, :, None]
    return (photo * shade).clip(0, 255).astype(np.uint8)


def step(page: PreparedPage, name: str):
    return next(s for s in page.steps if s.name == name)


def ocr_text(image: np.ndarray, psm: int = 6) -> str:
    return "".join(pytesseract.image_to_string(image, lang="chi_sim+eng", config=f"--psm {psm}").split())


def test_flatbed_scan_passes_untouched():
    img = render_page()
    page = preprocess_page(img)
    assert not step(page, "perspective").applied
    assert page.rotation == 0 and abs(page.skew_deg) < 0.3 and page.scale == 1.0
    assert page.color.shape == img.shape
    assert page.ocr_image.shape == img.shape[:2]
    names = [s.name for s in page.steps]
    for expected in ("perspective", "orientation", "deskew", "upscale", "remove_red", "flatten_illumination",
                     "denoise", "binarize"):
        assert expected in names
    assert all(s.ms >= 0 for s in page.steps)


@pytest.mark.parametrize("turn", [90, 270])
def test_quarter_turns_give_level_lines(turn):
    """Preprocessing makes text lines level; upright versus upside down is the OCR stage's call."""
    img = render_page()
    codes = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 270: cv2.ROTATE_90_CLOCKWISE}
    page = preprocess_page(cv2.rotate(img, codes[turn]), replace(NO_GEOMETRY, orientation=True))
    assert page.rotation == 90
    assert page.color.shape == img.shape
    upright = np.mean(np.abs(page.color.astype(int) - img.astype(int))) < 3
    flipped = np.mean(np.abs(cv2.rotate(page.color, cv2.ROTATE_180).astype(int) - img.astype(int))) < 3
    assert upright or flipped


@pytest.mark.slow
@pytest.mark.parametrize("turn", [90, 180, 270])
def test_ocr_page_reads_turned_pages_upright(turn):
    from docintel.ingest import SourcePage
    from docintel.ocr import ocr_page

    img = render_page()
    codes = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}
    page = ocr_page(SourcePage(index=0, image=cv2.rotate(img, codes[turn]), dpi=300), "chi_sim",
                    replace(PreprocessOptions(), perspective=False, deskew=False))
    assert page.rotation == (360 - turn) % 360
    assert np.mean(np.abs(page.color.astype(int) - img.astype(int))) < 3
    assert "20240315001" in "".join(w.text for w in page.words)
    # Seals looked for before reading describe the page, also when it was turned after that
    # (tests/test_sample.py turns a sealed page).
    assert page.seal_boxes == []


@pytest.mark.parametrize("angle", [-9.0, 4.0, 12.5])
def test_skew_is_measured_and_removed(angle):
    page = preprocess_page(rotate(render_page(), angle), replace(NO_GEOMETRY, deskew=True))
    assert page.skew_deg == pytest.approx(angle, abs=0.3)
    again = preprocess_page(page.color, replace(NO_GEOMETRY, deskew=True))
    assert abs(again.skew_deg) < 0.3


def test_phone_photo_page_is_found_and_rectified():
    img = render_page("yellow")
    page = preprocess_page(phone_photo(img), replace(NO_GEOMETRY, perspective=True))
    assert step(page, "perspective").applied
    h, w = page.color.shape[:2]
    assert abs(w / h - img.shape[1] / img.shape[0]) < 0.06
    # No dark desk left inside the rectified page: its border rows/columns are paper-bright.
    gray = cv2.cvtColor(page.color, cv2.COLOR_BGR2GRAY)
    assert min(np.median(gray[3]), np.median(gray[-4]), np.median(gray[:, 3]), np.median(gray[:, -4])) > 120


def test_low_resolution_scan_is_upscaled_to_about_300_dpi():
    img = render_page()
    half = cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    page = preprocess_page(half, replace(NO_GEOMETRY, upscale=True))
    assert 1.6 < page.scale < 2.5
    full = preprocess_page(img, replace(NO_GEOMETRY, upscale=True))
    assert full.scale == 1.0  # never downscaled, no pointless upscale of a 300 dpi page
    assert preprocess_page(half, replace(NO_GEOMETRY, upscale=True), dpi=150).scale == pytest.approx(2.0)


def test_a_page_enlarged_far_is_read_smaller_than_its_colour_image():
    # A 150 dpi scan is prepared at x2 (seals, signatures, rereads) but read at x1.2: tesseract
    # reads print enlarged that far as blobs. A 200 dpi scan (x1.5) is read as prepared.
    half = cv2.resize(render_page(), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    options = replace(NO_GEOMETRY, upscale=True, read_upscale_past=1.75, read_upscale_max=1.2)
    page = preprocess_page(half, options, dpi=150)
    assert page.scale == pytest.approx(2.0) and page.reading_scale == pytest.approx(0.6)
    assert page.color.shape[:2] == (1400, 2000) and page.ocr_image.shape == (840, 1200)
    assert step(page, "reading_size").applied
    at_200 = preprocess_page(cv2.resize(render_page(), None, fx=2 / 3, fy=2 / 3, interpolation=cv2.INTER_AREA), options, dpi=200)
    assert at_200.reading_scale == 1.0 and at_200.ocr_image.shape == at_200.color.shape[:2]
    assert all(s.name != "reading_size" for s in at_200.steps)


@pytest.mark.slow
def test_words_read_on_a_page_read_smaller_have_their_boxes_on_the_colour_page():
    from docintel.ingest import SourcePage
    from docintel.ocr import ocr_page

    half = cv2.resize(render_page(), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    options = replace(PreprocessOptions(), perspective=False, deskew=False, read_upscale_past=1.75, read_upscale_max=1.2)
    page = ocr_page(SourcePage(index=0, image=half, dpi=150), "chi_sim", options)
    assert page.color.shape[:2] == (1400, 2000)
    number = next(w for w in page.words if "20240315001" in w.text)
    # render_page drew the first row at (140, 200) at full size, 42 px text: so it stands on the colour page.
    x, y, w, h = number.box
    assert 140 < x < 700 and 190 < y < 270 and 25 < h < 70


def test_upscaling_stops_at_the_pixel_budget(monkeypatch):
    import docintel.ocr.preprocess as preprocess

    small = cv2.resize(render_page(), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # 1000x700: x2 wanted
    monkeypatch.setattr(preprocess, "MAX_UPSCALED_PIXELS", 2_000_000)
    page = preprocess_page(small, replace(NO_GEOMETRY, upscale=True))
    height, width = page.color.shape[:2]
    assert width * height <= 2_000_000 and page.scale == pytest.approx((2_000_000 / 700_000) ** 0.5, rel=0.01)
    assert "held to 2 megapixels" in next(s.detail for s in page.steps if s.name == "upscale")


def test_a_blank_ruled_sheet_is_not_blown_up_by_its_specks():
    """No text lines to measure: the declared dpi decides, or nothing does. Measured from dust and
    ruling, a blank sheet was scaled 3.5 times and tesseract spent 35 s reading the noise."""
    rng = np.random.default_rng(5)
    sheet = np.full((1654, 2339, 3), 248, np.uint8)
    for x in range(150, 2200, 60):
        cv2.line(sheet, (x, 120), (x, 1550), (200, 200, 205), 1)
    for y, x in zip(rng.integers(0, 1654, 600), rng.integers(0, 2339, 600), strict=True):
        cv2.circle(sheet, (int(x), int(y)), int(rng.integers(1, 4)), (90, 90, 90), -1)
    upscale_only = replace(NO_GEOMETRY, upscale=True)
    assert preprocess_page(sheet, upscale_only, dpi=200).scale == pytest.approx(1.5)
    undeclared = preprocess_page(sheet, upscale_only)
    assert undeclared.scale == 1.0
    assert "no text to measure" in next(s.detail for s in undeclared.steps if s.name == "upscale")


def test_red_seal_is_erased_but_text_under_it_and_red_title_stay():
    img = render_page("pink", seal_over="日期 2024年3月15日", red_title=True)
    page = preprocess_page(img, NO_GEOMETRY)
    assert page.seal_boxes, "the seal should be found"
    ocr = page.ocr_image
    # ring pixel (left edge of the ring, away from text rows) becomes paper-bright
    ring_x, ring_y = 560 - 170, 200 + 2 * 130 + 25 + 40 + 40
    assert ocr[ring_y, ring_x - 3:ring_x + 4].min() > 200
    # the red title is not a seal and stays dark ink
    title = ocr[60:120, 850:1150]
    assert title.min() < 120
    text = ocr_text(ocr[200 + 2 * 130 - 10:200 + 2 * 130 + 70, 100:1200])
    assert "2024年3月15日" in text


def test_a_seal_on_a_page_scanned_in_grey_is_lightened_but_the_darker_text_under_it_stays():
    grey = cv2.cvtColor(cv2.cvtColor(render_page("white", seal_over="日期 2024年3月15日"), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    page = preprocess_page(grey, NO_GEOMETRY)
    assert page.seal_boxes, "the premise: the seal's ring is found in grey too"
    ocr = page.ocr_image
    ring_x, ring_y = 560 - 164, 200 + 2 * 130 + 25 + 40  # the ring's left edge, level with its centre
    assert grey[ring_y, ring_x - 2:ring_x + 3, 0].max() < 130, "the premise: the ring is grey ink"
    assert ocr[ring_y, ring_x - 2:ring_x + 3].min() > 200
    assert "2024年3月15日" in ocr_text(ocr[200 + 2 * 130 - 10:200 + 2 * 130 + 70, 100:1200])


def test_a_red_seals_leftovers_are_not_lightened():
    from docintel.extract.marks import detect_seals
    from docintel.ocr.preprocess_color import erase_seals, remove_red_in_boxes

    color = render_page("pink", seal_over="日期 2024年3月15日")
    gray = cv2.cvtColor(color, cv2.COLOR_BGR2GRAY)
    boxes = [s.box for s in detect_seals(color)]
    assert boxes
    assert np.array_equal(erase_seals(color, gray, boxes), remove_red_in_boxes(color, gray, boxes))


def test_a_seal_as_dark_as_the_print_is_left_as_it_is():
    from docintel.ocr.preprocess_color import lighten_grey_seals

    gray = np.full((400, 400), 240, np.uint8)
    cv2.circle(gray, (200, 200), 150, 40, 12)
    cv2.putText(gray, "2024", (120, 215), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 30, 4)
    assert lighten_grey_seals(gray, [(44, 44, 312, 312)]) is gray


def test_seals_found_while_preparing_are_those_extraction_would_find():
    from docintel.extract.marks import detect_seals

    page = preprocess_page(phone_photo(rotate(render_page("pink", seal_over="日期 2024年3月15日"), 3.0)))
    assert page.seal_boxes == [s.box for s in detect_seals(page.color)] != []


def test_histogram_percentile_is_numpys():
    page = cv2.cvtColor(render_page("pink", seal_over="日期 2024年3月15日"), cv2.COLOR_BGR2GRAY)
    rng = np.random.default_rng(7)
    # Two grey levels meeting at the percentile's position: numpy interpolates between them.
    split = np.array([10] * 9 + [200] * 1, np.uint8)
    images = [page, page[::7, 3:], split, rng.integers(0, 256, (37, 41), dtype=np.uint8), np.full((5, 5), 9, np.uint8)]
    for image in images:
        for q in (2, 50, 60, 90, 99.5):
            assert percentile_u8(image, q) == np.percentile(image, q)


def test_components_are_opencvs_whatever_the_label_width():
    text = ink_mask(cv2.cvtColor(render_page(), cv2.COLOR_BGR2GRAY))[:, :800]  # under 65 535 ink pixels
    dots = np.zeros((600, 600), np.uint8)
    dots[::2, ::2] = 255  # 90 000 components: more than 16-bit labels count
    assert cv2.countNonZero(text) < 65_535 < cv2.countNonZero(dots)
    for mask in (text, dots):
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        ours = components(mask)
        assert ours[0] == count and np.array_equal(ours[1], labels) and np.array_equal(ours[2], stats)


def test_rule_lines_are_opencvs_openings_by_a_line():
    """Sped up by dilating only the rows and columns the erosion left ink in: the same pixels."""
    rng = np.random.default_rng(3)
    page = ink_mask(cv2.cvtColor(render_page("pink"), cv2.COLOR_BGR2GRAY))
    masks = [page, page[:, :5], np.zeros((40, 30), np.uint8)]
    masks += [(rng.random(rng.integers(1, 90, 2)) < rng.random()).astype(np.uint8) * 255 for _ in range(60)]
    for mask in masks:
        for length in (1, 3, 17, 60):
            opened = [cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))
                      for size in ((length, 1), (1, length))]
            assert np.array_equal(rule_lines(mask, length), cv2.bitwise_or(*opened))
    assert rule_lines(page, 60).any()  # the form's rules are found at all


def test_division_by_the_background_is_done_in_bands_with_the_same_bytes():
    rng = np.random.default_rng(5)
    height = 3 * _FLATTEN_BAND_ROWS + 17  # a last band shorter than the others
    gray = rng.integers(0, 256, (height, 301), dtype=np.uint8)
    background = rng.integers(0, 256, (height, 301), dtype=np.uint8)
    whole = cv2.divide(gray, cv2.max(background, 1), scale=255.0, dtype=cv2.CV_32F)
    assert np.array_equal(divide_by_background(gray, background), np.clip(whole, 0, 255).astype(np.uint8))


def test_pink_paper_is_flattened_not_wiped():
    img = render_page("pink")
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    flat = flatten_illumination(gray, 42)
    assert np.median(flat) > 245  # paper becomes white
    assert flat[200:250, 140:600].min() < 80  # text stays black
    binary = binarize(flat, 42)
    assert set(np.unique(binary)) <= {0, 255}
    assert 0.01 < (binary == 0).mean() < 0.2


@pytest.mark.slow
def test_default_pipeline_reads_a_skewed_pink_photo():
    img = render_page("pink", seal_over="客户名称 上海华联贸易有限公司")
    page = preprocess_page(phone_photo(rotate(img, 3.0)))
    from docintel.ocr import recognize

    words, _, _ = recognize(page.ocr_image, "auto")  # what the pipeline runs on a whole form
    text = "".join(w.text for w in words)
    # The letters of "SO2…" are read as SO0 / SO2 depending on one pixel; the number is the point.
    assert "20240315001" in text
    assert "上海华联贸易有限" in text  # under the seal
    assert "2024年3月15日" in text
    assert "不锈钢螺丝" in text
