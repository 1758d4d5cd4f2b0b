"""Reading a header value's region again (ocr/region.py, extract/reread.py): on a drawn
carbonless-form strip, a dot-matrix value printed off its line onto the form's underline; on a
strip cut from a generated scan, a serial number in a numbering machine's face."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from docintel.extract.document import read_page
from docintel.extract.header import parse_reread
from docintel.extract.values import parse_date
from docintel.ocr import RegionLook, read_page_region
from docintel.ocr.region import glyphs_apart, read_region
from docintel.ocr.tesseract import run_tesseract
from docintel.ocr.records import OcrPage, Word
from docintel.samples.render import dotmatrix, font

PAPER = (205, 238, 212)  # green carbonless copy (RGB)
FORM_INK = (50, 80, 170)  # the form's blue label and rule
PRINT_INK = 45
TEXT_PX = 42  # 10-12 pt at 300 dpi
LABEL_BOX = (40, 60, 2 * TEXT_PX + 20, TEXT_PX)
RULE_Y = 112
# Where the printer put the value: its digits end on the form's underline.
PRINT_DROP = 53


def carbonless_strip(value: str) -> np.ndarray:
    """A label, its underline, and `value` in dot-matrix print dropped onto the underline."""
    width, height = 1300, 190
    page = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(page)
    draw.text(LABEL_BOX[:2], "日期:", font=font("sans", TEXT_PX), fill=FORM_INK)
    draw.line((LABEL_BOX[0] + LABEL_BOX[2] + 20, RULE_Y, width - 60, RULE_Y), fill=FORM_INK, width=3)
    mask = Image.new("L", (width, height), 0)
    # The printer's line sits lower than the form's: the rule runs through the lower part of the digits.
    ImageDraw.Draw(mask).text((LABEL_BOX[0] + LABEL_BOX[2] + 60, RULE_Y - PRINT_DROP), value, font=font("mono", TEXT_PX), fill=255)
    pins = dotmatrix(np.asarray(mask, np.float32) / 255.0, 300, np.random.default_rng(3))
    image = np.asarray(page, np.float32)[..., ::-1].copy()
    image = image * (1 - pins[..., None]) + PRINT_INK * pins[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)


def strip_page(value: str, read_as: str, confidence: float = 0.3) -> OcrPage:
    """The strip as the page-wide pass left it: the label read, its value read as `read_as`."""
    x, y, w, h = LABEL_BOX
    words = [
        Word("日期", (x, y, w - 20, h), 0.9),
        Word(":", (x + w - 18, y + 8, 10, h - 16), 0.8),
        Word(read_as, (x + w + 60, y + 10, 300, h), confidence),
    ]
    return OcrPage(index=0, words=words, color=carbonless_strip(value), source="tesseract", lang="chi_sim")


def test_region_reads_the_dot_matrix_date_on_its_underline():
    page = strip_page("2024/03/02", "")
    x, y, w, h = LABEL_BOX
    words = read_page_region(page, (x + w, y + h // 2 - TEXT_PX, 16 * TEXT_PX, 2 * TEXT_PX), TEXT_PX)
    assert parse_date("".join(word.text for word in words)).isoformat() == "2024-03-02"
    # Boxes come back in the page's coordinates, on the printed value.
    assert all(x + w < word.box[0] < 1300 and RULE_Y - 2 * TEXT_PX < word.box[1] < RULE_Y for word in words)
    assert [s.name for s in page.steps] == ["tesseract chi_sim (region, joined)"]


def test_an_unparsed_date_is_read_again_and_kept_when_it_parses():
    page = strip_page("2024/03/02", "2024/0")
    dates = [c for c in read_page(page).candidates if c.key == "date"]
    assert [c.value for c in dates] == ["2024-03-02"]
    assert 0 < dates[0].confidence < 0.9


def test_a_date_read_in_place_is_not_read_again():
    page = strip_page("2024/03/02", "2024/03/02", confidence=0.8)
    dates = [c.value for c in read_page(page).candidates if c.key == "date"]
    assert dates == ["2024-03-02"] and page.steps == []


def test_a_date_parsed_from_unsure_digits_gives_way_to_a_clear_second_reading():
    page = strip_page("2024/03/02", "2024/03/05", confidence=0.3)
    dates = [c for c in read_page(page).candidates if c.key == "date"]
    assert [c.value for c in dates] == ["2024-03-02"]
    assert page.steps  # it was read again


def test_a_date_read_unsurely_does_not_give_way_to_a_second_reading_with_digits_lost():
    # The crop read anew lost the day's 6 (a hand's digit); the first reading, unsure of its
    # year, had the day whole.
    page = strip_page("2024/02/1", "2024/02/16", confidence=0.3)
    assert [c.value for c in read_page(page).candidates if c.key == "date"] == ["2024-02-16"]
    assert page.steps  # it was read again


@pytest.mark.parametrize(("printed", "expected"), [
    ("2024/06/21", "2024-06-21"),  # the day's 1 lost in the first reading: the second has it
    ("2024/06/11", "2024-06-02"),  # the second reading is not the first with digits lost: kept
])
def test_a_date_written_over_the_forms_marks_gives_way_only_to_a_reading_with_its_digits_and_more(printed, expected):
    # Read clearly, but 年 read twice: a hand's digits over the form's printed marks, often read short.
    page = strip_page(printed, "2024 年 年6 月 2 日", confidence=0.9)
    assert [c.value for c in read_page(page).candidates if c.key == "date"] == [expected]
    assert page.steps  # it was read again


def test_a_date_whose_year_reads_as_no_year_is_kept_as_read_for_matching_to_date():
    from docintel.extract import extract_fields
    from docintel.extract.values import parse_month_day

    # 2024 read 2324, a 0 as 3, however it is read again: month and day are kept as read, and the
    # order the slip matches gives the year (match/repairs.py). (A 0 read as 6, 8 or 9 is put back.)
    page = strip_page("2324/06/25", "2324/06/25", confidence=0.9)
    document = extract_fields("a.jpg", [page], page_images=False)
    assert document.date is None and page.steps  # it was read again
    assert parse_month_day(document.readings["date"]) == (6, 25)
    assert "readings" not in document.contract_dict()


def test_an_unsure_order_number_gives_way_only_to_a_clear_reading_that_contains_it():
    order_label = Word("订单号", (40, 60, 104, 42), 0.9)
    # The first reading lost its ends: the clear second reading holds it, and stands.
    page = strip_page("PO-2024-0302", "2024-030", confidence=0.3)
    page.words[0] = order_label
    assert [c.value for c in read_page(page).candidates if c.key == "order_no"] == ["PO-2024-0302"]
    # A clear second reading that contradicts the first does not stand: matching can still find
    # the order through look-alikes from the first.
    page = strip_page("2024/03/02", "2024/03/05", confidence=0.3)
    page.words[0] = order_label
    assert [c.value for c in read_page(page).candidates if c.key == "order_no"] == ["2024/03/05"]
    assert page.steps  # it was read again


@pytest.mark.parametrize(
    ("key", "read", "expected"),
    [
        ("order_no", [("P0-2024-072776", 0.67)], "PO-2024-072776"),
        ("order_no", [("人", 0.5), ("40-4", 0.6), ("当", 0.5)], None),  # a fragment out of noise
        ("order_no", [("PF02432233", 0.0)], None),  # not read with any confidence
        ("date", [("2024年2月14", 0.92), ("晶", 0.0)], "2024-02-14"),  # an unsure day mark does not matter
        ("date", [("2024年1月", 0.9), ("六", 0.21), ("日", 0.7)], None),
        ("date", [("2024年1月", 0.9), ("六", 0.9), ("日", 0.7)], None),  # Arabic and Chinese numerals mixed
        ("date", [("二〇二四年一月六日", 0.9)], "2024-01-06"),
    ],
)
def test_a_second_reading_is_kept_only_when_it_is_clear(key, read, expected):
    words = [Word(text, (40 * i, 0, 38, 40), confidence) for i, (text, confidence) in enumerate(read)]
    assert parse_reread(key, words) == expected


def test_glyphs_are_set_apart_and_their_columns_traced_back():
    line = np.full((10, 12), 255, np.uint8)
    line[2:8, 1:3] = 0  # a glyph at columns 1-2
    line[2:8, 4:6] = 0  # and one at 4-5
    apart, columns = glyphs_apart(line, 3)
    assert apart.shape == (10, 18)
    inked = [int(c) for c in np.flatnonzero((apart < 128).any(axis=0))]
    assert inked == [1, 2, 7, 8]  # three blank columns after each glyph
    assert [int(columns[c]) for c in inked] == [1, 2, 4, 5]


def test_a_line_whose_thin_ones_merge_is_read_with_its_glyphs_apart():
    """Read as a whole line, 11 in a serif face beside 年 and 月 comes back as 1] (which parses as
    January); with the glyphs set apart each 1 is read."""
    width, height, px = 900, 120, 36
    strip = Image.new("RGB", (width, height), (255, 255, 255))
    ImageDraw.Draw(strip).text((60, 30), "2024年11月1日", font=font("serif", px), fill=(40, 40, 40))
    image = np.asarray(strip)[..., ::-1].copy()
    words, timing = read_region(image, (40, 10, 800, 100), px, "chi_sim", RegionLook.GLYPHS_APART)
    assert parse_date("".join(w.text for w in words)).isoformat() == "2024-11-01"
    assert timing.name == "tesseract chi_sim (region, glyphs apart)"
    # The boxes are traced back onto the print, which ends well before the added blank columns would.
    ink = np.flatnonzero((image.min(axis=(0, 2)) < 128))
    assert all(ink[0] - 4 <= w.box[0] and w.box[0] + w.box[2] <= ink[-1] + 4 for w in words)


SERIAL_SCAN = Path(__file__).parent / "data" / "serial_dotted_zero.jpg"  # cut from a generated carbonless receipt


def test_a_serial_number_misread_by_the_chinese_model_is_put_right_by_the_english_one():
    """The numbering machine's dotted zero: chi_sim reads No. 0806259 as 9806259 (with 0.65
    confidence); English, the digits set apart, reads it right."""
    color = cv2.imread(str(SERIAL_SCAN))
    words, _ = run_tesseract(cv2.cvtColor(color, cv2.COLOR_BGR2GRAY), "chi_sim", psm=4)
    assert [w.text for w in words] == ["No.", "9806259"], "the premise: the page-wide pass misreads the zero"
    page = OcrPage(index=0, words=words, color=color, source="tesseract", lang="chi_sim")
    numbers = [c for c in read_page(page).candidates if c.key == "doc_no"]
    assert [c.value for c in numbers] == ["0806259"]
    assert [s.name for s in page.steps] == ["tesseract eng (region, digits apart)"]


def test_a_serial_number_read_the_same_by_english_stays_as_read():
    color = cv2.imread(str(SERIAL_SCAN))
    words, _ = run_tesseract(cv2.cvtColor(color, cv2.COLOR_BGR2GRAY), "chi_sim", psm=4)
    words = [Word("0806259", w.box, w.confidence) if w.text.isdigit() else w for w in words]
    page = OcrPage(index=0, words=words, color=color, source="tesseract", lang="chi_sim")
    numbers = [c for c in read_page(page).candidates if c.key == "doc_no"]
    assert [(c.value, c.words) for c in numbers] == [("0806259", tuple(words))]  # the words read in place


def test_a_serial_number_whose_zero_was_read_as_two_digits_is_read_again_at_its_own_length():
    """No. 0895856 read 90895856 on the page (the dotted zero as two glyphs): the English reading,
    one digit shorter and clearer, stands."""
    color = cv2.imread(str(Path(__file__).parent / "data" / "serial_zero_read_twice.jpg"))  # cut from a generated receipt
    words, _ = run_tesseract(cv2.cvtColor(color, cv2.COLOR_BGR2GRAY), "chi_sim", psm=4)
    assert [w.text for w in words] == ["No.", "90895856"], "the premise: the page-wide pass reads the zero twice"
    page = OcrPage(index=0, words=words, color=color, source="tesseract", lang="chi_sim")
    assert [c.value for c in read_page(page).candidates if c.key == "doc_no"] == ["0895856"]


def test_a_serial_numbers_dotted_zero_read_as_6_is_put_back_even_when_english_is_less_sure():
    """No. 0582039 on a 150 dpi slip, read 6582039 at 0.87 on the page (read at x1.2): the English
    reading 0582039 (0.84) differs only where a dotted zero is read as 6, and stands."""
    color = cv2.imread(str(Path(__file__).parent / "data" / "serial_dotted_zero_150dpi.png"))  # cut from a generated receipt
    words = [Word("No.", (40, 50, 77, 40), 0.92), Word("6582039", (137, 40, 247, 48), 0.87)]
    page = OcrPage(index=0, words=words, color=color, source="tesseract", lang="chi_sim")
    assert [c.value for c in read_page(page).candidates if c.key == "doc_no"] == ["0582039"]


def test_only_zeros_read_as_6_or_9_are_put_back_without_more_confidence():
    from docintel.extract.reread import _zeros_put_back

    assert _zeros_put_back("6582039", "0582039") and _zeros_put_back("9976086", "0976080")
    assert not _zeros_put_back("6582039", "6582039")  # nothing to put back
    assert not _zeros_put_back("6582039", "0582089")  # a 3 read as 8: another reading, not a zero
    assert not _zeros_put_back("0582039", "6582039")  # a zero turned into a 6
    assert not _zeros_put_back("90582039", "0582039")  # another length: the confidence rule decides


def test_a_serial_number_read_longer_the_second_time_stays_as_first_read():
    """发票号码: 37302004, read faintly (0.37) on the page: English, the digits set apart, reads its
    thin zeros as 60 (3730602604), clearly. A second reading may drop a glyph the first split in
    two, not add any."""
    color = cv2.imread(str(Path(__file__).parent / "data" / "serial_thin_zeros.png"))  # cut from a generated invoice
    label = [("发", (30, 35, 48, 41)), ("票", (91, 31, 44, 58)), ("号", (134, 31, 41, 58)), ("码", (174, 31, 37, 58)), (":", (210, 31, 19, 58))]
    words = [Word(text, box, 0.9) for text, box in label] + [Word("37302004", (250, 40, 204, 33), 0.37)]
    page = OcrPage(index=0, words=words, color=color, source="tesseract", lang="chi_sim")
    assert [c.value for c in read_page(page).candidates if c.key == "doc_no"] == ["37302004"]
    assert [s.name for s in page.steps] == ["tesseract eng (region, digits apart)"]


def table_strip() -> np.ndarray:
    """A line-item table's header and two numbered rows, printed on green carbonless paper."""
    width, height = 1500, 300
    page = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(page)
    for text, x in (("序号", 40), ("品名", 260), ("单位", 900), ("数量", 1150)):
        draw.text((x, 30), text, font=font("sans", TEXT_PX), fill=FORM_INK)
    for y, (no, name, unit, qty) in zip((120, 200), (("1", "封箱胶带", "卷", "11"), ("2", "配电箱", "台", "4"))):
        for text, x in ((no, 60), (name, 260), (unit, 910), (qty, 1160)):
            draw.text((x, y), text, font=font("sans", TEXT_PX), fill=(PRINT_INK,) * 3)
    return np.asarray(page)[..., ::-1].copy()


def test_a_numbered_line_whose_quantity_was_lost_keeps_its_line_and_its_quantity_is_read_from_its_cell():
    strip = table_strip()
    words, _ = run_tesseract(cv2.cvtColor(strip, cv2.COLOR_BGR2GRAY), "chi_sim", psm=6)
    assert "11" in [w.text for w in words], [w.text for w in words]
    # The page-wide pass lost the first line's quantity (11: two thin 1s, the commonest loss).
    lost = [w for w in words if not (w.text == "11" and w.box[1] > 100)]
    page = OcrPage(index=0, words=lost, color=strip, source="tesseract", lang="chi_sim")
    items = read_page(page).items
    assert [(i.product, i.quantity) for i in items] == [("封箱胶带", 11.0), ("配电箱", 4.0)]
    # A line whose cell holds nothing to read stays a line, its quantity unknown, its confidence low.
    blank = strip.copy()
    blank[110:180, 1130:1300] = PAPER[::-1]
    page = OcrPage(index=0, words=lost, color=blank, source="tesseract", lang="chi_sim")
    first = read_page(page).items[0]
    assert (first.product, first.quantity) == ("封箱胶带", None) and first.confidence < 0.6


def test_a_quantity_nothing_on_its_line_checks_is_read_again_and_put_right_only_where_digits_were_lost():
    from dataclasses import replace as with_text

    strip = table_strip()
    words, _ = run_tesseract(cv2.cvtColor(strip, cv2.COLOR_BGR2GRAY), "chi_sim", psm=6)
    at = {(w.text, w.box[1] > 150): i for i, w in enumerate(words)}
    assert ("11", False) in at and ("4", True) in at, [w.text for w in words]
    # The first line's 11 read 1 (a thin 1 lost beside the cell's edge): read again, 11.
    short = list(words)
    short[at["11", False]] = with_text(words[at["11", False]], text="1")
    page = OcrPage(index=0, words=short, color=strip, source="tesseract", lang="chi_sim")
    assert [(i.product, i.quantity) for i in read_page(page).items] == [("封箱胶带", 11.0), ("配电箱", 4.0)]
    # The second line's 4 read 7: a clear second reading that is not the first with digits added
    # does not overrule it (only the order can tell which is right).
    other = list(words)
    other[at["4", True]] = with_text(words[at["4", True]], text="7")
    page = OcrPage(index=0, words=other, color=strip, source="tesseract", lang="chi_sim")
    assert [(i.product, i.quantity) for i in read_page(page).items] == [("封箱胶带", 11.0), ("配电箱", 7.0)]


DATELINE_SCAN = Path(__file__).parent / "data" / "dateline_read_twice.jpg"  # cut from a generated notice


def test_an_unlabelled_dateline_that_did_not_parse_is_read_again():
    """A notice's dateline, no label before it: chi_sim reads 2024-10-26 as 2024-10-206 (a glyph
    read twice). Read again from its region alone it parses."""
    color = cv2.imread(str(DATELINE_SCAN))
    words, _ = run_tesseract(cv2.cvtColor(color, cv2.COLOR_BGR2GRAY), "chi_sim", psm=4)
    assert [w.text for w in words] == ["2024-10-206"], "the premise: the page-wide pass reads a digit twice"
    page = OcrPage(index=0, words=words, color=color, source="tesseract", lang="chi_sim")
    dates = [c for c in read_page(page).candidates if c.key == "date"]
    assert [c.value for c in dates] == ["2024-10-26"]
    assert page.steps and page.steps[0].name == "tesseract chi_sim (region, joined)"


@pytest.mark.parametrize(("read", "reread"), [
    ("2024-10-206", True),  # a date's shape
    ("2024-1]-19", True),  # a month's 1 and the next glyph read as a bracket
    ("2024-0", True),  # the rest of the line lost under a seal
    ("2024年", True),
    ("PO-2024-0412", False),  # an order number: it does not begin as a date does
    ("2024-10-26", False),  # it parses: nothing to read again
    ("共 2024 件", False),
])
def test_an_unlabelled_line_is_read_again_as_a_date_when_it_begins_as_one(read, reread):
    from docintel.extract.header import unlabelled_broken_date
    from docintel.ocr.layout import group_lines

    words = [Word("通知", (100, 100, 120, 40), 0.9, (1, 1, 1)), Word(read, (1500, 400, 240, 40), 0.4, (1, 2, 1))]
    found = unlabelled_broken_date(group_lines(words), None)
    assert (found is not None) is reread
    if found:
        assert found.region[0] < 1500 < 1740 < found.region[0] + found.region[2]


@pytest.mark.parametrize(("first", "second", "kept"), [
    ("2024-亿-10", "2024-01-10", True),  # the month read as a Chinese character: year and day agree
    ("113/亿/18", "2024-01-18", True),  # an ROC year
    ("2024-忆", "2024-01-21", False),  # one number of three is too little to go by
    ("2024-1-21", "2024-11-21", False),  # the first reading's 1 is not the second's 11
    ("21-2024", "2024-01-21", False),  # out of order
    ("", "2024-01-21", False),
])
def test_an_unsure_second_reading_of_an_unparsed_date_stands_where_the_first_bears_it_out(first, second, kept):
    from docintel.extract.reread import _keeps_digit_groups

    assert _keeps_digit_groups(first, second) is kept


MONTH_AS_CHARACTER_SCAN = Path(__file__).parent / "data" / "date_month_read_as_character.png"  # cut from a generated 150 dpi receipt


def test_a_date_in_digits_no_look_of_the_page_language_parses_is_read_by_english_with_its_glyphs_apart():
    """2024-08-02 in 150 dpi dot-matrix print: chi_sim reads its month as characters on the page
    and in every look of its own (2024-的-02); English, the glyphs apart, reads the digits."""
    color = cv2.imread(str(MONTH_AS_CHARACTER_SCAN))
    words, _ = run_tesseract(cv2.cvtColor(color, cv2.COLOR_BGR2GRAY), "chi_sim", psm=4)
    assert parse_date(" ".join(w.text for w in words)) is None, "the premise: the page-wide pass does not read the date"
    page = OcrPage(index=0, words=words, color=color, source="tesseract", lang="chi_sim")
    dates = [c for c in read_page(page).candidates if c.key == "date"]
    assert [c.value for c in dates] == ["2024-08-02"]
    assert [s.name for s in page.steps][-1] == "tesseract eng (region, digits apart)"


@pytest.mark.parametrize(("raw", "doubted", "by_english"), [
    ("2024-的-02", None, True),  # digits and separators: English reads them
    ("2024年8月", None, False),  # English has no glyph for 年 and 月
    ("2024710/29", "2024-10-29", False),  # read unsurely: English alone reads another digit as clearly
])
def test_only_a_date_of_digits_that_did_not_parse_is_read_by_english(raw, doubted, by_english):
    from docintel.extract.header import UnreadValue
    from docintel.extract.reread import _looks

    item = UnreadValue("date", 0, "日期", 1.0, (0, 0, 100, 40), 40.0, doubted, raw=raw)
    assert (RegionLook.DIGITS_APART in _looks(item)) is by_english


SEALED_DATELINE_SCAN = Path(__file__).parent / "data" / "dateline_under_red_seal.jpg"  # cut from a generated letter, phone photo


def sealed_dateline_page(seal_boxes: list[tuple[int, int, int, int]]) -> OcrPage:
    """The letter's signature block as the page-wide pass (red erased) left it: the company's name,
    and its dateline 2024-11-06, the red ring across its day, read 2024-11-66."""
    words = [Word("苏州鸿运工业品供应链有限公司", (74, 76, 730, 95), 0.9), Word("2024-11-66", (524, 221, 247, 57), 0.23)]
    return OcrPage(index=0, words=words, color=cv2.imread(str(SEALED_DATELINE_SCAN)), source="tesseract",
                   lang="chi_sim", seal_boxes=seal_boxes)


def test_a_dateline_under_a_red_seal_is_read_again_with_the_seals_red_erased():
    from docintel.extract.marks import detect_seals

    seals = [s.box for s in detect_seals(cv2.imread(str(SEALED_DATELINE_SCAN)))]
    assert seals, "the premise: the seal is found"
    page = sealed_dateline_page(seals)
    dates = [c for c in read_page(page).candidates if c.key == "date"]
    assert [c.value for c in dates] == ["2024-11-06"]
    assert [c.value for c in read_page(sealed_dateline_page([])).candidates if c.key == "date"] == [], (
        "the premise: read with the ring, no look reads the date")


def test_a_region_is_read_with_a_seals_red_erased_only_after_every_look_with_it():
    from docintel.ocr import region_readings

    page = sealed_dateline_page([(680, 24, 388, 458)])
    looks = (RegionLook.JOINED, RegionLook.GLYPHS_APART)
    assert region_readings(page, (500, 200, 300, 100), looks) == [
        (RegionLook.JOINED, False), (RegionLook.GLYPHS_APART, False), (RegionLook.JOINED, True), (RegionLook.GLYPHS_APART, True)]
    assert region_readings(page, (20, 200, 300, 100), looks) == [(RegionLook.JOINED, False), (RegionLook.GLYPHS_APART, False)]


RULED_QUANTITIES_SCAN = Path(__file__).parent / "data" / "ruled_quantities_on_column_rule.jpg"  # cut from a generated 200 dpi receipt


def test_a_quantity_printed_onto_its_column_rule_is_read_again_between_the_columns_rules():
    """A ruled dot-matrix table whose print slipped right: each quantity's last digit sits on the
    column's right rule, and the page read 500 as 50, 4.282 as 4.28, 140 as 4. The cell is cut at
    the column's left rule (the unit column's glyphs stand past its header label), and the rule
    through the digit is lifted with the digit's strokes kept."""
    from docintel.extract.records import LineItem, WordRef
    from docintel.extract.reread_cells import reread_unchecked_quantities
    from docintel.extract.table import Column

    page = OcrPage(index=0, words=[], color=cv2.imread(str(RULED_QUANTITIES_SCAN)), source="tesseract", lang="chi_sim")
    columns = [Column("unit", 142, 223), Column("quantity", 436, 517), Column("remark", 788, 870)]
    read = [("电缆", 50.0, (605, 30, 61, 32)), ("等边角钢", 4.28, (562, 107, 104, 34)), ("矿泉水", 4.0, (607, 576, 58, 30))]
    items = [LineItem(product=name, quantity=quantity, sources=[WordRef(page=0, box=box)]) for name, quantity, box in read]
    reread_unchecked_quantities(page, columns, items)
    assert [i.quantity for i in items] == [500.0, 4.282, 140.0]


BORDERED_QUANTITIES_SCAN = Path(__file__).parent / "data" / "right_aligned_quantities_by_table_border.jpg"  # cut from a generated receipt


def test_the_last_columns_cell_reaches_the_tables_border():
    """The quantity column is the table's last: its numbers, set right against the border, end
    more than three text heights past the header label (700, 230 and 3, lost by the page pass).
    The cell reaches to the border rule and a little past it."""
    from docintel.extract.records import LineItem, WordRef
    from docintel.extract.reread_cells import reread_unchecked_quantities
    from docintel.extract.table import Column

    page = OcrPage(index=0, words=[], color=cv2.imread(str(BORDERED_QUANTITIES_SCAN)), source="tesseract", lang="chi_sim")
    columns = [Column("unit", 65, 146), Column("quantity", 341, 422)]
    # Each line's words as the page read them (its number, name, spec and unit), in the cut's coordinates.
    rows = [("不锈钢六角螺栓", [(-1511, 89, 17, 32), (-1385, 87, 38, 37), (-575, 88, 141, 33), (86, 84, 38, 38)]),
            ("PVC电工胶带", [(-1513, 166, 20, 33), (-1383, 166, 71, 34), (-575, 166, 245, 33), (86, 161, 38, 39)]),
            ("冲击电钻", [(-1513, 244, 20, 34), (-1385, 241, 80, 39), (-575, 244, 118, 33), (89, 239, 34, 19), (91, 260, 28, 19)])]
    items = [LineItem(product=name, quantity=None, sources=[WordRef(page=0, box=box) for box in boxes]) for name, boxes in rows]
    reread_unchecked_quantities(page, columns, items)
    assert [i.quantity for i in items] == [700.0, 230.0, 3.0]


BORDER_BESIDE_ZERO_SCAN = Path(__file__).parent / "data" / "last_zero_beside_table_border.png"  # cut from a generated 200 dpi receipt


def test_a_cell_that_takes_in_the_tables_border_is_read_with_its_rules_lifted_first():
    """Kept, the border beside the last 0 of 140 reads as a 4 (144, a clear reading): the cell is
    read with the border lifted first."""
    from docintel.extract.records import LineItem, WordRef
    from docintel.extract.reread_cells import reread_unchecked_quantities
    from docintel.extract.table import Column

    page = OcrPage(index=0, words=[], color=cv2.imread(str(BORDER_BESIDE_ZERO_SCAN)), source="tesseract", lang="chi_tra")
    columns = [Column("unit", 72, 159), Column("quantity", 381, 473)]
    boxes = [(-1698, 58, 20, 33), (-1557, 51, 178, 43), (-1494, 47, 42, 60), (-1453, 51, 74, 43), (-638, 55, 62, 34),
             (-550, 52, 85, 38), (-491, 43, 28, 62), (109, 50, 43, 42)]
    items = [LineItem(product="五孔插座", quantity=None, sources=[WordRef(page=0, box=box) for box in boxes])]
    reread_unchecked_quantities(page, columns, items)
    assert items[0].quantity == 140.0


ENGLISH_QUANTITY_SCAN = Path(__file__).parent / "data" / "quantity_read_by_english_alone.jpg"  # cut from a generated 150 dpi receipt


def test_a_quantity_cell_no_look_of_the_page_language_reads_is_read_by_english_with_its_glyphs_apart():
    """A faint dot-matrix 60 that the page lost and chi_sim reads as nothing or characters in
    every look; English, its glyphs apart, reads 60."""
    from docintel.extract.records import LineItem, WordRef
    from docintel.extract.reread_cells import reread_unchecked_quantities
    from docintel.extract.table import Column

    page = OcrPage(index=0, words=[], color=cv2.imread(str(ENGLISH_QUANTITY_SCAN)), source="tesseract", lang="chi_sim")
    columns = [Column("unit", 124, 205), Column("quantity", 460, 551)]
    boxes = [(-1750, 62, 16, 31), (-1601, 57, 79, 39), (-1500, 57, 62, 39), (-1268, 50, 35, 60), (134, 58, 37, 38)]
    items = [LineItem(product="劳保手套尼龙涂胶", quantity=None, sources=[WordRef(page=0, box=box) for box in boxes])]
    reread_unchecked_quantities(page, columns, items)
    assert items[0].quantity == 60.0
    assert [s.name for s in page.steps][-1] == "tesseract eng (region, digits apart)"


@pytest.mark.parametrize(("read", "clear"), [
    ("500", True), ("4.282", True), ("12箱", True), ("160|", True),  # a cell border's bar beside it
    ("4.2时", False),  # 82 and the rule through the 2 read as one character
    ("2咱", False), ("50 )", False),  # a 0 on the rule read as a bracket
    ("1 2", False),
])
def test_a_cells_second_reading_is_a_quantity_only_when_it_shows_nothing_else(read, clear):
    from docintel.extract.reread_cells import _clearly_a_quantity
    from docintel.ocr.layout import join_words

    words = [Word(text, (10 * i, 0, 10, 10), 0.9) for i, text in enumerate(read.split(" "))]
    digits = [w for w in words if any(ch.isdigit() for ch in w.text)]
    assert _clearly_a_quantity(join_words(words), digits) is clear


def test_a_column_rule_through_a_line_crop_is_found_and_lifted_where_no_glyph_crosses_it():
    from docintel.ocr.region import lift_rules, vertical_rule_columns

    crop = np.full((60, 200), 235, np.uint8)
    crop[:, 120:123] = 30  # the column's rule, the crop's whole height: shorter than a rule must be
    cv2.putText(crop, "0", (105, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 30, 3)  # a 0 printed onto it
    assert [(start, end) for start, end in vertical_rule_columns(crop, 36)] == [(119, 124)]
    lifted = lift_rules(crop, 36)
    assert lifted[2, 121] > 200 and lifted[57, 121] > 200  # the rule above and below the 0: paper
    zero = crop[12:48, 100:135] < 128
    assert (lifted[12:48, 100:135] < 128).sum() >= 0.8 * zero.sum() - 3 * 36  # the 0's strokes kept


SMALL_DATE_SCAN = Path(__file__).parent / "data" / "dot_matrix_date_below_tall_line.jpg"  # cut from a generated carbonless receipt
# The words the page-wide pass read on that line, in the cut's coordinates: two of its glyphs were
# boxed with the line above, so the line's median height is about twice its print's.
SMALL_DATE_LINE = [("送", (133, 90, 180, 42), 0.92), ("货", (193, 70, 43, 83), 0.92), ("日", (235, 90, 53, 42), 0.89),
                   ("期", (287, 70, 33, 83), 0.92), (":。", (318, 70, 53, 83), 0.52), ("2024/657P27", (385, 103, 210, 43), 0.32)]


def test_a_date_printed_smaller_than_its_line_is_read_at_its_own_height():
    """Read at the line's 83 px, the 35 px dot-matrix date was blurred past reading and never
    enlarged (2全LI, ea, 2024/0527 |); measured, it reads 2024/05/27."""
    color = cv2.imread(str(SMALL_DATE_SCAN))
    words = [Word(text, box, confidence, (1, 1, 1)) for text, box, confidence in SMALL_DATE_LINE]
    page = OcrPage(index=0, words=words, color=color, source="tesseract", lang="chi_sim")
    dates = [c for c in read_page(page).candidates if c.key == "date"]
    assert [c.value for c in dates] == ["2024-05-27"]


def test_a_lines_own_print_is_measured_without_its_underline_or_a_stub_at_the_crops_edge():
    from docintel.ocr.region import print_rows

    crop = np.full((90, 300), 235, np.uint8)
    cv2.putText(crop, "2024/05/27", (20, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 30, 2)  # ink on rows 27-51
    crop[53:56, :] = 30  # the underline
    crop[14:29, 290:292] = 30  # a stub of a column rule reaching into the print's rows from above
    top, bottom = print_rows(crop, 80, 40)
    assert 27 <= top <= 32 and 49 <= bottom <= 52, "the print's rows: neither the rule nor the stub, nor the label's 80 px"
