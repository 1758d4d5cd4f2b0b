"""Line grouping, label matching and table reconstruction on hand-placed word boxes."""

import pytest

from docintel.extract.header import label_candidates, best, find_title, parse_total
from docintel.extract.labels import find_labels, text_after, vocabulary
from docintel.extract.table import find_table
from docintel.extract.table_items import extract_items, split_product_spec
from docintel.ocr.layout import group_lines, join_words
from docintel.ocr.records import Word

H = 40  # character height in px, as at 300 dpi


def words_at(text: str, x: int, y: int, conf: float = 0.95, char_w: int = 40) -> list[Word]:
    """One Word per CJK character (as tesseract returns Chinese), Latin runs as one word."""
    out, cursor, run = [], x, ""
    for ch in text + " ":
        if ch == " " or ord(ch) > 0x2E80:
            if run:
                width = len(run) * char_w // 2
                out.append(Word(run, (cursor, y, width, H), conf))
                cursor += width + 4
                run = ""
            if ch == " ":
                cursor += char_w // 2
            else:
                out.append(Word(ch, (cursor, y + 2, char_w - 4, H - 4), conf))
                cursor += char_w
        else:
            run += ch
    return out


def test_join_words_spacing():
    assert join_words(words_at("客户名称", 0, 0)) == "客户名称"
    assert join_words(words_at("Unit Price", 0, 0)) == "Unit Price"
    # A printed space between Chinese words survives; tesseract boxes each character alone.
    assert join_words(words_at("劳保手套 尼龙涂胶", 0, 0)) == "劳保手套 尼龙涂胶"
    touching = [Word("螺", (0, 0, 38, 40), 0.9), Word("栓", (40, 0, 38, 40), 0.9), Word("M8", (80, 0, 40, 40), 0.9)]
    assert join_words(touching) == "螺栓M8"


def test_lines_group_by_geometry_and_split_into_segments():
    words = words_at("客户名称：上海恒达五金", 100, 200) + words_at("日期：2024-03-15", 1400, 205)
    words += words_at("送货单号：SO20240315-0012", 100, 300)
    lines = group_lines(words)
    assert [line.text for line in lines] == ["客户名称：上海恒达五金  日期：2024-03-15", "送货单号：SO20240315-0012"]
    assert len(lines[0].segments) == 2


def test_labels_longest_first_and_fuzzy():
    fields = vocabulary().fields
    hits = find_labels("送货单号: SO1  订单号 PO-2", fields)
    assert [(h.key, h.label) for h in hits] == [("doc_no", "送货单号"), ("order_no", "订单号")]
    fuzzy = find_labels("客尸名称：恒达", fields)
    assert fuzzy[0].key == "customer" and fuzzy[0].fuzzy
    assert text_after("客尸名称：恒达", fuzzy[0]) == "恒达"
    assert find_labels("Note: delivered in Nov", fields) == []
    assert [h.key for h in find_labels("客戶名稱：恆達五金行", fields)] == ["customer"]
    assert [h.key for h in find_labels("Delivery Note No.: DN-24-00871", fields)] == ["doc_no"]


def _receipt_words() -> list[Word]:
    rows = [
        ("上海鼎信五金机电有限公司  送货单", 500, 100),
        ("客户名称：上海恒达五金贸易有限公司", 100, 250),
        ("送货单号：SO20240315-0012", 1500, 250),
        ("订单号：PO-2024-0315", 100, 320),
        ("日期：2024年3月15日", 1500, 320),
    ]
    words = [w for text, x, y in rows for w in words_at(text, x, y)]
    header_y = 450
    columns = [("序号", 100), ("品名", 300), ("规格", 800), ("单位", 1150), ("数量", 1350), ("单价", 1600), ("金额", 1900)]
    words += [w for text, x in columns for w in words_at(text, x, header_y)]
    items = [
        ("1", "不锈钢六角螺栓", "M8×30", "盒", "12", "45.50", "546.00"),
        ("2", "PVC电工胶带", "18mm×10m", "卷", "50", "3.20", "160.00"),
        ("3", "膨胀螺丝", "M10", "包", "7", "55.00", "385.00"),
    ]
    for i, row in enumerate(items):
        y = header_y + 70 * (i + 1)
        for (text, x) in zip(row, [100, 300, 800, 1150, 1350, 1600, 1900]):
            words += words_at(text, x, y)
    words += words_at("以下空白", 300, header_y + 70 * 4)
    words += words_at("合计", 100, header_y + 70 * 5) + words_at("69", 1350, header_y + 70 * 5)
    words += words_at("1,091.00", 1900, header_y + 70 * 5)
    words += words_at("收货人签字：", 100, 1100) + words_at("送货人：", 1300, 1100)
    return words


def test_table_reconstruction_reads_every_line_item():
    lines = group_lines(_receipt_words())
    table = find_table(lines)
    assert table is not None
    assert [c.key for c in table.columns] == ["line_no", "product", "spec", "unit", "quantity", "unit_price", "amount"]
    items = extract_items(table, page=0)
    assert [(i.product, i.spec, i.unit, i.quantity, i.unit_price, i.amount) for i in items] == [
        ("不锈钢六角螺栓", "M8×30", "盒", 12, 45.5, 546.0),
        ("PVC电工胶带", "18mm×10m", "卷", 50, 3.2, 160.0),
        ("膨胀螺丝", "M10", "包", 7, 55.0, 385.0),
    ]
    assert all(i.sources for i in items)


def test_header_fields_and_total_from_labels():
    lines = group_lines(_receipt_words())
    table = find_table(lines)
    found = label_candidates(lines, (table.header_line, table.end_line))
    assert best(found, "customer").value == "上海恒达五金贸易有限公司"
    assert best(found, "doc_no").value == "SO20240315-0012"
    assert best(found, "order_no").value == "PO-2024-0315"
    assert best(found, "date").value == "2024-03-15"
    # The 合计 row carries the quantity sum (69) left of the money total.
    assert best(found, "total").value == 1091.0
    title = find_title(lines, page_height=1400)
    assert title.doc_type == "signoff_receipt" and title.vendor == "上海鼎信五金机电有限公司"


def test_doc_number_label_is_not_a_title():
    lines = group_lines(words_at("送货单号：SO1234", 100, 100) + words_at("销售出库单", 600, 200))
    assert find_title(lines, page_height=2000).doc_type == "sales_slip"


def test_wrapped_product_name_joins_its_row():
    words = []
    for text, x in [("品名", 100), ("数量", 900), ("金额", 1200)]:
        words += words_at(text, x, 100)
    words += words_at("加厚型不锈钢", 100, 170) + words_at("10", 900, 170) + words_at("88.00", 1200, 170)
    words += words_at("合页", 100, 215)
    words += words_at("铜球阀", 100, 280) + words_at("2", 900, 280) + words_at("30.00", 1200, 280)
    table = find_table(group_lines(words))
    items = extract_items(table, 0)
    assert [(i.product, i.quantity) for i in items] == [("加厚型不锈钢合页", 10), ("铜球阀", 2)]


@pytest.mark.parametrize("marker", ["以下空白", "以下空乌", "以下密白"])
def test_the_end_marker_read_with_a_character_misread_still_ends_the_table(marker):
    words = []
    for text, x in [("品名", 100), ("数量", 900), ("金额", 1200)]:
        words += words_at(text, x, 100)
    words += words_at("大米", 100, 170) + words_at("3", 900, 170) + words_at("88.00", 1200, 170)
    words += words_at(marker, 100, 215)  # close under the last row, no numbers: read as its wrapped name
    words += words_at("备用", 100, 280) + words_at("2", 900, 280)
    table = find_table(group_lines(words))
    assert [(i.product, i.quantity) for i in extract_items(table, 0)] == [("大米", 3)]


def test_english_unruled_table():
    words = []
    for text, x in [("Description", 100), ("Qty", 900), ("Unit Price", 1100), ("Amount", 1500)]:
        words += words_at(text, x, 100)
    words += words_at("Hex bolt M8x30", 100, 170) + words_at("12", 900, 170) + words_at("4.50", 1100, 170) + words_at("54.00", 1500, 170)
    words += words_at("Total", 100, 240) + words_at("54.00", 1500, 240)
    table = find_table(group_lines(words))
    [item] = extract_items(table, 0)
    # No spec column: the size inside the description is the spec.
    assert (item.product, item.spec, item.quantity, item.unit_price, item.amount) == ("Hex bolt", "M8x30", 12, 4.5, 54.0)


def test_split_product_spec_and_total_parsing():
    split = split_product_spec
    assert split("不锈钢六角螺栓 M8×30") == ("不锈钢六角螺栓", "M8×30")
    assert split("配电箱12回路") == ("配电箱", "12回路")
    assert split("PP打包带 12mm") == ("PP打包带", "12mm")
    assert split("Hex bolt M8x30") == ("Hex bolt", "M8x30")
    assert split("Rice 25kg bag") == ("Rice", "25kg bag")
    assert split("Cement P.O 42.5") == ("Cement", "P.O 42.5")
    assert split("Copper Wire BV 2.5mm") == ("Copper Wire", "BV 2.5mm")
    assert split("Work Gloves nylon coated 12 pairs") == ("Work Gloves", "nylon coated 12 pairs")
    assert split("PP Strapping Band 12mm") == ("PP Strapping Band", "12mm")
    assert split("铜球阀") == ("铜球阀", None)
    # A dot or border read as $ or | between name and size (dot-matrix print) still splits there.
    assert split("自攻螺钉$ST4.2X25") == ("自攻螺钉", "ST4.2X25")
    assert split("电缆 |YJV 3×4") == ("电缆", "YJV 3×4")
    assert parse_total("69  ￥1,091.50") == 1091.5
    assert parse_total("：RMB 2,000.00 元") == 2000.0


def test_company_names_are_cut_and_sentences_refused():
    from docintel.extract.header import parse_name

    assert parse_name("温州远航电气设备经营部和2 _避期 2024-08-30") == "温州远航电气设备经营部"
    assert parse_name("香港永固五金企業有限公司") == "香港永固五金企業有限公司"
    assert parse_name("Man Lee Engineering Ltd.") == "Man Lee Engineering Ltd."
    assert parse_name("上海恒达有限公司上海分公司") == "上海恒达有限公司上海分公司"
    # The end of a label read apart from its start (客户 名尔称: matched up to 名尔) is no part of the name.
    assert parse_name("称: 上海金鼎机械制造经营部") == "上海金鼎机械制造经营部"
    assert parse_name("Attn: Mr Wong") == "Attn: Mr Wong"
    # The next field run into the name, its label misread and the name's legal form too (责任 read
    # 资主): a name holds no colon, so it ends at its last company ending before one.
    assert parse_name("天津利民机电设备有限资主公司目期: 2024年5月25晶") == "天津利民机电设备有限资主公司"
    assert parse_name("天津利民机电设备 : 2024") == "天津利民机电设备 : 2024"  # no ending to cut at
    assert parse_name("”厦门金鼎建材有限公司 ”") == "厦门金鼎建材有限公司"
    assert parse_name("感谢贵公司长期以来对我司的信任与支持。") is None


def test_prose_and_copy_legends_are_not_fields():
    lines = group_lines(
        words_at("尊敬的客户：", 100, 100)
        + words_at("请有需要的客户提前安排订货，谢谢。", 100, 200)
        + words_at("第一联：存根 第二联：客户 第三联：回单", 100, 300)
    )
    assert best(label_candidates(lines, None), "customer") is None


def test_vat_invoice_name_goes_to_buyer_or_seller():
    words = words_at("购", 100, 100) + words_at("名称：温州利民机械制造有限公司", 300, 100)
    words += words_at("买", 100, 170) + words_at("方", 100, 240)
    words += words_at("销", 100, 500) + words_at("名称：上海鼎信五金机电有限公司", 300, 500)
    words += words_at("售", 100, 570) + words_at("方", 100, 640)
    found = label_candidates(group_lines(words), None)
    assert best(found, "customer").value == "温州利民机械制造有限公司"
    assert best(found, "vendor").value == "上海鼎信五金机电有限公司"


def test_vat_invoice_name_whose_side_label_was_not_read_goes_by_its_place_beside_the_goods():
    words = words_at("名称：温州利民机械制造有限公司", 300, 100)
    words += words_at("货物名称 数量 单价 金额", 300, 300) + words_at("膨胀螺丝 120 1.06 127.20", 300, 370)
    words += words_at("镶", 100, 500) + words_at("名称：上海鼎信五金机电有限公司", 300, 500)
    lines = group_lines(words)
    found = label_candidates(lines, (1, 3))  # the goods table: its header and one line
    assert best(found, "customer").value == "温州利民机械制造有限公司"
    assert best(found, "vendor").value == "上海鼎信五金机电有限公司"
    # Without a table to go by, a name of unknown side is nobody's.
    assert best(label_candidates(lines, None), "vendor") is None


def test_signoff_regions_skip_the_driver_and_find_a_scribbled_label():
    from docintel.extract.signoff import signature_regions

    def labels(text):
        return [label for label, *_ in signature_regions(group_lines(words_at(text, 100, 1000)), (3000, 2000))]

    assert labels("送货人签字：周敏  收货人签字：") == ["收货人签字"]
    assert labels("送货签收单") == []
    assert labels("收货人：刘芳 13748146771") == []  # the consignee in the header, not a sign-off
    # A signature scribbled over the printed label leaves it unreadable: the unknown field after
    # the driver's on the sign line is the customer's.
    assert labels("送货人签字：周敏  收货人俭定：") == ["收货人俭定"]
    assert labels("送货人：张三  电话：13812345678") == []
    # ...its first character read as a Latin letter or two (sk人: for 签收人:); Latin alone is no label.
    assert labels("制单：王建国  送货人：胡训  sk人：") == ["sk人"]
    assert labels("送货人：张三  Tel：13812345678") == []
    # Its colon read as a semicolon, and the driver's label read on into it (送货人 ;  签收 as 送货人签字).
    assert labels("开单人：郭亮  送货人 ;  签收人;") == ["签收人"]
    # A pen stroke before it read as a quote mark.
    assert labels("制单：凌强  送货人签字：莹强  ”等收和：") == ["等收和"]


def test_a_sign_off_label_with_a_second_part_in_brackets_is_one_field_after_both():
    from docintel.extract.signoff import signature_regions

    def regions(text):
        return [(label, region[0]) for label, _, region, *_ in signature_regions(group_lines(words_at(text, 100, 1000)), (3000, 2000))]

    # Two labels of the vocabulary, one field: not a second one searched underneath the first.
    assert [label for label, _ in regions("供货单位：苏州鸿运  客户确认（签字盖章）：")] == ["签字盖章"]
    # The second part read only in part: the field starts after it, not inside it.
    (label, start), = regions("供货单位：苏州鸿运  客户确认 (签字盖")
    assert label == "客户确认" and start > 800  # 盖 ends at 820; 认 at 660


def test_signoff_label_without_its_colon_is_the_field_after_the_drivers_name():
    from docintel.extract.signoff import signature_regions

    def labels(*segments):
        words = [w for text, x in segments for w in words_at(text, x, 1000)]
        return [label for label, *_ in signature_regions(group_lines(words), (3000, 2000))]

    # 签收人 scribbled over, colon and all; the signature read as digits or letters after it.
    assert labels(("制单：陈欧", 100), ("送货人签字：丛画", 800), ("特 收 和", 1600), ("12444214", 1900)) == ["特收和"]
    assert labels(("送货人：", 800), ("答 收 ALL", 1400)) == ["答收"]
    # The driver's name written a little apart from its label is no field, nor is a known one.
    assert labels(("送货人：", 800), ("周敏", 1000)) == []
    assert labels(("送货人：张三", 800), ("电话 13812345678", 1600)) == []
    # ...but not the driver's own label misread (达货人 for 送货人) on a line that shows only the clerk's;
    # beside the driver's, 收货人 is the customer's.
    assert labels(("制单：罗勇", 100), ("达货人", 1200), ("天党", 1500)) == []
    assert labels(("开单人：林海", 100), ("送货人签字：林海", 800), ("收 货 人", 1600)) == ["收货人"]
    assert labels(("送货人：张三", 800), ("Tel 13812345678", 1600)) == []
    # On an English form, the label's start left unread by the signature over its end.
    assert labels(("Prepared by: Lam", 100), ("Delivered by:", 800), ("Received b", 1500), ("di", 1800)) == ["Received b"]
    assert labels(("Delivered by:", 800), ("Receive", 1500)) == ["Receive"]
    assert labels(("Delivered by:", 800), ("Received in god order bys", 1500)) == ["Received in"]
    assert labels(("Delivered by:", 800), ("Remarks", 1500)) == []
    assert labels(("Delivered by:", 800), ("Rec", 1500)) == []  # too little to go by


def test_unlabelled_date_skips_a_period():
    from docintel.extract.header import unlabelled_date

    lines = group_lines(words_at("对账期间：2024-08-01 至 2024-08-31", 100, 100) + words_at("制表曰期：2024-09-06", 1400, 100))
    assert unlabelled_date(lines, None).value == "2024-09-06"


def test_total_survives_a_split_decimal_point():
    assert parse_total("合 计  14087 .64") == 14087.64
    assert parse_total("Total HK$ 6843. 84") == 6843.84


def test_ids_keep_their_letters():
    from docintel.extract.header import parse_id

    assert parse_id(": p0-2024-081593") == "PO-2024-081593"
    assert parse_id("P0-2024-0315") == "PO-2024-0315"
    assert parse_id("P0+2024-051890") == "PO-2024-051890"  # the hyphen read as a plus
    assert parse_id("SO20240315-0012") == "SO20240315-0012"
    assert parse_id("0262448") == "0262448"
    assert parse_id("DN-24-00871") == "DN-24-00871"


def test_two_numbers_run_together_in_one_row_do_not_erase_the_border_between_number_columns():
    # Right-aligned quantities and prices; in row 3 OCR read 28 and 7232.95 as one word.
    words = []
    for text, x in [("品名", 100), ("单位", 700), ("数量", 900), ("单价", 1200), ("金额", 1500)]:
        words += words_at(text, x, 100)
    rows = [("配电箱", "台", "6", "138.00", "828.00"), ("膨胀螺丝", "个", "560", "1.24", "694.40"),
            ("防水涂料", "件", None, None, "6522.60"), ("五孔插座", "个", "60", "7.46", "447.60")]
    for n, (product, unit, qty, price, amount) in enumerate(rows):
        y = 170 + 70 * n
        words += words_at(product, 100, y) + words_at(unit, 700, y) + words_at(amount, 1500, y)
        if qty is None:
            words += words_at("287232.95", 1020, y)  # runs from the quantity column into the price column
        else:
            words += words_at(qty, 1060 - 20 * len(qty), y) + words_at(price, 1330 - 20 * len(price), y)
    table = find_table(group_lines(words))
    items = extract_items(table, 0)
    assert [(i.quantity, i.unit_price) for i in items if i.product != "防水涂料"] == [(6, 138.0), (560, 1.24), (60, 7.46)]


def test_a_grids_rules_read_as_bars_do_not_hide_the_border_between_code_and_name_columns():
    # A phone photo of a grid table: each row a few px left of the one above, the vertical rule
    # between 产品编码 and 产品名称 read as | (with a quote mark of its fringe), the names left-aligned
    # right after it, far left of their centred label.
    words = []
    for text, x in [("序号", 20), ("产品编码", 160), ("产品名称", 430), ("单位", 820), ("数量", 920)]:
        words += words_at(text, x, 100)
    rows = [("1", "5C-1020", "防水涂料", "件", "40"), ("2", "1PQ-7034", "电缆", "米", "490"),
            ("3", "1PQ-2032", "空气开关", "个", "38"), ("4", "16GJ-0713", "冲击电钻", "台", "7")]
    for n, (no, code, name, unit, qty) in enumerate(rows):
        y, shift = 170 + 70 * n, -6 * n
        words += (words_at(no, 40 + shift, y) + words_at(code, 100 + shift, y)
                  + [Word("“|" if n % 2 else "|", (288 + shift, y - 4, 14, H + 8), 0.4)]
                  + words_at(name, 306 + shift, y) + words_at(unit, 830 + shift, y) + words_at(qty, 930 + shift, y))
    items = extract_items(find_table(group_lines(words)), 0)
    assert [(i.product, i.quantity) for i in items] == [("防水涂料", 40), ("电缆", 490), ("空气开关", 38), ("冲击电钻", 7)]


def test_row_numbers_left_in_the_name_cell_are_taken_off_only_in_a_numbered_table():
    def table_of(names: list[str]):
        words = []
        for text, x in [("品名", 100), ("数量", 900), ("金额", 1300)]:
            words += words_at(text, x, 100)
        for n, name in enumerate(names):
            words += words_at(name, 60, 170 + 70 * n) + words_at("10", 900, 170 + 70 * n) + words_at("20.00", 1300, 170 + 70 * n)
        return [i.product for i in extract_items(find_table(group_lines(words)), 0)]

    # The 序号 label was not read: its numbers came with the names.
    assert table_of(["1 封箱胶带", "2 电线", "3 5号电池", "10不锈钢六角螺栓"]) == ["封箱胶带", "电线", "5号电池", "10不锈钢六角螺栓"]
    assert table_of(["1封箱胶带", "2电线", "3电缆"]) == ["封箱胶带", "电线", "电缆"]
    # A name that merely starts with a digit is a name (3M胶带 is not row 3 of anything).
    assert table_of(["电线", "3M胶带", "5号电池"]) == ["电线", "3M胶带", "5号电池"]


def test_a_continuation_page_with_a_misread_header_takes_the_previous_pages_columns():
    labels = [("序号", 100), ("品名", 300), ("规格", 700), ("单位", 1000), ("数量", 1200), ("单价", 1450), ("金额", 1700)]
    first = []
    for text, x in labels:
        first += words_at(text, x, 100)
    first += words_at("1", 100, 170) + words_at("封箱胶带", 300, 170) + words_at("48mm", 700, 170) + words_at("箱", 1000, 170)
    first += words_at("14", 1200, 170) + words_at("11.48", 1450, 170) + words_at("160.72", 1700, 170)
    columns = find_table(group_lines(first)).columns
    # Page two, scanned 30 px further right: 品名, 数量, 单价 and 金额 misread in its header.
    misread = {"品名": "吕", "数量": "数生", "单价": "音信", "金额": "全纪"}
    second = []
    for text, x in labels:
        second += words_at(misread.get(text, text), x + 30, 100)
    second += words_at("21", 130, 170) + words_at("矿泉水", 330, 170) + words_at("550ml", 730, 170) + words_at("箱", 1030, 170)
    second += words_at("120", 1230, 170) + words_at("27.25", 1480, 170) + words_at("3270.00", 1730, 170)
    assert find_table(group_lines(second)) is None
    table = find_table(group_lines(second), previous=columns)
    [item] = extract_items(table, 1)
    assert (item.product, item.spec, item.unit, item.quantity, item.unit_price, item.amount) == ("矿泉水", "550ml", "箱", 120, 27.25, 3270.0)
    # Labels of another table in another order are not a continuation.
    shuffled = []
    for text, x in [("单位", 100), ("规格", 400), ("序号", 800)]:
        shuffled += words_at(text, x, 100)
    assert find_table(group_lines(shuffled), previous=columns) is None


def test_a_misread_product_label_is_taken_from_the_words_no_label_claimed():
    def items_under(header: list[tuple[str, int]]):
        words = []
        for text, x in header:
            words += words_at(text, x, 100)
        words += words_at("1", 100, 170) + words_at("等边角钢", 300, 170) + words_at("50X50X5", 700, 170)
        words += words_at("吨", 1000, 170) + words_at("4.132", 1200, 170)
        table = find_table(group_lines(words))
        return [(i.product, i.spec, i.unit, i.quantity) for i in extract_items(table, 0)] if table else None

    # 品名 read as 品i 名: no label, but 序号 / 规格 / 单位 / 数量 around it.
    assert items_under([("序号", 100), ("品i 名", 300), ("规格", 700), ("单位", 1000), ("数量", 1200)]) == [
        ("等边角钢", "50X50X5", "吨", 4.132)]
    # Nothing unclaimed where the product would stand: no product column, no table.
    assert items_under([("序号", 100), ("规格", 700), ("单位", 1000), ("数量", 1200)]) is None


def test_a_quantity_nothing_can_check_is_less_sure_when_its_cell_shows_a_damaged_digit():
    words = []
    for text, x in [("品名", 100), ("单位", 700), ("数量", 900)]:
        words += words_at(text, x, 100)
    for n, (name, qty) in enumerate([("电缆", "26l)"), ("大米", "60"), ("水泥", "12箱")]):
        words += words_at(name, 100, 170 + 70 * n) + words_at("米", 700, 170 + 70 * n) + words_at(qty, 900, 170 + 70 * n)
    cable, rice, cement = extract_items(find_table(group_lines(words)), 0)
    assert (cable.quantity, rice.quantity, cement.quantity) == (261, 60, 12)  # l taken for 1; ")" is the cut 0
    assert cable.confidence < 0.6 < rice.confidence and cement.confidence == rice.confidence


def test_a_total_row_whose_label_was_misread_is_not_one_more_line():
    words = []
    for text, x in [("品名", 100), ("数量", 900), ("单价", 1150), ("金额", 1400)]:
        words += words_at(text, x, 100)
    for n, (name, qty, price, amount) in enumerate([("空气开关", "38", "30.86", "1172.68"), ("膨胀螺丝", "430", "0.86", "369.80")]):
        words += words_at(name, 100, 170 + 70 * n) + words_at(qty, 900, 170 + 70 * n)
        words += words_at(price, 1150, 170 + 70 * n) + words_at(amount, 1400, 170 + 70 * n)
    words += words_at("愉地", 100, 310) + words_at("1542.48", 1400, 310)  # 合计, misread
    assert [i.product for i in extract_items(find_table(group_lines(words)), 0)] == ["空气开关", "膨胀螺丝"]


@pytest.mark.parametrize(
    ("read", "name"),
    [
        ("佛山顺昌建材有起公司", "佛山顺昌建材有限公司"),
        ("东州市华局折电设备谊限公司", "东州市华局折电设备有限公司"),
        ("厦门利民电气设备有限珊任公司", "厦门利民电气设备有限责任公司"),
        # Two characters of the form misread, or too little before it, or no such form: as read.
        ("深圳新亚五金有隆责任公避", "深圳新亚五金有隆责任公避"),
        ("有起公司", "有起公司"),
        ("成都宏发公司", "成都宏发公司"),
        ("上海恒达有限公司上海分公司", "上海恒达有限公司上海分公司"),
        # The next label run into the segment, misread and without its date, is cut off.
        ("东莞百川机械制造有限责任公司开单日", "东莞百川机械制造有限责任公司"),
        ("厦门利民电气设备有限珊任公司开音单月", "厦门利民电气设备有限责任公司"),
        # 经营部 with its last character misread where the name ends; a stray mark inside the form.
        ("杭州远航食品经营癌", "杭州远航食品经营部"),
        ("天津新亚五金贸易经营;部襄", "天津新亚五金贸易经营部"),
        ("恒达五金店", "恒达五金店"),  # 店 is an ending of its own, not 五金行 misread
        ("杭州远航经营管理咨询有限公司", "杭州远航经营管理咨询有限公司"),
        ("经营半", "经营半"),
    ],
)
def test_a_legal_form_misread_by_one_character_is_written_as_the_form_is(read, name):
    from docintel.extract.header import parse_name

    assert parse_name(read) == name


def test_a_label_with_one_character_lost_is_found_where_a_colon_closes_it():
    # 发票号码 with its faded first character: the colon says a label ends there.
    hits = find_labels("、  票 号 码: 13099317", vocabulary().fields)
    assert [(h.key, h.label, h.fuzzy) for h in hits] == [("doc_no", "发票号码", True)]
    assert text_after("、  票 号 码: 13099317", hits[0]).strip(" :") == "13099317"
    # Without one, three characters of a label are a title's (送货单 of 送货单号), not a label.
    assert [h.key for h in find_labels("送 货 单  No. 90475397", vocabulary().fields)] == ["doc_no"]
    assert [h.label for h in find_labels("送 货 单  No. 90475397", vocabulary().fields)] == ["No"]


def test_a_character_of_a_product_set_higher_than_its_row_and_read_as_a_line_of_its_own_stays_in_the_row():
    # 页 of 不锈钢合页 half a line above the rest of its row: read as a line before it, it ended the
    # table there and lost every row below (a 145 dpi slip kept six lines of eleven).
    words = []
    for text, x in [("品名", 100), ("数量", 900), ("单价", 1150), ("金额", 1400)]:
        words += words_at(text, x, 100)
    words += words_at("缠绕膜", 100, 170) + words_at("90", 900, 170) + words_at("33.55", 1150, 170) + words_at("3019.50", 1400, 170)
    words += words_at("页", 260, 240)
    words += words_at("不锈钢合", 100, 260) + words_at("130", 900, 260) + words_at("7.43", 1150, 260) + words_at("965.90", 1400, 260)
    words += words_at("气泡膜", 100, 330) + words_at("8", 900, 330) + words_at("38.30", 1150, 330) + words_at("306.40", 1400, 330)
    lines = group_lines(words)
    assert "页" in [line.text for line in lines]  # the page's reading: a line of its own
    items = extract_items(find_table(lines), 0)
    assert [(i.product, i.quantity) for i in items] == [("缠绕膜", 90), ("不锈钢合页", 130), ("气泡膜", 8)]


def test_a_misread_name_label_beside_a_code_column_is_still_the_products():
    # 产品编码 二名 型号: 品名 read as 二名; the code column is no name column.
    words = []
    for text, x in [("序号", 100), ("产品编码", 250), ("二名", 700), ("型号", 1100), ("单位", 1350), ("数量", 1550), ("单价", 1750)]:
        words += words_at(text, x, 100)
    for n, (code, name, spec, qty) in enumerate([("JC-0425", "水泥", "P.O42.5", "25"), ("WJ-4425", "自攻螺钉", "ST4.2x25", "15")]):
        y = 170 + 70 * n
        words += words_at(str(n + 1), 120, y) + words_at(code, 250, y) + words_at(name, 560, y) + words_at(spec, 1040, y)
        words += words_at("个", 1370, y) + words_at(qty, 1580, y) + words_at("12.50", 1760, y)
    items = extract_items(find_table(group_lines(words)), 0)
    assert [(i.product, i.quantity) for i in items] == [("水泥", 25), ("自攻螺钉", 15)]


def test_a_name_written_under_the_row_number_label_is_the_names():
    # 品名及规格 centred over a wide cell whose names start right after the row number; the first
    # row printed no number and its name starts under 序号, so no white gap runs between the columns.
    words = []
    for text, x in [("序号", 100), ("品名及规格", 600), ("单位", 1200), ("数量", 1400), ("单价", 1650), ("金额", 1900)]:
        words += words_at(text, x, 100)
    rows = [(None, "防水涂料 20kg/桶", "件", "19"), ("2", "自攻螺钉 ST4.2x25", "盒", "31"), ("3", "白砂糖 50kg", "包", "36")]
    for n, (number, name, unit, qty) in enumerate(rows):
        y = 170 + 70 * n
        words += (words_at(number, 120, y) if number else []) + words_at(name, 130 if number is None else 200, y)
        words += words_at(unit, 1220, y) + words_at(qty, 1420, y) + words_at("10.50", 1660, y)
        words += words_at(f"{int(qty) * 10.5:.2f}", 1880, y)
    # The total row under them, its 合计 misread: in the 序号 cell, but no line of goods.
    words += words_at("心:计", 130, 380) + words_at("9l3.村", 1880, 380)  # 903.00, garbled
    items = extract_items(find_table(group_lines(words)), 0)
    assert [(i.product, i.quantity) for i in items] == [("防水涂料", 19), ("自攻螺钉", 31), ("白砂糖", 36)]
