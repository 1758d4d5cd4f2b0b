"""`import_orders` and `docintel orders import` on SQLite and PostgreSQL (fixtures from test_store)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from docintel.errors import DocintelError
from docintel.orders import import_orders
from docintel.orders.cli import orders_app
from docintel.settings import get_settings
from docintel.store.models import Document, Match, MatchStatus, Order, OrderLine
from tests import test_store

# The per-backend database fixtures (SQLite file, PostgreSQL schema), shared with the storage tests.
postgres_schema = test_store.postgres_schema
migrated_postgres = test_store.migrated_postgres
engine = test_store.engine
session = test_store.session

SAMPLE_BOOK = Path(__file__).resolve().parent.parent / "samples" / "orders.csv"
SAMPLE_ORDERS, SAMPLE_LINES = 25, 120
ENGLISH_HEADER = ["order_no", "customer", "order_date", "product", "spec", "unit", "quantity", "unit_price"]
CHINESE_HEADER = ["订单号", "客户名称", "订单日期", "品名", "规格", "单位", "数量", "单价"]
TRADITIONAL_HEADER = ["訂單號", "客戶名稱", "訂單日期", "品名", "規格", "單位", "數量", "單價"]


def _sample_rows(header: list[str] = ENGLISH_HEADER) -> list[list[str]]:
    """The sample book's rows with the columns of `header` (its English names), in that order."""
    with SAMPLE_BOOK.open(encoding="utf-8", newline="") as handle:
        return [[row[name] for name in header] for row in csv.DictReader(handle)]


def _write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _book(session: Session) -> dict[str, list[tuple]]:
    """order_no → its lines as (product, spec, unit, quantity, unit_price), in line order."""
    book: dict[str, list[tuple]] = {}
    query = select(Order.order_no, OrderLine.product, OrderLine.spec, OrderLine.unit, OrderLine.quantity, OrderLine.unit_price)
    for order_no, *line in session.execute(query.join(OrderLine).order_by(Order.order_no, OrderLine.line_no)):
        book.setdefault(order_no, []).append(tuple(line))
    return book


def _expected_sample_book() -> dict[str, list[tuple]]:
    book: dict[str, list[tuple]] = {}
    for order_no, _customer, _date, product, spec, unit, quantity, price in _sample_rows():
        book.setdefault(order_no, []).append((product, spec or None, unit or None, float(quantity), float(price)))
    return book


# --- formats and encodings --------------------------------------------------------------------


def test_sample_order_book_loads_completely(session: Session) -> None:
    report = import_orders(SAMPLE_BOOK, session)
    assert report.errors == []
    assert (report.format, report.encoding) == ("csv", "utf-8")
    assert (report.rows_read, report.orders_created, report.orders_updated, report.lines_loaded) == (
        SAMPLE_LINES,
        SAMPLE_ORDERS,
        0,
        SAMPLE_LINES,
    )
    assert _book(session) == _expected_sample_book()
    # A blanket order billed by statement: lines on several dates, the order dated by the first.
    order = session.scalar(select(Order).where(Order.order_no == "4500089053"))
    assert order.order_date == dt.date(2024, 2, 15)
    assert {line.line_date for line in order.lines} >= {dt.date(2024, 2, 15), dt.date(2024, 3, 2)}
    # Rows naming the customer in full and abbreviated: the full name is kept, both are known.
    order = session.scalar(select(Order).where(Order.order_no == "4500060766"))
    assert order.customer == "温州市中泰包装材料有限责任公司"
    assert set(order.customer_names) == {"中泰包装", "温州市中泰包装材料有限责任公司"}
    assert order.source_file == "orders.csv"
    # The optional vendor column: the firm's company that issues the order's documents.
    vendors = dict(session.execute(select(Order.order_no, Order.vendor)).all())
    assert vendors["HT24021718"] == "上海鼎信五金机电有限公司"
    assert vendors["4500039856"] == "Everbright Hardware & Packaging Co., Ltd."
    assert all(vendors.values())


@pytest.mark.parametrize(("encoding", "bom"), [("gb18030", b""), ("gbk", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_chinese_spreadsheet_encodings(session: Session, tmp_path: Path, encoding: str, bom: bytes) -> None:
    # GBK has no ²; a GBK export from Excel writes what GBK can hold.
    rows = [[cell.replace("²", "2") for cell in row] for row in _sample_rows()] if encoding == "gbk" else _sample_rows()
    path = tmp_path / "orders.csv"
    _write_csv(path, CHINESE_HEADER, rows, encoding)
    path.write_bytes(bom + path.read_bytes())
    report = import_orders(path, session)
    assert report.errors == []
    assert (report.orders_created, report.lines_loaded) == (SAMPLE_ORDERS, SAMPLE_LINES)
    assert report.encoding == {"gbk": "gb18030", "utf-8": "utf-8-sig"}.get(encoding, encoding)
    loaded = _book(session)
    assert loaded["HT24021718"][0] == ("配电箱", "12回路", "台", 11.0, 177.0)
    if encoding != "gbk":
        assert loaded == _expected_sample_book()


def test_big5_csv_with_traditional_headers(session: Session, tmp_path: Path) -> None:
    rows = [["CG-2411-199", "桃園華盛建材行", "113年11月9日", "鋁合金窗框", "1.2mm", "支", "30", "185.5"]]
    path = _write_csv(tmp_path / "訂單.csv", TRADITIONAL_HEADER, rows, "cp950")
    report = import_orders(path, session)
    assert (report.errors, report.encoding) == ([], "cp950")
    order = session.scalar(select(Order))
    assert (order.customer, order.order_date) == ("桃園華盛建材行", dt.date(2024, 11, 9))
    assert _book(session) == {"CG-2411-199": [("鋁合金窗框", "1.2mm", "支", 30.0, 185.5)]}


def test_tab_and_semicolon_separated_files(session: Session, tmp_path: Path) -> None:
    (tmp_path / "tabs.txt").write_text(
        "订单号\t客户名称\t订单日期\t品名\t数量\nA-1\t甲公司\t2024/3/15\t纸箱\t1,200\n", encoding="utf-8"
    )
    (tmp_path / "semi.csv").write_text("Order No.;Customer;Date;Product;Qty\nB-1;Beta Ltd;15 Mar 2024;Box;12\n", encoding="utf-8")
    assert import_orders(tmp_path / "tabs.txt", session).errors == []
    assert import_orders(tmp_path / "semi.csv", session).errors == []
    assert _book(session) == {"A-1": [("纸箱", None, None, 1200.0, None)], "B-1": [("Box", None, None, 12.0, None)]}


def test_xlsx_with_title_row_numbers_and_dates(session: Session, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "订单明细"
    sheet.append(["2024年订单明细"])  # a title above the header, as exports often have
    sheet.append([*CHINESE_HEADER[:7], "单价(元)"])
    sheet.append([4500039856, "Man Lee Engineering Ltd.", dt.datetime(2024, 1, 6), "Power Cable", "YJV 3×4", "m", 80, 16.28])
    sheet.append([4500039856, None, None, "Copper Wire", "BV 2.5mm²", "m", 360.0, 2.265])
    sheet.append(["PO-2024-0815", "杭州中泰包装材料有限公司", 45522, "尼龙扎带", "4×200mm", "包", "180", None])
    sheet.append(["PO-2024-0816", "杭州中泰包装材料有限公司", "2024.8.20", "纸箱", None, "个", "lots", 3])
    sheet.append([None, None, None, "合计", None, None, 620, None])
    path = tmp_path / "orders.xlsx"
    workbook.save(path)

    report = import_orders(path, session)
    assert (report.format, report.sheet) == ("xlsx", "订单明细")
    assert [(error.row, error.message) for error in report.errors] == [(6, "quantity 'lots' is not a number")]
    assert (report.rows_read, report.orders_created, report.lines_loaded) == (4, 2, 3)
    assert _book(session) == {
        "4500039856": [("Power Cable", "YJV 3×4", "m", 80.0, 16.28), ("Copper Wire", "BV 2.5mm²", "m", 360.0, 2.265)],
        "PO-2024-0815": [("尼龙扎带", "4×200mm", "包", 180.0, None)],
    }
    dates = dict(session.execute(select(Order.order_no, Order.order_date)).all())
    assert dates == {"4500039856": dt.date(2024, 1, 6), "PO-2024-0815": dt.date(2024, 8, 18)}  # Excel serial 45522


# --- upsert -----------------------------------------------------------------------------------


def test_reimport_replaces_changed_orders_and_leaves_the_rest(session: Session, tmp_path: Path) -> None:
    import_orders(SAMPLE_BOOK, session)
    untouched_ids = set(session.scalars(select(OrderLine.id).join(Order).where(Order.order_no != "HT24021718")))
    document = Document(sha256="b" * 64, original_filename="x.jpg")
    changed_order = session.scalar(select(Order).where(Order.order_no == "HT24021718"))
    session.add(Match(document=document, order=changed_order, score=0.9, method="order_no", status=MatchStatus.ACCEPTED))
    session.commit()

    rows = _sample_rows()
    ht_rows = [row for row in rows if row[0] == "HT24021718"]
    assert len(ht_rows) == 4
    ht_rows[0][6] = "12"  # 配电箱 11 → 12
    del ht_rows[3]  # 自攻螺钉 no longer ordered
    others = [row for row in rows if row[0] != "HT24021718"]
    report = import_orders(_write_csv(tmp_path / "again.csv", ENGLISH_HEADER, others + ht_rows), session)

    assert report.errors == []
    assert (report.orders_created, report.orders_updated, report.orders_unchanged) == (0, 1, SAMPLE_ORDERS - 1)
    assert session.scalar(select(func.count()).select_from(Order)) == SAMPLE_ORDERS
    assert session.scalar(select(func.count()).select_from(OrderLine)) == SAMPLE_LINES - 1
    assert [line[:4] for line in _book(session)["HT24021718"]] == [
        ("配电箱", "12回路", "台", 12.0),
        ("不锈钢六角螺栓", "M8×30", "个", 1210.0),
        ("食用植物油", "5L×4桶", "箱", 25.0),
    ]
    assert set(session.scalars(select(OrderLine.id).join(Order).where(Order.order_no != "HT24021718"))) == untouched_ids
    assert session.scalar(select(Match.status)) is MatchStatus.STALE


def test_an_import_that_fails_midway_changes_nothing(session: Session, tmp_path: Path, monkeypatch) -> None:
    import_orders(SAMPLE_BOOK, session)
    rows = [[*row[:6], str(float(row[6]) + 1), row[7]] for row in _sample_rows()]
    path = _write_csv(tmp_path / "all_changed.csv", ENGLISH_HEADER, rows)

    def fail(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(session, "add_all", fail)  # after the old lines were deleted
    with pytest.raises(RuntimeError):
        import_orders(path, session)
    monkeypatch.undo()
    assert _book(session) == _expected_sample_book()


# --- bad rows and bad files -------------------------------------------------------------------


def test_bad_rows_are_reported_with_row_numbers_and_good_rows_load(session: Session, tmp_path: Path) -> None:
    rows = [
        ["A-1", "甲公司", "2024-03-15", "纸箱", "五层", "个", "100", "2.5"],  # row 2: good
        ["", "甲公司", "2024-03-15", "胶带", "", "卷", "10", "3"],  # 3: no order number
        ["A-1", "甲公司", "2024-03-15", "泡沫", "", "块", "ten", "1"],  # 4
        ["A-2", "乙公司", "2024-13-45", "扎带", "", "包", "5", "1"],  # 5
        ["A-3", "丙公司", "2024-03-16", "", "", "", "-5", "x"],  # 6: three reasons
        ["4.50004E+09", "丁公司", "2024-03-16", "螺钉", "", "盒", "1", "1"],  # 7
        [],  # 8: blank, skipped
        ["A-4", "", "", "垫片", "", "包", "3", "1"],  # 9: no customer, no date in the whole order
        ["A-1", "", "", "标签", "", "张", "1,000", "¥0.05"],  # 10: good, customer and date from row 2
        ["", "", "", "合计", "", "", "1111", ""],  # 11: totals row, skipped
    ]
    report = import_orders(_write_csv(tmp_path / "bad.csv", ENGLISH_HEADER, rows), session)
    assert [(error.row, error.message) for error in report.errors] == [
        (3, "missing order_no"),
        (4, "quantity 'ten' is not a number"),
        (5, "order_date '2024-13-45' is not a date"),
        (6, "missing product; quantity '-5' is not positive; unit_price 'x' is not a number"),
        (7, "order_no '4.50004E+09' was turned into a number by the spreadsheet; format the column as text and export again"),
        (9, "missing customer; missing order_date"),
    ]
    assert (report.rows_read, report.orders_created, report.lines_loaded) == (8, 1, 2)
    assert _book(session) == {"A-1": [("纸箱", "五层", "个", 100.0, 2.5), ("标签", None, "张", 1000.0, 0.05)]}


def test_header_only_file_loads_nothing_without_errors(session: Session, tmp_path: Path) -> None:
    report = import_orders(_write_csv(tmp_path / "h.csv", CHINESE_HEADER, []), session)
    assert (report.rows_read, report.lines_loaded, report.errors) == (0, 0, [])


def _error_code(path: Path, session: Session) -> str:
    with pytest.raises(DocintelError) as caught:
        import_orders(path, session)
    return str(caught.value.code)


def test_bad_files_raise_stable_codes(session: Session, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "scan.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (tmp_path / "noise.bin").write_bytes(bytes(range(1, 32)) * 40)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with zipfile.ZipFile(tmp_path / "archive.xlsx", "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with zipfile.ZipFile(tmp_path / "gutted.xlsx", "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook>")
    (tmp_path / "letter.csv").write_text("尊敬的客户：\n您好，附件是本月对账单。\n", encoding="utf-8")
    _write_csv(tmp_path / "no_qty.csv", ["订单号", "客户名称", "订单日期", "品名"], [["A-1", "甲", "2024-01-01", "纸箱"]])

    assert _error_code(tmp_path / "empty.csv", session) == "EMPTY_FILE"
    assert _error_code(tmp_path / "missing.csv", session) == "UNREADABLE_FILE"
    assert _error_code(tmp_path, session) == "UNREADABLE_FILE"
    assert _error_code(tmp_path / "scan.csv", session) == "UNSUPPORTED_TYPE"
    assert _error_code(tmp_path / "noise.bin", session) == "UNSUPPORTED_TYPE"
    assert _error_code(tmp_path / "old.xls", session) == "UNSUPPORTED_TYPE"
    assert _error_code(tmp_path / "archive.xlsx", session) == "UNSUPPORTED_TYPE"
    assert _error_code(tmp_path / "broken.xlsx", session) == "CORRUPT_SPREADSHEET"
    assert _error_code(tmp_path / "gutted.xlsx", session) == "CORRUPT_SPREADSHEET"
    assert _error_code(tmp_path / "letter.csv", session) == "MISSING_COLUMNS"
    assert _error_code(tmp_path / "no_qty.csv", session) == "MISSING_COLUMNS"
    assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_overlong_cells_are_row_errors_not_database_errors(session: Session, tmp_path: Path) -> None:
    rows = [
        ["A-1", "甲公司", "2024-01-01", "纸" * 600, "", "", "1", "1"],
        ["A-2", "乙", "2024-01-01", "箱", "", "", "123456789012345678", ""],
    ]
    report = import_orders(_write_csv(tmp_path / "long.csv", ENGLISH_HEADER, rows), session)
    assert [(e.row, e.message) for e in report.errors] == [
        (2, "product is longer than 512 characters"),
        (3, "quantity '123456789012345678' is too large"),
    ]


# --- the optional vendor column ----------------------------------------------------------------


@pytest.mark.parametrize("vendor_header", ["供应商", "销售单位", "開票單位", "銷售方", "Supplier", "vendor"])
def test_a_vendor_column_is_stored_under_its_chinese_traditional_and_english_names(
    session: Session, tmp_path: Path, vendor_header: str
) -> None:
    rows = [
        ["A-1", "甲公司", "上海鼎信五金机电有限公司", "2024-03-01", "纸箱", "", "个", "10", "1"],
        ["A-1", "甲公司", "", "2024-03-01", "胶带", "", "卷", "5", "2"],  # blank: the order's other rows say
        ["B-1", "乙公司", "鼎信五金", "2024-03-02", "纸箱", "", "个", "1", "1"],
        ["B-1", "乙公司", "上海鼎信五金机电有限公司", "2024-03-02", "胶带", "", "卷", "1", "2"],  # the full name is kept
        ["C-1", "丙公司", "", "2024-03-03", "纸箱", "", "个", "1", "1"],
    ]
    header = [*CHINESE_HEADER[:2], vendor_header, *CHINESE_HEADER[2:]]
    report = import_orders(_write_csv(tmp_path / "book.csv", header, rows), session)
    assert report.errors == [] and report.lines_loaded == 5
    assert dict(session.execute(select(Order.order_no, Order.vendor)).all()) == {
        "A-1": "上海鼎信五金机电有限公司", "B-1": "上海鼎信五金机电有限公司", "C-1": None,
    }


def test_a_book_without_the_vendor_column_loads_as_before_and_keeps_stored_vendors(session: Session, tmp_path: Path) -> None:
    report = import_orders(_write_csv(tmp_path / "no_vendor.csv", ENGLISH_HEADER, _sample_rows()), session)
    assert (report.errors, report.orders_created, report.lines_loaded) == ([], SAMPLE_ORDERS, SAMPLE_LINES)
    assert _book(session) == _expected_sample_book()
    assert set(session.scalars(select(Order.vendor))) == {None}

    # Re-imported with the column, every order gets its vendor, in place: the lines and the matches
    # made against them stay (matching does not use the vendor).
    line_ids = set(session.scalars(select(OrderLine.id)))
    order = session.scalar(select(Order).where(Order.order_no == "HT24021718"))
    session.add(Match(document=Document(sha256="c" * 64, original_filename="y.jpg"), order=order, score=0.9,
                      method="order_no", status=MatchStatus.ACCEPTED))
    session.commit()
    report = import_orders(SAMPLE_BOOK, session)
    assert (report.orders_created, report.orders_updated, report.orders_unchanged) == (0, SAMPLE_ORDERS, 0)
    assert session.scalar(select(Order.vendor).where(Order.order_no == "HT24021718")) == "上海鼎信五金机电有限公司"
    assert set(session.scalars(select(OrderLine.id))) == line_ids
    assert session.scalar(select(Match.status)) is MatchStatus.ACCEPTED

    # Another vendor for one order updates that order; a book without the column changes no vendor.
    rows = _sample_rows([*ENGLISH_HEADER[:2], "vendor", *ENGLISH_HEADER[2:]])
    rows = [[*row[:2], "苏州鸿运工业品供应链有限公司", *row[3:]] if row[0] == "HT24021718" else row for row in rows]
    report = import_orders(_write_csv(tmp_path / "other_vendor.csv", [*ENGLISH_HEADER[:2], "vendor", *ENGLISH_HEADER[2:]], rows), session)
    assert (report.orders_updated, report.orders_unchanged) == (1, SAMPLE_ORDERS - 1)
    assert session.scalar(select(Order.vendor).where(Order.order_no == "HT24021718")) == "苏州鸿运工业品供应链有限公司"
    report = import_orders(tmp_path / "no_vendor.csv", session)
    assert (report.orders_updated, report.orders_unchanged) == (0, SAMPLE_ORDERS)
    assert session.scalar(select(Order.vendor).where(Order.order_no == "HT24021718")) == "苏州鸿运工业品供应链有限公司"


def test_an_overlong_vendor_is_a_row_error(session: Session, tmp_path: Path) -> None:
    header = [*ENGLISH_HEADER[:2], "vendor", *ENGLISH_HEADER[2:]]
    rows = [["A-1", "甲公司", "鼎" * 600, "2024-01-01", "纸箱", "", "", "1", "1"]]
    report = import_orders(_write_csv(tmp_path / "long.csv", header, rows), session)
    assert [(e.row, e.message) for e in report.errors] == [(2, "vendor is longer than 512 characters")]


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DOCINTEL_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _docintel(*args: str):
    """Run the command as it is mounted: `docintel orders …`."""
    app = typer.Typer()
    app.add_typer(orders_app, name="orders")
    return CliRunner().invoke(app, ["orders", *args])


def test_cli_prints_a_summary_and_exits_0(cli_database: str) -> None:
    result = _docintel("import", str(SAMPLE_BOOK))
    assert result.exit_code == 0, result.output
    assert "orders.csv" in result.output and str(SAMPLE_LINES) in result.output


def test_cli_json_report_and_exit_1_on_bad_rows(cli_database: str, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "bad.csv", ENGLISH_HEADER, [["A-1", "甲", "2024-01-01", "纸箱", "", "", "x", ""]])
    result = _docintel("import", str(path), "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["errors"] == [{"row": 2, "message": "quantity 'x' is not a number"}]
    result = _docintel("import", str(SAMPLE_BOOK), "--json")
    assert (result.exit_code, json.loads(result.output)["orders_created"]) == (0, SAMPLE_ORDERS)


def test_cli_bad_file_gives_its_code(cli_database: str, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    result = _docintel("import", str(tmp_path / "empty.csv"), "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["error"]["code"] == "EMPTY_FILE"
