"""Value parsing on OCR text from Chinese/English business forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from docintel.extract.values import (
    ReconciledItem,
    amounts_consistent,
    fold_width,
    normalize_spaces,
    number_from_token,
    ocr_variants,
    parse_amount,
    parse_chinese_amount,
    parse_date,
    parse_quantity,
    reconcile_item,
    repair_digits,
)

MARCH_15 = dt.date(2024, 3, 15)


# --- fold_width ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("￥１，０９１．５０", "¥1,091.50"),
        ("¥12", "¥12"),
        ("日期：2024", "日期:2024"),
        ("（大写）", "(大写)"),
        ("客户\u3000名称", "客户 名称"),
        ("1091。50", "1091.50"),
        ("１２。５", "12.5"),
        ("签收。谢谢", "签收。谢谢"),
        ("送货单 No.１２", "送货单 No.12"),
        ("二〇二四年", "二〇二四年"),
    ],
)
def test_fold_width(raw, folded):
    assert fold_width(raw) == folded


def test_fold_width_leaves_cjk_untouched():
    text = "客户名称 收货专用章 簽收單"
    assert fold_width(text) == text


# --- normalize_spaces -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("客 户 名 称", "客户名称"),
        ("  送货   单  ", "送货单"),
        ("ABC  Trading\tCo.", "ABC Trading Co."),
        ("客 户 ： ABC  Trading", "客户： ABC Trading"),  # CJK–Latin spaces stay
        ("收货\u3000单位", "收货单位"),
        ("品名\n规格", "品名规格"),
        ("数量 12", "数量 12"),
        ("", ""),
    ],
)
def test_normalize_spaces(raw, normalized):
    assert normalize_spaces(raw) == normalized


# --- repair_digits --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("2O24", "2024"),
        ("l5", "15"),
        ("1O9l.5O", "1091.50"),
        ("1,O9l.5O", "1,091.50"),
        ("I2B", "128"),
        ("12S", "125"),
        ("2024年3月l5日", "2024年3月15日"),
        ("SO2O24O315", "SO20240315"),
        ("No.l5", "No.15"),
        ("2024-OO1", "2024-001"),
        ("3.5kg", "3.5kg"),
        ("12pcs", "12pcs"),
        ("SOLD", "SOLD"),
        ("lO", "lO"),
        ("Mar 15", "Mar 15"),
        ("15Mar2O24", "15Mar2024"),
    ],
)
def test_repair_digits(raw, repaired):
    assert repair_digits(raw) == repaired


# --- parse_date --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024年3月15日",
        "2024 年 3 月 15 日",
        "日期: 2024-03-15",
        "送货日期：2024/3/15",
        "2024.3.15",
        "2024.03.15 14:30",
        "开单日期 20240315",
        "113年3月15日",
        "民國113年3月15日",
        "民国 113 年 03 月 15 日",
        "113.03.15",
        "113/03/15",
        "15/03/2024",
        "03/15/2024",
        "15.03.2024",
        "15 Mar 2024",
        "Date: Mar 15, 2024",
        "March 15 2024",
        "15-Mar-2024",
        "15th March, 2024",
        "二〇二四年三月十五日",
        "一一三年三月十五日",
        "２０２４年３月１５日",
        "2O24-03-15",
        "2024年3月l5日",
        "2024年3月15号",
        "签收日期 2024年3月15",
    ],
)
def test_parse_date_finds_march_15(text):
    assert parse_date(text) == MARCH_15


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("05/03/2024", True, dt.date(2024, 3, 5)),
        ("05/03/2024", False, dt.date(2024, 5, 3)),
        ("15/03/2024", False, MARCH_15),  # 15 cannot be a month
        ("03/15/2024", True, MARCH_15),
        ("12/12/2024", True, dt.date(2024, 12, 12)),
    ],
)
def test_parse_date_ambiguous_slash_dates(text, dayfirst, expected):
    assert parse_date(text, dayfirst=dayfirst) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇二三年十二月三十一日", dt.date(2023, 12, 31)),
        ("二〇二四年二月二十九日", dt.date(2024, 2, 29)),
        ("1st Feb 2024", dt.date(2024, 2, 1)),
        ("Sept 9, 2023", dt.date(2023, 9, 9)),
        ("99/01/02", dt.date(2010, 1, 2)),
        ("1999-12-31", dt.date(1999, 12, 31)),
        ("开单日期: 2024年1]月15日", dt.date(2024, 1, 15)),  # 月's left stroke read apart as ]
        ("2024|年3月5日", dt.date(2024, 3, 5)),
        ("送 货 日 期: 2024 年 年6 月 15  日", dt.date(2024, 6, 15)),  # handwritten over the form's 年
        ("2024年3月 月15日 日", dt.date(2024, 3, 15)),
    ],
)
def test_parse_date_other_values(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30",
        "2023年2月29日",
        "2024-13-01",
        "32/01/2024",
        "1985-03-15",
        "24年3月15日",  # a two-digit year that is not ROC
        "2124-03-15",  # past any year a form carries, and no 0 read as another digit in it
        "3024-03-15",  # only a second digit read for a 0 is put back
        "40.03.15",
        "SO20240315",  # inside an order number
        "单号 202403150",
        "2024年3月",
        "No date here",
        "",
        "¥1,091.50",
    ],
)
def test_parse_date_rejects(text):
    assert parse_date(text) is None


def test_parse_date_takes_the_first_date_in_the_text():
    assert parse_date("开单 2024-03-15 签收 2024-03-18") == MARCH_15


# --- parse_amount ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("￥1,091.50", 1091.5),
        ("¥1091.5", 1091.5),
        ("RMB 1,091.50", 1091.5),
        ("rmb1091.50", 1091.5),
        ("1091.50元", 1091.5),
        ("１，０９１．５０", 1091.5),
        ("-12.00", -12.0),
        ("¥-12.00", -12.0),
        ("-¥12.00", -12.0),
        ("1091,50", 1091.5),
        ("1,091,50", 1091.5),
        ("12,000", 12000.0),
        ("12,345,678.90", 12345678.9),
        ("1.091.50", 1091.5),
        ("¥l,O9l.5O", 1091.5),
        ("1O91.5O", 1091.5),
        ("1, 091 .50", 1091.5),
        ("12.00, 3件", 12.0),
        ("1091。50", 1091.5),
        ("合计: ￥1,091.50", 1091.5),
        ("数量 3 金额 ¥36.00", 36.0),
        ("税率13% ¥1,130.00", 1130.0),
        ("1.5万元", 15000.0),
        ("12.345", 12.35),
        ("0", 0.0),
        ("SO-12", 12.0),
    ],
)
def test_parse_amount(text, expected):
    assert parse_amount(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "金额", "abc", "¥", "SOLD", "-"])
def test_parse_amount_without_number(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("token", "expected"),
    [("1,091.50", 1091.5), ("1091,5", 1091.5), ("12,000", 12000.0), ("12.", 12.0), (".,", None)],
)
def test_number_from_token(token, expected):
    assert number_from_token(token) == expected


# --- parse_quantity -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", (12.0, None)),
        ("12箱", (12.0, "箱")),
        ("3.5kg", (3.5, "kg")),
        ("3.5 KG", (3.5, "kg")),
        ("2,000 个", (2000.0, "个")),
        ("１２件", (12.0, "件")),
        ("12 pcs", (12.0, "pcs")),
        ("10 Boxes", (10.0, "boxes")),
        ("1.5公斤", (1.5, "公斤")),
        ("5樘", (5.0, "樘")),
        ("12 左右", (12.0, None)),
        ("l2箱", (12.0, "箱")),
        ("2O 套", (20.0, "套")),
        ("12mm", (12.0, "mm")),
        ("3 m2", (3.0, "m2")),
        ("12 l", (12.0, None)),
        ("", (None, None)),
        ("箱", (None, None)),
    ],
)
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == expected


# --- parse_chinese_amount --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("壹仟零玖拾壹元伍角整", "1091.50"),
        ("人民币壹万贰仟叁佰肆拾伍元陆角柒分", "12345.67"),
        ("贰拾元整", "20.00"),
        ("壹佰万元整", "1000000.00"),
        ("拾元", "10.00"),
        ("拾伍元整", "15.00"),
        ("大写：壹仟玖拾壹圆伍角", "1091.50"),
        ("(大写) 壹仟零玖拾壹元伍角", "1091.50"),
        ("⊗壹仟零玖拾壹元伍角整", "1091.50"),
        ("人民币(大写) 壹 仟 零 玖 拾 壹 元 伍 角", "1091.50"),
        ("两万元整", "20000.00"),
        ("壹万零伍元", "10005.00"),
        ("壹万伍仟元整", "15000.00"),
        ("壹拾万零叁佰元整", "100300.00"),
        ("壹亿贰仟万零伍元整", "120000005.00"),
        ("叁亿元整", "300000000.00"),
        ("一千零九十一元五角", "1091.50"),
        ("玖仟玖佰玖拾玖元玖角玖分", "9999.99"),
        ("壹元零伍分", "1.05"),
        ("伍角", "0.50"),
        ("零元整", "0.00"),
        ("貳萬參仟圓整", "23000.00"),
        ("壹佰贰拾叁", "123.00"),
    ],
)
def test_parse_chinese_amount(text, expected):
    assert parse_chinese_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "人民币",
        "大写金额",
        "壹贰元",  # a unit was lost between the digits
        "壹拾壹佰元",  # units out of order
        "佰元",  # a bare 佰 lost its digit
        "壹元伍",  # 伍 without 角 or 分
        "1091.50",
    ],
)
def test_parse_chinese_amount_rejects(text):
    assert parse_chinese_amount(text) is None


# --- amounts_consistent / reconcile_item --------------------------------------------


def test_amounts_consistent():
    assert amounts_consistent(12, 90.96, 1091.52)
    assert amounts_consistent(3, 33.33, 100.0)  # rounded unit price, within a cent
    assert not amounts_consistent(3, 33.33, 100.02)
    assert not amounts_consistent(12, 90.96, None)
    assert amounts_consistent(3, 33.33, 100.02, tolerance=0.05)


def test_reconcile_puts_back_decimal_points_lost_in_two_fields():
    # A phone photo of a statement at 145 dpi: 141.2 × 7.28 = 1027.94 read 1412 7.28 102794.
    fixed = reconcile_item(1412, 7.28, 102794, read_with_point=frozenset({"unit_price"}))
    assert (fixed.quantity, fixed.unit_price, fixed.amount, fixed.corrected) == (141.2, 7.28, 1027.94, True)
    # 10.463 t × 420.00 = 4394.46 read 10463 42000 4394.46: money loses its point before the cents.
    fixed = reconcile_item(10463, 42000, 4394.46, read_with_point=frozenset({"amount"}))
    assert (fixed.quantity, fixed.unit_price, fixed.corrected_field) == (10.463, 420.0, "quantity+unit_price")
    # A field read with its point did not lose it: nothing else fits, so nothing changes.
    assert not reconcile_item(1412, 7.28, 102794, read_with_point=frozenset({"unit_price", "amount"})).corrected


def test_reconcile_consistent_item_is_untouched():
    assert reconcile_item(12, 90.96, 1091.52) == ReconciledItem(12, 90.96, 1091.52, False, None)


@pytest.mark.parametrize(
    ("observed", "field", "repaired"),
    [
        ((12, 90.96, 1081.52), "amount", 1091.52),  # substituted digit
        ((12, 90.96, 109.52), "amount", 1091.52),  # dropped digit
        ((12, 90.96, 10911.52), "amount", 1091.52),  # extra digit
        ((12, 90.96, 109.152), "amount", 1091.52),  # misplaced decimal point
        ((17, 90.96, 1091.52), "quantity", 12.0),  # substituted digit
        ((112, 90.96, 1091.52), "quantity", 12.0),  # extra digit
        ((12, 80.96, 1091.52), "unit_price", 90.96),  # substituted digit
        ((12, 9.96, 1091.52), "unit_price", 90.96),  # dropped digit
    ],
)
def test_reconcile_repairs_one_ocr_error(observed, field, repaired):
    result = reconcile_item(*observed)
    assert result.corrected
    assert result.corrected_field == field
    assert getattr(result, field) == pytest.approx(repaired)
    assert amounts_consistent(result.quantity, result.unit_price, result.amount)


@pytest.mark.parametrize(
    ("observed", "field", "filled"),
    [
        ((12, 90.96, None), "amount", 1091.52),
        ((None, 90.96, 1091.52), "quantity", 12.0),
        ((12, None, 1091.52), "unit_price", 90.96),
        ((3, None, 100.0), "unit_price", 33.3333),
    ],
)
def test_reconcile_fills_the_missing_field(observed, field, filled):
    result = reconcile_item(*observed)
    assert result.corrected and result.corrected_field == field
    assert getattr(result, field) == pytest.approx(filled)


@pytest.mark.parametrize(
    "observed",
    [
        (2, 10, 30),  # 30→20, 2→3 or 10→15 would each fix it: ambiguous
        (12, 90.96, 109152),  # point dropped from the amount or from the price
        (3, 25.5, 76.8),  # 76.8→76.5 or 25.5→25.6
        (12, 90.96, 1091.25),  # transposed digits: two edits, not one
        (12, 90.96, 5000.0),  # nothing close
        (None, 90.96, None),  # two missing: nothing to compute from
        (None, 0, 1091.52),  # division by zero
        (12, 0, 1091.52),
    ],
)
def test_reconcile_does_not_guess(observed):
    result = reconcile_item(*observed)
    assert result == ReconciledItem(*observed, corrected=False, corrected_field=None)


def test_reconcile_never_invents_fractions_of_a_cent():
    # 1091.525 is within the tolerance of 12 × 90.96 but no amount is printed like that.
    assert not reconcile_item(12, 90.96, 1091.25).corrected


def test_reconciled_item_is_frozen():
    item = reconcile_item(12, 90.96, 1091.52)
    with pytest.raises(AttributeError):
        item.amount = 1.0  # type: ignore[misc]


def test_ocr_variants_cover_each_kind_of_slip():
    variants = ocr_variants(1091.52)
    assert 1081.52 in variants  # substitution
    assert 109.52 in variants and 101.52 in variants  # deletion
    assert 10911.52 in variants  # insertion
    assert 109152.0 in variants  # point dropped
    assert 109.152 in variants  # point moved
    assert 1091.52 not in variants
    assert -1081.52 in ocr_variants(-1091.52)


@pytest.mark.parametrize("text", ["开票日期: 2024年8月12B", "2024年8月12曰", "2024 年 8 月 12目"])
def test_day_mark_misread_by_ocr(text):
    assert parse_date(text) == dt.date(2024, 8, 12)


@pytest.mark.parametrize(("value", "text"), [(16684.62, "16684.62"), (14.0, "14"), (1.2093, "1.2093"), (0.5, "0.5")])
def test_numbers_are_written_as_a_person_writes_them(value, text):
    from docintel.extract.values import number_text

    assert number_text(value) == text


def test_a_total_nothing_confirms_is_as_sure_as_its_words_were_read():
    from docintel.extract.document import _reconcile_total
    from docintel.extract.header import Candidate
    from docintel.extract.records import LineItem
    from docintel.ocr.records import Word

    items = [LineItem(product="配电箱", quantity=4, unit_price=200.0, amount=800.0)]
    garbled = Candidate("total_upper", 0.9, 0.403, (Word("壶万参什殊佰陆窒山元玖角染分", (0, 0, 10, 10), 0.3),), 0)
    assert _reconcile_total(None, garbled, items, label_seen=True) == (0.9, 0.403)  # below the doubt threshold
    clear = Candidate("total", 1250.0, 0.95, (Word("1250.00", (0, 0, 10, 10), 0.95),), 0)
    assert _reconcile_total(clear, None, items, label_seen=True) == (1250.0, 0.6)  # a finding, if the flags trust it
    agreeing = Candidate("total", 800.0, 0.95, (Word("800.00", (0, 0, 10, 10), 0.95),), 0)
    assert _reconcile_total(agreeing, garbled, items, label_seen=True) == (800.0, 0.98)


@pytest.mark.parametrize("text", ["日期: 2024 年 8 及 31 日", "2024年8屁31日", "2024 年 8 用 31日"])
def test_month_mark_misread_by_ocr(text):
    assert parse_date(text) == dt.date(2024, 8, 31)


@pytest.mark.parametrize("text", ["2024年8及31", "8及31日", "2024年8及 及31日"])
def test_a_misread_month_mark_needs_year_and_day_marks_around_it(text):
    assert parse_date(text) is None


def test_marks_read_twice_say_the_date_was_written_over_the_forms_own():
    from docintel.extract.values import marks_written_over

    assert marks_written_over("2024 年 年6 月 2  日") and marks_written_over("2024年6月月2日")
    assert not marks_written_over("2024年6月21日") and not marks_written_over("2024-06-21")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-]14", dt.date(2024, 5, 14)),  # a stray stroke between the digits
        ("2024-1]1-16", dt.date(2024, 11, 16)),
        ("日期: 2024年]月27日", dt.date(2024, 1, 27)),  # a 1 read as a bracket
        ("日期: 2024/11701", dt.date(2024, 11, 1)),  # the second slash read as a 7
        ("送货日期:  2024/01715", dt.date(2024, 1, 15)),
        ("送 货 日 期: 2024  年 了  月 31  日", dt.date(2024, 7, 31)),  # a handwritten 7 read as 了
        ("开 单 日 期: 2024 年G  月 21  日", dt.date(2024, 6, 21)),
        ("2024年l月5日", dt.date(2024, 1, 5)),
        ("日期: 113年8月2i日", dt.date(2024, 8, 21)),  # a dot-matrix 1 read as i beside a digit
        ("日期: 2024年1l月3日", dt.date(2024, 11, 3)),
        ("国  行政去  2024.05- -22", dt.date(2024, 5, 22)),  # a dash read twice, after a point
        ("日期: 2024/05//22", dt.date(2024, 5, 22)),
        ("xB骨: 202408.23", dt.date(2024, 8, 23)),  # the first separator lost (开票日期: 2024-08-23)
        ("出 貨 日 期: 2024710/29", dt.date(2024, 10, 29)),  # the first slash read as a 7
        ("2624.8.15", dt.date(2024, 8, 15)),  # a dot-matrix 0 of the year read as 6
        ("2924年3月1日", dt.date(2024, 3, 1)),
    ],
)
def test_parse_date_reads_through_the_commonest_misreadings_of_its_digits_and_separators(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2024/1111", "No. 2024.12345", "自下月]日起", "2024-10715", "No.2024-5-.3",
                                  "202411.05", "SO202408-12"])
def test_a_separator_read_as_a_digit_is_put_back_only_where_one_date_results(text):
    # 2024/1111 is 1-11 or 11-1; a hyphen run is an order number's more often than a date's.
    assert parse_date(text) is None


def test_after_a_label_both_separators_read_as_digits_are_put_back_where_one_date_results():
    from docintel.extract.header import PARSERS

    assert PARSERS["date"]("2024707730") == "2024-07-30"  # 2024/07/30, both slashes read as 7
    assert PARSERS["date"](" 2024111701") == "2024-11-01"
    assert PARSERS["date"]("2024171130") is None  # month 71 or 7 then day 130: no date
    # Without a label a run of ten digits is a number: an order's or a serial's.
    assert parse_date("No. 2024707730") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13年6月25日", (6, 25)),          # 民國113年, its 11 lost
        ("J3年4月14日", (4, 14)),
        ("413年8月2i日", (8, 21)),        # a 1 read as i beside a digit
        ("202  年 年7  月 15  日", (7, 15)),  # the year's last digit lost, 年 read twice
        ("2624704/09", (4, 9)),           # 2024/04/09: a 0 read as 6, the first slash as 7
        ("1026/07/04", (7, 4)),
    ],
)
def test_month_and_day_are_read_where_the_year_is_not(text, expected):
    from docintel.extract.values import parse_month_day

    assert parse_month_day(text) == expected


@pytest.mark.parametrize("text", ["2024生4月 日", "2024.8.35", "113/02/認", "No. 12-05", "826797704", "13年13月5日"])
def test_no_month_and_day_are_made_up_from_what_is_not_one(text):
    from docintel.extract.values import parse_month_day

    assert parse_month_day(text) is None


def test_a_labelled_period_is_not_the_documents_date():
    from docintel.extract.header import PARSERS

    assert PARSERS["date"]("2024-02-01 至 2024-02-29") is None
    assert PARSERS["date"](" 2024/03/04") == "2024-03-04"
