"""Snapping misread names to the order book's spellings (docintel.extract.lexicon, orders.lexicon)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from docintel.archive.ingest import record_extraction
from docintel.extract import ExtractedDocument, LineItem
from docintel.extract.lexicon import Lexicon, NameList, apply_lexicon, edits_allowed, name_key
from docintel.orders import import_orders
from docintel.orders.lexicon import order_book_lexicon, stored_lexicon
from docintel.store.db import make_session_factory
from docintel.store.models import Document, DocumentStatus
from tests.test_store import engine, migrated_postgres, postgres_schema  # noqa: F401  (fixtures)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CUSTOMERS = ["温州鑫源机械制造商行", "无锡恒达五金贸易有限责任公司", "杭州恒达五金贸易有限公司", "恒达五金"]
PRODUCTS = ["膨胀螺丝", "劳保手套", "平垫圈", "弹垫圈", "电线", "电缆", "LED灯管"]


def test_keys_fold_width_case_spaces_and_punctuation() -> None:
    assert name_key("ＬＥＤ 灯管（T8）") == name_key("led灯管t8")
    assert name_key("膨脹螺絲") == name_key("膨胀螺丝")
    assert [edits_allowed(k) for k in ("电线", "平垫圈", "膨胀螺丝", "温州鑫源机械制造商行", "无锡恒达五金贸易有限责任公司")] == [0, 1, 1, 1, 2]


@pytest.mark.parametrize(("read", "known"), [
    ("温州蠢源机械制造商行", "温州鑫源机械制造商行"),      # one rare character misread
    ("《温州琳源机械制造商行", "温州鑫源机械制造商行"),     # and a speck read as punctuation
    ("无锣恒达五金贸易有限责任公司", "无锡恒达五金贸易有限责任公司"),
    ("广州州嘉诚物业管理有限责任公司", "广州嘉诚物业管理有限责任公司"),  # a doubled character
])
def test_a_misread_customer_snaps_to_the_one_known_name_it_is_close_to(read: str, known: str) -> None:
    names = NameList.of([*CUSTOMERS, "广州嘉诚物业管理有限责任公司"])
    snapped = names.snap(read)
    assert snapped is not None and snapped[0] == known
    assert 0.85 <= snapped[1] < 1.0


@pytest.mark.parametrize("read", [
    "温州镭浙机械制造商行",        # two of ten characters wrong: too far to be sure
    "宁波鑫源机械制造商行",        # another firm: the city differs in two characters
    "温州鑫源机械制造商行",        # already the known spelling: nothing to do
    "",
])
def test_names_too_far_or_already_known_stay_as_read(read: str) -> None:
    assert NameList.of(CUSTOMERS).snap(read) is None


def test_a_reading_between_two_known_names_is_left_alone() -> None:
    products = NameList.of(PRODUCTS)
    assert products.snap("脱胀螺丝") == ("膨胀螺丝", 0.75)
    assert products.snap("[膨胀螺丝") == ("膨胀螺丝", 1.0)   # OCR debris around a known name
    assert products.snap("膨胀螺丝") is None
    assert products.snap("单垫圈") is None   # as near to 弹垫圈 as to 平垫圈
    assert products.snap("电绕") is None     # two characters: 电线 and 电缆 are both products


def test_a_known_product_is_split_from_the_spec_glued_to_it() -> None:
    lexicon = Lexicon.of([], [(p, None) for p in PRODUCTS] + [("劳保手套", "尼龙涂胶")])
    assert lexicon.split_product("劳保手套尼龙涂胶") == ("劳保手套", "尼龙涂胶")   # a spec the book lists
    assert lexicon.split_product("LED灯管 T8 1.2m") == ("LED灯管", "T8 1.2m")    # a size
    assert lexicon.split_product("电缆桥架") is None   # another product that starts with a known one
    assert lexicon.split_product("电线管") is None     # one character more is another product
    assert lexicon.split_product("劳保手套") is None


def test_apply_lexicon_keeps_what_was_read() -> None:
    document = ExtractedDocument(
        file="x.jpg", customer="温州蠢源机械制造商行", confidence={"customer": 0.41},
        items=[LineItem(product="脱胀螺丝", quantity=240), LineItem(product="劳保手套尼龙涂胶", spec="L", quantity=14),
               LineItem(product="电线", quantity=3)],
    )
    apply_lexicon(document, Lexicon.of(CUSTOMERS, [(p, None) for p in PRODUCTS] + [("劳保手套", "尼龙涂胶")]))
    assert document.customer == "温州鑫源机械制造商行"
    assert document.confidence["customer"] == pytest.approx(0.9)
    assert [(i.product, i.spec) for i in document.items] == [("膨胀螺丝", None), ("劳保手套", "尼龙涂胶 L"), ("电线", None)]
    assert document.readings == {
        "customer": "温州蠢源机械制造商行", "items.0.product": "脱胀螺丝", "items.1.product": "劳保手套尼龙涂胶",
    }
    assert "readings" not in document.contract_dict()


def test_order_book_file_gives_customers_abbreviations_and_products() -> None:
    lexicon = order_book_lexicon(SAMPLES / "orders.csv")
    assert "Man Lee Engineering Ltd." in lexicon.customers.names.values()
    assert "Galvanized Steel Pipe" in lexicon.products.names.values()
    assert len(lexicon.customers.names) > 5 and len(lexicon.products.names) > 20


def test_ingest_snaps_names_to_the_stored_book_and_rereads_it_when_it_changes(engine: Engine, tmp_path: Path) -> None:  # noqa: F811
    book = tmp_path / "book.csv"
    book.write_text("order_no,customer,order_date,product,spec,unit,quantity,unit_price\n"
                    "PO-1,温州鑫源机械制造商行,2024-03-01,膨胀螺丝,M8,个,240,0.5\n", encoding="utf-8")
    sessions = make_session_factory(engine)
    with sessions() as session:
        assert not stored_lexicon(session)
        import_orders(book, session)
        assert stored_lexicon(session).customers.names == {name_key("温州鑫源机械制造商行"): "温州鑫源机械制造商行"}
        document = Document(sha256="ab" * 32, original_filename="slip.jpg", size_bytes=1, status=DocumentStatus.RECEIVED)
        session.add(document)
        session.flush()
        read = ExtractedDocument(file="slip.jpg", customer="温州奔源机械制造商行", order_no="PO-1",
                                 items=[LineItem(product="膛胀螺丝", quantity=240)])
        record_extraction(session, tmp_path, document, read, with_matching=False)
        session.commit()
        assert document.customer == "温州鑫源机械制造商行"
        assert document.fields["items"][0]["product"] == "膨胀螺丝"
        assert document.fields["readings"] == {"customer": "温州奔源机械制造商行", "items.0.product": "膛胀螺丝"}
        # A re-import with another product is seen by the next document, not hidden by the cache.
        book.write_text(book.read_text(encoding="utf-8") + "PO-1,温州鑫源机械制造商行,2024-03-01,劳保手套,L,副,10,3\n",
                        encoding="utf-8")
        import_orders(book, session)
        assert "劳保手套" in stored_lexicon(session).products.names.values()


def test_a_printed_customer_name_longer_than_the_books_is_kept() -> None:
    lexicon = Lexicon.of(["Wing Fung Engineering", "温州鑫源机械制造商行"], [])
    printed = ExtractedDocument(file="x.jpg", customer="Wing Fung Engineering Ltd.")
    assert apply_lexicon(printed, lexicon).customer == "Wing Fung Engineering Ltd." and not printed.readings
    cut_short = ExtractedDocument(file="y.jpg", customer="温州鑫源机械制造商")   # the last character lost
    assert apply_lexicon(cut_short, lexicon).customer == "温州鑫源机械制造商行"


def test_an_order_number_read_with_look_alikes_is_written_as_the_books() -> None:
    lexicon = order_book_lexicon(SAMPLES / "orders.csv")
    number = next(n for ns in lexicon.order_numbers.values() for n in ns if "O" in n)
    misread = number.replace("O", "0")
    document = apply_lexicon(ExtractedDocument(file="x.jpg", order_no=misread), lexicon)
    assert (document.order_no, document.readings) == (number, {"order_no": misread})
    # Two book numbers that fold alike (SO-1 and 5O-1): which one was printed is not known.
    twins = Lexicon().with_order_numbers([("501", "SO-1"), ("501", "5O-1")], lambda t: "501")
    assert twins.known_order_number("S0-1") is None


def test_an_order_number_whose_letter_prefix_was_lost_is_the_one_book_number_ending_so() -> None:
    from docintel.match import confusable_key

    book = ["PO-2024-052851", "HT24020873", "CG-2409-793", "CG-2024-011111", "PO-2024-011111"]
    lexicon = Lexicon().with_order_numbers([(confusable_key(n), n) for n in book], confusable_key)
    assert lexicon.known_order_number("2024-052851") == "PO-2024-052851"  # 站-2024-052851 as read
    assert lexicon.known_order_number("24020873") == "HT24020873"
    assert lexicon.known_order_number("2024-011111") is None  # two prefixes end so: which is not known
    assert lexicon.known_order_number("2409-793") is None     # too short a tail to tell
    assert lexicon.known_order_number("X2024-052851") is None  # a prefix read, and not the book's
    document = apply_lexicon(ExtractedDocument(file="x.jpg", order_no="2024-052851"), lexicon)
    assert (document.order_no, document.readings) == ("PO-2024-052851", {"order_no": "2024-052851"})


@pytest.mark.parametrize(("read", "printed"), [
    ("佛出市永固电气设备有限公司", "佛山市永固电气设备有限公司"),   # a misread city that is no city
    ("佛山市永四电气设备有限公司", "佛山市永固电气设备有限公司"),   # a misread brand
    ("高雄金晶五金企業有限公司", "高雄金鼎五金企業有限公司"),       # traditional print stays traditional
    # 宏 misread 密 (and 锡 锣): the name read whole with a character misread, not 无 taken for 宏
    # with 锣密 as extra print inside
    ("无锣密发机械制造经营部", "无锣宏发机械制造经营部"),
    ("无锡密发机械制造经营部", "无锡宏发机械制造经营部"),
])
def test_a_known_abbreviation_misread_inside_a_longer_printed_name_is_put_right_in_place(read: str, printed: str) -> None:
    lexicon = Lexicon.of(["佛山永固电气", "广州永固电气设备商行", "高雄金鼎", "广州恒达五金", "宏发机械"], []).with_places(
        ["佛山", "广州", "杭州", "高雄", "无锡"])
    document = apply_lexicon(ExtractedDocument(file="x.jpg", customer=read), lexicon)
    assert document.customer == printed and document.readings == {"customer": read}


def test_a_name_put_right_inside_keeps_the_doubt_it_was_read_with() -> None:
    # 宏发机让 put right to the book's 宏发机电; 漂圳, no city, is as doubtful as it was read: the
    # order its number names can still put the city right (match/repairs.py).
    lexicon = Lexicon.of(["深圳宏发机电", "宏发机电", "佛山宏发机电设备经营部"], []).with_places(["深圳", "佛山"])
    document = ExtractedDocument(file="x.jpg", customer="漂圳宏发机让设备商行", confidence={"customer": 0.55})
    apply_lexicon(document, lexicon)
    assert document.customer == "漂圳宏发机电设备商行" and document.confidence["customer"] == 0.55
    # A name that is all a known one's is as sure as its likeness to it.
    whole = apply_lexicon(ExtractedDocument(file="x.jpg", customer="佛山宏发机电设备经营却", confidence={"customer": 0.55}), lexicon)
    assert whole.customer == "佛山宏发机电设备经营部" and whole.confidence["customer"] > 0.85


@pytest.mark.parametrize("read", [
    "杭州恒达五全贸易有限公司",   # 杭州 is a real city: not the book's 广州恒达五金, whatever else is misread
    "温州镭浙机械制造商行",       # two of the four characters of 鑫源机械 wrong
    "佛山市永固电气设备有限公司",   # nothing misread
])
def test_a_longer_printed_name_is_left_alone_unless_one_known_name_is_in_it_nearly_intact(read: str) -> None:
    lexicon = Lexicon.of(["佛山永固电气", "鑫源机械", "广州恒达五金"], []).with_places(["佛山", "广州", "杭州", "温州"])
    assert lexicon.customers.repair_inside(read, lexicon.places) is None


def test_a_known_name_printed_intact_is_not_another_known_name_misread() -> None:
    # The book knows both firms; the slip prints the first in full, read right.
    book = ["无锡市汇通电子科技有限公司", "汇通电子", "匯通電器"]
    lexicon = Lexicon.of(book, []).with_places(["无锡", "台中"])
    assert lexicon.customers.repair_inside("无锡市汇通电子科技有限公司", lexicon.places) is None
    document = apply_lexicon(ExtractedDocument(file="x.jpg", customer="无锡市汇通电子科技有限公司"), lexicon)
    assert document.customer == "无锡市汇通电子科技有限公司" and document.readings == {}
    # A reading of the other firm's name with one character misread is still put right.
    assert lexicon.customers.repair_inside("台中匯週電器行", lexicon.places) == ("台中匯通電器行", pytest.approx(6 / 7))


@pytest.mark.parametrize(("read", "known"), [
    ("詢雄恆達水電工神行", "高雄恆達水電工程行"),        # the city and the trade both misread
    ("天津奔源装饰工程经营半", "天津鑫源装饰工程经营部"),
])
def test_a_name_put_right_inside_is_then_snapped_to_the_full_name_it_is_a_slip_from(read: str, known: str) -> None:
    lexicon = Lexicon.of(["高雄恆達", "高雄恆達水電工程行", "鑫源装饰", "天津鑫源装饰工程经营部", "厦门鑫源装饰工程有限公司"], [])
    lexicon = lexicon.with_places(["高雄", "天津", "厦门"])
    assert lexicon.customers.snap(read, lexicon.places) is None  # two slips: too far for a snap alone
    document = apply_lexicon(ExtractedDocument(file="x.jpg", customer=read), lexicon)
    assert document.customer == known and document.readings == {"customer": read}


def test_a_simplified_name_with_one_character_read_traditional_is_written_as_the_book_writes_it() -> None:
    names = NameList.of(["武汉德润五金贸易有限公司", "台南鑫源水電工程行"])
    # 潤 for 润 in a name whose 汉 and 贸 are simplified: the print is simplified.
    assert names.snap("武汉德潤五金贸易有限公司") == ("武汉德润五金贸易有限公司", 1.0)
    # A Taiwanese name (電 traditional; 台 is written alike there) stays as printed.
    assert names.snap("台南鑫源水電工程行") is None


def test_a_traditional_reading_keeps_its_script_when_snapped_to_a_simplified_book() -> None:
    products = NameList.of(["缠绕膜", "膨胀螺丝", "LED灯管"])
    assert products.snap("纏繞腊") == ("纏繞膜", pytest.approx(2 / 3))
    assert products.snap("膨脹螺絲") is None          # read right, in the other script
    assert products.snap("[膨脹螺絲") == ("膨脹螺絲", 1.0)


def test_a_firms_name_is_written_as_the_book_writes_it_whatever_script_it_was_read_in() -> None:
    # A Taiwanese slip read by the simplified model (its script mistaken): 企業 read 企业, 鴻運 鸿运.
    lexicon = Lexicon.of(["高雄金鼎五金企業有限公司"], []).with_vendors(["鴻運工業用品有限公司", "佛山市南海区金利达包装材料厂"])
    document = ExtractedDocument(file="x.jpg", customer="高雄金鼎五金企业有限公司", vendor="鸿运工业用品有限公司")
    apply_lexicon(document, lexicon)
    assert (document.customer, document.vendor) == ("高雄金鼎五金企業有限公司", "鴻運工業用品有限公司")
    assert document.readings == {"customer": "高雄金鼎五金企业有限公司", "vendor": "鸿运工业用品有限公司"}
    # A mainland firm's letterhead read by the traditional model, a character misread too.
    document = ExtractedDocument(file="x.jpg", vendor="佛山市南海區金利達包裝材料敞")
    assert apply_lexicon(document, lexicon).vendor == "佛山市南海区金利达包装材料厂"
    # An article's name still follows the slip's script.
    assert NameList.of(["膨胀螺丝"]).snap("膨脹螺絲") is None


def test_a_simplified_reading_gets_a_simplified_spelling_from_a_book_that_lists_both_scripts() -> None:
    # The book lists a Hong Kong order's 平墊圈 before a mainland order's 平垫圈: one key, and the
    # first spelling is the one kept.
    lexicon = Lexicon.of([], [("平墊圈", "Φ10 鍍鋅"), ("平垫圈", "Φ10 镀锌"), ("PVC電工膠帶", None), ("PVC电工胶带", None)])
    document = ExtractedDocument(file="x.jpg", items=[LineItem(product="平垫圈中", quantity=16), LineItem(product="PVC电工胶带", quantity=280),
                                                      LineItem(product="平塾圈", quantity=6)])
    apply_lexicon(document, lexicon)
    assert [i.product for i in document.items] == ["平垫圈", "PVC电工胶带", "平墊圈"]
    assert "items.1.product" not in document.readings  # read right: nothing to snap
    # 账 is simplified, though comparing folds it with 帐: the snapped name stays simplified.
    customers = Lexicon.of(["深圳市嘉诚财务账务咨询有限公司"], [])
    slip = apply_lexicon(ExtractedDocument(file="x.jpg", customer="深圳市嘉诚财务账务资询有限公司"), customers)
    assert slip.customer == "深圳市嘉诚财务账务咨询有限公司"


def test_a_printed_city_that_is_a_real_one_is_not_snapped_to_the_books_other_city() -> None:
    # The book knows 苏州远航…; a receipt printed for 无锡远航… is another firm (a customer mismatch
    # to flag), though the two names are only two characters apart.
    lexicon = Lexicon.of(["苏州远航机电设备有限公司"], []).with_places(["苏州", "无锡"])
    document = apply_lexicon(ExtractedDocument(file="x.jpg", customer="无锡远航机电设备有限公司"), lexicon)
    assert document.customer == "无锡远航机电设备有限公司" and not document.readings
    misread = apply_lexicon(ExtractedDocument(file="y.jpg", customer="苏州远航机电设各有限公司"), lexicon)
    assert misread.customer == "苏州远航机电设备有限公司"


def test_a_long_product_name_may_have_two_characters_misread_and_a_glued_spec_one() -> None:
    lexicon = Lexicon.of(["温州鑫源机械制造商行"], [("不锈钢六角螺栓", "M8×30"), ("不锈钢合页", None), ("劳保手套", "尼龙涂胶")])
    assert lexicon.products.snap("不诱钢六角曝栓") == ("不锈钢六角螺栓", pytest.approx(5 / 7))
    assert lexicon.products.snap("不镑锅六角包栓") is None      # three of seven: too far
    assert lexicon.customers.snap("温州镭浙机械制造商行") is None  # customers keep one per six
    assert lexicon.split_product("劳保手套尼老涂胶") == ("劳保手套", "尼老涂胶")
    assert lexicon.split_product("劳保手套尼老漆") is None


VENDORS = ["上海鼎信五金机电有限公司", "苏州鸿运工业品供应链有限公司", "鼎信五金股份有限公司", "Dingxin Industrial Supplies (HK) Ltd."]


@pytest.mark.parametrize(("read", "known"), [
    ("上海见信五金机电有限公司", "上海鼎信五金机电有限公司"),      # the firm's own rare character misread
    ("称: 上海易信五金机电有限公司", "上海鼎信五金机电有限公司"),  # and label debris stuck to it
    ("苏州江运工业品供应链有限公司", "苏州鸿运工业品供应链有限公司"),
    ("鼎信五金股份有限公司", "鼎信五金股份有限公司"),            # read right: nothing to do
    ("广州恒通贸易有限公司", "广州恒通贸易有限公司"),            # not one of the book's vendors
])
def test_a_misread_vendor_snaps_to_the_books_vendor_and_the_reading_is_kept(read: str, known: str) -> None:
    lexicon = Lexicon.of(CUSTOMERS, []).with_vendors(VENDORS).with_places(["上海", "苏州", "广州"])
    document = apply_lexicon(ExtractedDocument(file="x.jpg", vendor=read, confidence={"vendor": 0.5}), lexicon)
    assert document.vendor == known
    assert document.readings == ({"vendor": read} if read != known else {})
    # Raised to the similarity to the book's name, as the customer's is.
    assert document.confidence["vendor"] > 0.8 if read != known else document.confidence["vendor"] == 0.5
    assert lexicon.vendors and not Lexicon.of([], []).with_vendors([None, ""])


def test_vendors_are_their_own_list_customers_are_not_snapped_to_them() -> None:
    lexicon = Lexicon.of(CUSTOMERS, []).with_vendors(VENDORS)
    document = apply_lexicon(ExtractedDocument(file="x.jpg", customer="上海见信五金机电有限公司"), lexicon)
    assert document.customer == "上海见信五金机电有限公司" and not document.readings
    assert Lexicon().with_vendors(VENDORS)   # a book of vendors alone is a lexicon


def test_order_book_file_and_stored_book_give_the_vendors(engine: Engine, tmp_path: Path) -> None:  # noqa: F811
    assert set(order_book_lexicon(SAMPLES / "orders.csv").vendors.names.values()) >= {
        "上海鼎信五金机电有限公司", "鼎信五金股份有限公司", "Everbright Hardware & Packaging Co., Ltd."}
    book = tmp_path / "book.csv"
    book.write_text("订单号,客户名称,供应商,订单日期,品名,数量\n"
                    "PO-1,温州鑫源机械制造商行,上海鼎信五金机电有限公司,2024-03-01,膨胀螺丝,240\n", encoding="utf-8")
    sessions = make_session_factory(engine)
    with sessions() as session:
        import_orders(book, session)
        assert list(stored_lexicon(session).vendors.names.values()) == ["上海鼎信五金机电有限公司"]
        # A re-import that changes only the vendor is seen by the next document, not hidden by the cache.
        book.write_text(book.read_text(encoding="utf-8").replace("上海鼎信", "苏州鼎信"), encoding="utf-8")
        assert import_orders(book, session).orders_updated == 1
        assert list(stored_lexicon(session).vendors.names.values()) == ["苏州鼎信五金机电有限公司"]
        document = Document(sha256="cd" * 32, original_filename="slip.jpg", size_bytes=1, status=DocumentStatus.RECEIVED)
        session.add(document)
        session.flush()
        read = ExtractedDocument(file="slip.jpg", vendor="苏州见信五金机电有限公司", customer="温州鑫源机械制造商行")
        record_extraction(session, tmp_path, document, read, with_matching=False)
        session.commit()
        assert document.vendor == "苏州鼎信五金机电有限公司"
        assert document.fields["readings"] == {"vendor": "苏州见信五金机电有限公司"}


def test_a_product_misread_past_snapping_alone_is_snapped_where_its_spec_vouches_for_one_known_name() -> None:
    book = [("电缆", "YJV 3×4"), ("电线", "BV 2.5"), ("膨胀螺丝", "M10×80"), ("水泥", "P.O 42.5"), ("水管", "PPR 20")]
    lexicon = Lexicon.of([], book)
    items = [
        LineItem(product="电约", spec="YJV3X4", quantity=300),   # two characters, one misread: the spec says which
        LineItem(product="能胀媒丝", spec="M10x80", quantity=500),  # two of four misread
        LineItem(product="电约", spec="BV 4", quantity=10),       # a spec the book does not list: as read
        LineItem(product="水沤", spec="PPR 20", quantity=5),      # 水泥 and 水管 both one away; the spec is 水管's
        LineItem(product="白砂糖", spec="YJV 3×4", quantity=1),   # nothing like 电缆: as read
    ]
    document = apply_lexicon(ExtractedDocument(file="x.jpg", items=items), lexicon)
    assert [i.product for i in document.items] == ["电缆", "膨胀螺丝", "电约", "水管", "白砂糖"]
    assert document.readings["items.0.product"] == "电约" and "items.2.product" not in document.readings


def test_a_name_snapped_on_a_page_printed_traditional_is_written_traditional() -> None:
    lexicon = Lexicon.of([], [("尼龙束线带", "4×200mm")])
    page = "鴻運工業用品有限公司 簽收單 收貨單位: 新北瑞豐建材行 項次 產品名稱 規格 數量"
    item = LineItem(product="尼态束鱼带", spec="4X200mm", quantity=80)  # the misreading is all simplified
    document = apply_lexicon(ExtractedDocument(file="x.jpg", text=page, items=[item]), lexicon)
    assert document.items[0].product == "尼龍束線帶"
    again = LineItem(product="尼态束鱼带", spec="4X200mm", quantity=80)
    simplified = apply_lexicon(ExtractedDocument(file="x.jpg", text="上海恒达 签收单 产品名称", items=[again]), lexicon)
    assert simplified.items[0].product == "尼龙束线带"


def test_an_order_number_whose_prefix_was_misread_gets_the_books_prefix_for_numbers_so_shaped() -> None:
    from docintel.match import confusable_key

    book = ["CG-2405-111", "CG-2409-164", "PO-2024-052851", "HT24020873"]
    lexicon = Lexicon().with_order_numbers(((confusable_key(n), n) for n in book), confusable_key)
    # CG read 06, 6 or GQ6 (C lost, G read as 6); the number need not be in the book.
    for read in ("06-2405-581", "6-2405-581", "GQ6-2405-581"):
        document = apply_lexicon(ExtractedDocument(file="x.jpg", order_no=read), lexicon)
        assert (document.order_no, document.readings) == ("CG-2405-581", {"order_no": read})
    for read in (
        "PG-2024-0501551",  # the shape of none of the book's numbers
        "6-204-432",        # digits lost: no longer the shape
        "X-2405-581",       # X is no look-alike of CG's G
        "24-2405-581",
    ):
        assert apply_lexicon(ExtractedDocument(file="x.jpg", order_no=read), lexicon).order_no == read
    # Two prefixes number alike: which one was printed is not known.
    both = Lexicon().with_order_numbers(((confusable_key(n), n) for n in ["CG-2405-111", "HG-2405-112"]), confusable_key)
    assert apply_lexicon(ExtractedDocument(file="x.jpg", order_no="6-2405-581"), both).order_no == "6-2405-581"
