"""Full-text search: Chinese words and character grams (one misread character), English stemming,
width folding, dates, combined filters, facets, highlights, paging and malformed queries.

One small archive (real SQLite database, real index on disk) is built for the module; the tests
only read it. tests/test_search_index.py covers keeping the index in step with the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from docintel.errors import DocintelError, ErrorCode
from docintel.search import SearchQuery, SearchResults, rebuild_index, search
from docintel.settings import get_settings
from docintel.store.db import init_db, make_session_factory
from docintel.store.models import Document, DocumentStatus, Flag, FlagStatus


def receipt_text(vendor: str, title: str, customer: str, doc_no: str, order_no: str, date: str, rows: list[str], signer: str) -> str:
    return "\n".join(
        [f"{vendor}  {title}", f"收货客户: {customer}  单据编号: {doc_no}", f"订单号: {order_no}  日期: {date}",
         "序号 品名 规格 单位 数量 单价 金额", *rows, f"送货人: 王建国  签收人: {signer}"]
    )


def add_document(session: Session, key: str, *, customer: str | None, items: list[tuple[str, str]], text: str,
                 date: dt.date | None, doc_type: str = "signoff_receipt", doc_no: str | None = None,
                 order_no: str | None = None, vendor: str | None = None, signed: bool | None = True,
                 flags: tuple[str, ...] = (), status: DocumentStatus = DocumentStatus.MATCHED) -> Document:
    """A document row as ingest stores it: columns, the extract JSON (items, text), open flags."""
    document = Document(
        sha256=f"{key:0>64}"[-64:], original_filename=f"inbox/{key}.jpg", pages=1, status=status, doc_type=doc_type,
        doc_no=doc_no, order_no=order_no, customer=customer, vendor=vendor, doc_date=date, signature_present=signed,
        fields={"doc_type": doc_type, "customer": customer, "date": date.isoformat() if date else None,
                "items": [{"product": p, "spec": s, "unit": None, "quantity": 1.0, "unit_price": None, "amount": None} for p, s in items],
                "text": text},
        flags=[Flag(code=code, status=FlagStatus.OPEN, message="") for code in flags],
    )
    session.add(document)
    return document


VENDOR = "上海鼎信五金机电有限公司"


def fill_archive(session: Session) -> dict[str, int]:
    """Ten documents; returns their ids by key."""
    docs = {
        "exact": add_document(
            session, "a1", customer="上海恒达五金贸易有限公司", vendor=VENDOR, date=dt.date(2024, 3, 12),
            doc_no="XS-2403-0012", order_no="HT24030801", items=[("不锈钢六角螺栓", "M8×30"), ("膨胀螺丝", "M10×80")],
            text=receipt_text(VENDOR, "送货签收单", "上海恒达五金贸易有限公司", "XS-2403-0012", "HT24030801", "2024年3月12日",
                              ["1 不锈钢六角螺栓 M8×30 个 500 0.45 225.00", "2 膨胀螺丝 M10×80 个 200 1.10 220.00"], "李明"),
        ),
        "misread": add_document(
            session, "a2", customer="上海恒迏五金贸易有限公司", vendor=VENDOR, date=dt.date(2024, 3, 20),
            doc_no="XS-2403-0040", order_no="HT24031502", items=[("不锈钢六角螺栓", "M10×40")], flags=("NO_MATCH",),
            status=DocumentStatus.NEEDS_REVIEW,
            text=receipt_text(VENDOR, "送货签收单", "上海恒迏五金贸易有限公司", "XS-2403-0040", "HT24031502", "2024年3月20日",
                              ["1 不锈钢六角螺栓 M10×40 个 300 0.95 285.00"], "张伟"),
        ),
        "lookalike": add_document(
            session, "a3", customer="杭州恒达五金经营部", vendor=VENDOR, date=dt.date(2024, 4, 2), doc_type="sales_slip",
            doc_no="CK240402017", order_no="PO-2024-040201", items=[("自攻螺钉", "ST4.2×25"), ("配电箱", "12回路")], signed=False,
            text=receipt_text(VENDOR, "销售出库单", "杭州恒达五金经营部", "CK240402017", "PO-2024-040201", "2024/04/02",
                              ["1 自攻螺钉 ST4.2×25 盒 20 18.00 360.00", "2 配电箱 12回路 台 2 180.00 360.00"], ""),
        ),
        "english": add_document(
            session, "a4", customer="Man Lee Engineering Ltd.", vendor="Dingxin Industrial Supplies (HK) Ltd.",
            date=dt.date(2024, 3, 5), doc_no="DN-24-00077", order_no="PO-2024-030501", signed=False,
            items=[("Stainless Hex Bolts", "M10×40")], flags=("QTY_MISMATCH", "UNSIGNED"), status=DocumentStatus.NEEDS_REVIEW,
            text="Dingxin Industrial Supplies (HK) Ltd.  DELIVERY NOTE\nCustomer: Man Lee Engineering Ltd.  D/N No.: DN-24-00077\n"
                 "P.O. No.: PO-2024-030501  Date: 5 Mar 2024\n1 Stainless Hex Bolts M10×40 800 pcs 1.20 960.00\nReceived by:",
        ),
        "english_misread": add_document(
            session, "a5", customer="Wing Fung Trading Ltd.", vendor="Dingxin Industrial Supplies (HK) Ltd.",
            date=dt.date(2023, 12, 30), doc_no="DN-23-01234", order_no="PO-2023-122801",
            items=[("Stainlcss Hex Bolt", "M8×30")],
            text="DELIVERY NOTE\nCustomer: Wing Fung Trading Ltd.\n1 Stainlcss Hex Bolt M8×30 500 pcs\nReceived by: K. Chan",
        ),
        "fullwidth": add_document(
            session, "a6", customer="苏州鑫源建材有限公司", vendor="苏州鸿运工业品供应链有限公司", date=dt.date(2024, 2, 29),
            doc_type="invoice", doc_no="88123456", order_no="HT24022901", items=[("水泥", "P.O 42.5")],
            text="苏州鸿运工业品供应链有限公司  销售发票\n购买方：苏州鑫源建材有限公司\n订单号：ＨＴ２４０２２９０１\n水泥 P.O 42.5 吨 10 420.00 4200.00",
        ),
        "traditional": add_document(
            session, "a7", customer="台北瑞豐五金行", vendor="鼎信五金股份有限公司", date=dt.date(2024, 3, 31),
            doc_type="monthly_statement", doc_no="1130331001", order_no="CG-2403-077", items=[("不鏽鋼六角螺栓", "M8×30")],
            text="鼎信五金股份有限公司  月結對帳單\n客戶名稱: 台北瑞豐五金行\n1 不鏽鋼六角螺栓 M8×30 個 100",
        ),
        "scattered": add_document(  # 恒, 达 and 五金 all on it, never together
            session, "a10", customer="佛山恒达食品经营部", vendor=VENDOR, date=None, doc_type="sales_slip",
            items=[("食用植物油", "5L×4桶")], text=f"{VENDOR}  销售出库单\n收货客户: 佛山恒达食品经营部\n1 食用植物油 5L×4桶 箱 20",
        ),
        "markup": add_document(
            session, "a8", customer="宁波中泰包装材料有限公司", vendor=VENDOR, date=None, doc_type="other", items=[],
            text="备注: <b>加急</b> & 包装 五层纸箱", signed=None,
        ),
        "failed": add_document(
            session, "a9", customer=None, date=None, doc_type=None, items=[], text="", signed=None, status=DocumentStatus.FAILED,
        ),
    }
    docs["failed"].original_filename = "inbox/broken_scan.jpg"
    docs["failed"].error_code = "CORRUPT_IMAGE"
    docs["failed"].error_message = "truncated JPEG data"
    session.commit()
    return {key: document.id for key, document in docs.items()}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Iterator[tuple[sessionmaker[Session], Path, dict[str, int]]]:
    home = tmp_path_factory.mktemp("search-home")
    engine = init_db(f"sqlite:///{home / 'docintel.db'}")
    sessions = make_session_factory(engine)
    with sessions() as session:
        ids = fill_archive(session)
    assert rebuild_index(sessions, home) == len(ids)
    yield sessions, home, ids
    engine.dispose()


def run(archive, **params) -> SearchResults:
    sessions, home, _ids = archive
    return search(SearchQuery.parse(**params), sessions, home)


def found(archive, **params) -> list[str]:
    """The keys of the hits, best first."""
    names = {doc_id: key for key, doc_id in archive[2].items()}
    return [names[hit.id] for hit in run(archive, **params).hits]


# --- Chinese ------------------------------------------------------------------------------------


def test_a_chinese_word_finds_every_document_with_it(archive) -> None:
    # 螺栓 is a jieba word of 不锈钢六角螺栓, and the same characters in 不鏽鋼六角螺栓
    assert set(found(archive, text="螺栓")) == {"exact", "misread", "traditional"}
    # Traditional characters are folded to simplified: 不锈钢 is also 不鏽鋼, and the other way round.
    assert set(found(archive, text="不锈钢")) == {"exact", "misread", "traditional"}
    assert set(found(archive, text="不鏽鋼")) == {"exact", "misread", "traditional"}


def test_part_of_a_name_across_jieba_words_is_found_by_character_pairs(archive) -> None:
    # jieba cuts 上海恒达五金贸易 as 上海/恒/达/五金/贸易: 达五金 is no word sequence it can match
    assert set(found(archive, customer="达五金")) == {"exact", "lookalike"}
    # a dictionary word inside a longer one: 供应 in 供应链 (the vendor of the invoice)
    assert found(archive, text="供应") == ["fullwidth"]


def test_one_misread_character_still_finds_the_document_ranked_below_exact_hits(archive) -> None:
    results = run(archive, text="恒达五金")
    keys = found(archive, text="恒达五金")
    assert set(keys) == {"exact", "lookalike", "misread"}
    assert keys.index("misread") == 2  # both exact spellings first
    scores = {k: h.score for k, h in zip(keys, results.hits)}
    assert scores["misread"] < min(scores["exact"], scores["lookalike"])
    # the characters of a word stay together: 恒, 达 and 五金 apart on a document are no match
    assert "scattered" not in found(archive, customer="恒达五金") and found(archive, text="恒达食品") == ["scattered"]
    # the misread spelling typed by the clerk finds the exact one too, and the misread best
    assert found(archive, text="恒迏五金")[0] == "misread"
    assert "exact" in found(archive, text="恒迏五金")


def test_quoted_words_match_exactly(archive) -> None:
    assert set(found(archive, text='"恒达五金"')) == {"exact", "lookalike"}
    assert found(archive, text="“恒迏五金”") == ["misread"]


def test_the_customer_filter_tolerates_a_misread_character_from_four_characters(archive) -> None:
    assert set(found(archive, customer="恒达五金")) == {"exact", "lookalike", "misread"}
    assert found(archive, customer="恒达五金")[-1] == "misread"
    # the exact customer (a facet value, or the full name) comes first
    assert found(archive, customer="上海恒达五金贸易有限公司")[0] == "exact"


def test_traditional_and_simplified_find_each_other_and_highlight_what_is_printed(archive) -> None:
    assert found(archive, text="月结对账单") == ["traditional"]   # printed 月結對帳單
    assert found(archive, text="瑞丰", customer="台北瑞丰") == ["traditional"]   # printed 瑞豐
    hit = next(h for h in run(archive, text="对账单").hits if h.id == archive[2]["traditional"])
    text = next(h for h in hit.highlights if h.field == "text")
    # Offsets point into the printed text: what is marked is the traditional spelling.
    assert "對帳單" in "".join(text.text[s:e] for s, e in text.spans)
    assert "<mark>" in text.html and "對帳" in text.html


def test_full_width_text_and_queries_are_folded(archive) -> None:
    assert found(archive, text="HT24022901") == ["fullwidth"]  # printed ＨＴ２４０２２９０１
    assert found(archive, text="ＨＴ２４０２２９０１") == ["fullwidth"]


# --- English ------------------------------------------------------------------------------------


def test_english_is_stemmed_and_case_folded(archive) -> None:
    assert set(found(archive, text="bolt")) == {"english", "english_misread"}
    assert found(archive, text="STAINLESS BOLTS") == ["english", "english_misread"]  # exact word first, then Stainlcss
    assert found(archive, text="engineering") == ["english"]
    assert found(archive, text="Ｄｅｌｉｖｅｒｙ") and set(found(archive, text="Ｄｅｌｉｖｅｒｙ")) == {"english", "english_misread"}
    assert found(archive, text='"stainless"') == ["english"]


def test_document_and_order_numbers_and_file_names(archive) -> None:
    assert found(archive, text="XS-2403-0012") == ["exact"]
    assert found(archive, order_no="HT24O3O8O1") == ["exact"]  # O for 0, as OCR and clerks mix them
    assert found(archive, text="broken_scan") == ["failed"]
    assert found(archive, text="truncated") == ["failed"]


# --- filters, facets, sorting, paging -------------------------------------------------------------


def test_date_ranges_are_inclusive_and_accept_months(archive) -> None:
    march = {"exact", "misread", "english", "traditional"}
    assert set(found(archive, date_from="2024-03", date_to="2024-03")) == march
    assert set(found(archive, date_from="2024-03-12", date_to="2024-03-20")) == {"exact", "misread"}
    assert set(found(archive, date_to="2023")) == {"english_misread"}
    assert set(found(archive, date_from="2024年4月1日")) == {"lookalike"}


def test_combined_filters(archive) -> None:
    # "every signed receipt for 恒达五金 with 螺栓 in March"
    keys = found(archive, text="螺栓", customer="恒达五金", doc_type="signoff_receipt", signed=True,
                 date_from="2024-03", date_to="2024-03")
    assert keys == ["exact", "misread"]
    assert found(archive, flag="no_match") == ["misread"]
    assert found(archive, flag="QTY_MISMATCH", status="needs_review", signed=False) == ["english"]
    assert found(archive, product="六角螺栓", date_to="2024-03-15") == ["exact"]
    assert found(archive, text="螺栓", doc_type="sales_slip") == []


def test_facets_count_customers_and_types_over_all_matches(archive) -> None:
    results = run(archive, text="恒达五金", page_size=1)
    assert results.total == 3 and len(results.hits) == 1
    customers = {f.label: f.count for f in results.facets["customer"]}
    assert customers == {"上海恒达五金贸易有限公司": 1, "上海恒迏五金贸易有限公司": 1, "杭州恒达五金经营部": 1}
    assert {f.value: f.count for f in results.facets["doc_type"]} == {"signoff_receipt": 2, "sales_slip": 1}
    # a facet value narrows to exactly that customer
    value = next(f.value for f in results.facets["customer"] if f.label == "杭州恒达五金经营部")
    assert found(archive, customer=value)[0] == "lookalike"


def test_highlights_mark_the_matched_words_in_the_stored_text(archive) -> None:
    hit = run(archive, text="恒达五金 螺栓").hits[0]
    assert hit.id == archive[2]["exact"]
    assert {"customer", "products", "text"} <= set(hit.matched_fields)
    by_field = {h.field: h for h in hit.highlights}
    customer = by_field["customer"]
    assert [customer.text[s:e] for s, e in customer.spans] == ["恒达五金"]
    assert customer.html == "上海<mark>恒达五金</mark>贸易有限公司"
    assert any("<mark>螺栓</mark>" in h.html for h in hit.highlights if h.field == "text")
    assert hit.thumbnail == f"/api/v1/documents/{hit.id}/pages/1.png"
    # the misread document: its misread spelling is what is marked
    misread = run(archive, customer="恒达五金", text="M10×40").hits[0]
    assert [h.html for h in misread.highlights if h.field == "customer"] == ["上海<mark>恒迏五金</mark>贸易有限公司"]
    # original width and case are kept; markup in OCR text is escaped
    english = run(archive, text="stainless").hits[0]
    assert any("<mark>Stainless</mark>" in h.html for h in english.highlights)
    markup = run(archive, text="加急").hits[0]
    assert "&lt;b&gt;<mark>加急</mark>&lt;/b&gt; &amp; 包装" in markup.highlights[0].html


def test_sorting_by_date_and_paging(archive) -> None:
    by_date = found(archive, date_from="2024-01", sort="date")
    assert by_date == ["lookalike", "traditional", "misread", "exact", "english", "fullwidth"]
    first = run(archive, date_from="2024-01", sort="date", page_size=4)
    second = run(archive, date_from="2024-01", sort="date", page_size=4, page=2)
    assert (first.total, first.pages, len(first.hits), len(second.hits)) == (6, 2, 4, 2)
    assert [h.id for h in first.hits + second.hits] == [archive[2][k] for k in by_date]
    assert run(archive, date_from="2024-01", page=9).hits == []
    everything = run(archive)  # no words, no filters: the whole archive, newest first
    assert everything.total == 10 and everything.sort == "date"


# --- malformed queries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, code, words",
    [
        ({"text": '螺栓 "恒达五金'}, ErrorCode.INVALID_QUERY, ["unbalanced quote", "position 4"]),
        ({"text": "恒达五金”"}, ErrorCode.INVALID_QUERY, ["unbalanced quote", "closes nothing"]),
        ({"date_from": "2024-13-45"}, ErrorCode.INVALID_QUERY, ["date_from", "not a date"]),
        ({"date_to": "next week"}, ErrorCode.INVALID_QUERY, ["date_to", "YYYY-MM-DD"]),
        ({"date_from": "2024-05", "date_to": "2024-04"}, ErrorCode.INVALID_QUERY, ["after"]),
        ({"doc_type": "receipt"}, ErrorCode.INVALID_QUERY, ["doc_type", "signoff_receipt"]),
        ({"flag": "BAD_FLAG"}, ErrorCode.INVALID_QUERY, ["flag", "QTY_MISMATCH"]),
        ({"page": 0}, ErrorCode.INVALID_QUERY, ["page"]),
        ({"sort": "size"}, ErrorCode.INVALID_QUERY, ["sort"]),
        ({"colour": "red"}, ErrorCode.INVALID_QUERY, ["colour", "not a search parameter"]),
        ({"text": "螺" * 201}, ErrorCode.QUERY_TOO_LONG, ["201 characters", "limit is 200"]),
        ({"text": " ".join(["螺栓"] * 17)}, ErrorCode.QUERY_TOO_LONG, ["17 words", "limit is 16"]),
        ({"page_size": 500}, ErrorCode.QUERY_TOO_LONG, ["page_size", "limit is 100"]),
    ],
)
def test_malformed_queries_give_a_clear_error(params, code, words) -> None:
    get_settings.cache_clear()
    with pytest.raises(DocintelError) as raised:
        SearchQuery.parse(**params)
    assert raised.value.code == code
    for word in words:
        assert word in raised.value.message, raised.value.message


def test_a_query_with_nothing_searchable_is_refused(archive) -> None:
    with pytest.raises(DocintelError) as raised:
        run(archive, text="!!! ，。")
    assert raised.value.code == ErrorCode.INVALID_QUERY and "nothing to search for" in raised.value.message
    # a dict of parameters is validated the same way
    with pytest.raises(DocintelError) as raised:
        search({"text": '"open'}, archive[0], archive[1])
    assert raised.value.code == ErrorCode.INVALID_QUERY
