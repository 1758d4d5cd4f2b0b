"""The scanning-station HTTP API, as a station, a clerk and an ERP use it: a real `docintel serve`
on a loopback port, a real HTTP client, real OCR on a committed sample, a real SQLite archive."""

from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path

import httpx
import numpy as np
import openpyxl
import pytest
from PIL import Image
from sqlalchemy import select

from docintel.store.db import init_db, make_engine, make_session_factory
from docintel.store.models import ApiKeyRole, Document, DocumentStatus, Flag
from tests.api_server import ApiServer, database_of, make_keys
from tests.badfiles import huge_png_header

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SCAN = SAMPLES / "0013_signoff_receipt.png"  # 16 KB, one page, matches order CG-2406-109
MAX_FILE_BYTES = 200_000
MAX_FILES = 3
MAX_PAGES = 3
KEYS = {
    "station-1": ApiKeyRole.STATION, "station-2": ApiKeyRole.STATION, "station-3": ApiKeyRole.STATION,
    "clerk": ApiKeyRole.CLERK, "admin": ApiKeyRole.ADMIN,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("api-home")
    keys = make_keys(home, KEYS)
    api = ApiServer(
        home, workers=1, max_file_bytes=MAX_FILE_BYTES, max_files_per_request=MAX_FILES, max_pages=MAX_PAGES,
        api_wait_seconds=120,
    )
    with api:
        api.keys = keys
        yield api


def client(server: ApiServer, name: str | None) -> httpx.Client:
    return server.client(server.keys[name] if name else None)


def upload(http: httpx.Client, *files: tuple[str, bytes], wait: bool = False) -> httpx.Response:
    return http.post(
        "/api/v1/documents", params={"wait": "true"} if wait else None,
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
    )


def png_bytes(width: int = 400, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 255, np.uint8)).save(out, "PNG")
    return out.getvalue()


def tiff_bytes(pages: int) -> bytes:
    frames = [Image.new("L", (200, 100), 255 - i) for i in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


def error_of(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]["code"]


# --- no key, wrong key, documentation ---------------------------------------------------------------


def test_health_needs_no_key_and_checks_database_tesseract_and_queue(server: ApiServer) -> None:
    response = httpx.get(f"{server.url}/healthz")
    checks = response.json()["checks"]
    assert set(checks) == {"database", "tesseract", "queue", "index"}
    assert all(checks[name]["ok"] for name in ("database", "tesseract", "queue")), checks
    healthy = all(check["ok"] for check in checks.values())
    assert (response.status_code, response.json()["status"]) == ((200, "ok") if healthy else (503, "unavailable"))


def test_schema_and_docs_need_a_key_or_a_clerk_session_and_use_no_cdn(server: ApiServer) -> None:
    for path in ("/openapi.json", "/docs"):
        refused = httpx.get(f"{server.url}{path}")
        assert (refused.status_code, error_of(refused)) == (401, "UNAUTHORIZED"), path
    with client(server, "station-1") as http:
        assert http.get("/openapi.json").json()["paths"]["/api/v1/documents"]["post"]
        page = http.get("/docs")
        assert page.status_code == 200 and "cdn." not in page.text and "https://" not in page.text
        assets = [http.get(f"/api-docs-static/{name}") for name in ("swagger-ui-bundle.js", "swagger-ui.css")]
        assert [a.status_code for a in assets] == [200, 200] and len(assets[0].content) > 100_000


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/documents"), ("GET", "/api/v1/documents/1"), ("GET", "/api/v1/documents/1/original"),
        ("GET", "/api/v1/documents/1/pages/1.png"), ("GET", "/api/v1/flags"), ("POST", "/api/v1/flags/1/resolve"),
        ("POST", "/api/v1/orders"), ("GET", "/api/v1/orders/X1"), ("GET", "/api/v1/keys"), ("GET", "/api/v1/search"),
        ("GET", "/metrics"),
    ],
)
def test_every_endpoint_but_healthz_needs_a_valid_key(server: ApiServer, method: str, path: str) -> None:
    for headers in ({}, {"X-API-Key": "dik_not-a-key"}, {"Authorization": "Bearer dik_not-a-key"}):
        response = httpx.request(method, server.url + path, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert error_of(response) == "UNAUTHORIZED"


def test_unknown_routes_and_bad_parameters_are_json_errors(server: ApiServer) -> None:
    with client(server, "admin") as http:
        assert error_of(http.get("/api/v1/nothing-here")) == "NOT_FOUND"
        assert error_of(http.delete("/api/v1/flags")) == "METHOD_NOT_ALLOWED"
        response = http.get("/api/v1/documents/not-a-number")
        assert response.status_code == 422 and error_of(response) == "INVALID_REQUEST"
        assert http.get("/api/v1/documents/99999").status_code == 404


# --- upload → poll → result ---------------------------------------------------------------------


@pytest.mark.slow
def test_station_uploads_a_scan_polls_and_reads_fields_match_flags_original_and_pages(server: ApiServer) -> None:
    scan = SCAN.read_bytes()
    with client(server, "admin") as admin:
        book = admin.post("/api/v1/orders", files={"file": ("orders.csv", (SAMPLES / "orders.csv").read_bytes())})
        assert book.status_code == 200 and book.json()["errors"] == [] and book.json()["lines_loaded"] > 100
    with client(server, "station-1") as station:
        started = time.monotonic()
        answer = upload(station, ("receipt.png", scan))
        assert answer.status_code == 202
        (queued,) = answer.json()["documents"]
        assert queued["status"] in ("queued", "processing") and queued["duplicate"] is False
        assert queued["sha256"] == hashlib.sha256(scan).hexdigest()
        while (document := station.get(queued["status_url"]).json())["status"] in ("queued", "processing"):
            assert time.monotonic() - started < 180, document
            time.sleep(0.5)
        assert document["status"] == "done", document
        truth = json.loads(SCAN.with_suffix(".json").read_text())
        assert document["fields"]["doc_no"] == truth["doc_no"]
        assert document["original_filename"] == "receipt.png" and document["fields"]["file"] == "receipt.png"
        assert 0 < document["confidences"]["doc_no"] <= 1
        assert document["match"]["order_no"] == truth["order_no"]
        assert document["match"]["lines"] and document["review_status"] in ("matched", "needs_review")
        assert isinstance(document["flags"], list) and document["processing_ms"] > 0

        original = station.get(document["links"]["original"])
        assert original.content == scan and original.headers["content-type"] == "image/png"
        full = Image.open(io.BytesIO(station.get(document["pages"][0]["image_url"]).content))
        thumb = Image.open(io.BytesIO(station.get(document["pages"][0]["thumbnail_url"]).content))
        assert full.format == thumb.format == "PNG"
        assert full.size == Image.open(SCAN).size and max(thumb.size) <= 320
        assert error_of(station.get(f"{queued['status_url']}/pages/2.png")) == "PAGE_NOT_FOUND"

        # The same bytes under another name: the stored document, inline with ?wait=true.
        again = upload(station, ("same-receipt.PNG", scan), wait=True)
        assert again.status_code == 200
        (duplicate,) = again.json()["documents"]
        assert duplicate["duplicate"] is True and duplicate["id"] == queued["id"]
        assert duplicate["result"]["match"]["order_no"] == truth["order_no"]

    # Stations read what they uploaded; another station's upload of the same bytes makes it theirs too.
    with client(server, "station-2") as other:
        assert error_of(other.get(queued["status_url"])) == "FORBIDDEN"
        assert error_of(other.get(f"{queued['status_url']}/original")) == "FORBIDDEN"
        assert upload(other, ("scan.png", scan)).json()["documents"][0]["duplicate"] is True
        assert other.get(queued["status_url"]).status_code == 200
    with client(server, "clerk") as clerk:
        assert clerk.get(queued["status_url"]).json()["id"] == queued["id"]
        order = clerk.get(f"/api/v1/orders/{truth['order_no']}").json()
        assert [d["document_id"] for d in order["documents"]] == [queued["id"]]
        assert order["vendor"] == truth["vendor"]
        metrics = clerk.get("/metrics").text
    assert 'docintel_documents{status="' in metrics and "docintel_queue_depth" in metrics
    assert "docintel_processing_seconds_count" in metrics and "docintel_open_flags" in metrics


# --- limits and bad uploads ---------------------------------------------------------------------


def test_upload_limits_refuse_the_whole_request_with_a_stable_code(server: ApiServer) -> None:
    with client(server, "station-3") as station:
        big = png_bytes() + b"\0" * MAX_FILE_BYTES
        response = upload(station, ("big.png", big))
        assert (response.status_code, error_of(response)) == (413, "FILE_TOO_LARGE")
        response = upload(station, *[(f"{i}.png", png_bytes(100 + i, 100)) for i in range(MAX_FILES + 1)])
        assert (response.status_code, error_of(response)) == (413, "TOO_MANY_FILES")
        response = upload(station, ("letter.jpg", "这不是图片 not an image".encode()))
        assert (response.status_code, error_of(response)) == (415, "UNSUPPORTED_TYPE")
        response = upload(station, ("empty.jpg", b""))
        assert (response.status_code, error_of(response)) == (400, "EMPTY_FILE")
        response = station.post("/api/v1/documents", files={"note": (None, "no file here")})
        assert (response.status_code, error_of(response)) == (400, "NO_FILES")
        response = station.post("/api/v1/documents", content=png_bytes(), headers={"content-type": "image/png"})
        assert (response.status_code, error_of(response)) == (422, "INVALID_REQUEST")
        broken = b"--xyz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n\r\n\x89PNG"
        response = station.post("/api/v1/documents", content=broken, headers={"content-type": "multipart/form-data; boundary=xyz"})
        assert (response.status_code, error_of(response)) == (422, "INVALID_REQUEST")
        # One bad file refuses the request: the good file beside it was not stored either.
        good = png_bytes(123, 45)
        response = upload(station, ("good.png", good), ("bad.txt", b"plain text"))
        assert response.status_code == 415
    engine = make_engine(database_of(server.home))
    with make_session_factory(engine)() as session:
        assert session.scalar(select(Document.id).where(Document.sha256 == hashlib.sha256(good).hexdigest())) is None
    engine.dispose()


def test_undecodable_uploads_are_accepted_then_failed_with_their_code(server: ApiServer) -> None:
    truncated = png_bytes(300, 200)[:300]
    cases = {
        "truncated.png": (truncated, "CORRUPT_IMAGE"),
        "bomb.png": (huge_png_header(), "TOO_MANY_PIXELS"),
        "long.tif": (tiff_bytes(MAX_PAGES + 1), "TOO_MANY_PAGES"),
    }
    with client(server, "station-3") as station:
        response = upload(station, *[(name, data) for name, (data, _) in cases.items()], wait=True)
        assert response.status_code == 200, response.text
        for item, (_, code) in zip(response.json()["documents"], cases.values(), strict=True):
            assert item["status"] == "failed"
            assert item["result"]["error"]["code"] == code
        assert (server.home / "quarantine").is_dir()
        # A page of a document that cannot be decoded: the same code, not a server error.
        failed_id = response.json()["documents"][0]["id"]
        page = station.get(f"/api/v1/documents/{failed_id}/pages/1.png")
        assert (page.status_code, error_of(page)) == (422, "CORRUPT_IMAGE")
        # Sent again, a failed document is read again (the cause may have been fixed meanwhile).
        again = upload(station, ("truncated-again.png", truncated))
        assert again.json()["documents"][0] | {"status": "?"} == {
            "id": failed_id, "filename": "truncated-again.png", "sha256": hashlib.sha256(truncated).hexdigest(),
            "status": "?", "duplicate": True, "status_url": f"/api/v1/documents/{failed_id}", "result": None,
        }


def test_file_names_are_kept_as_text_never_used_as_paths(server: ApiServer) -> None:
    with client(server, "station-3") as station:
        data = png_bytes(211, 97)
        # Written by hand: HTTP clients escape such names; a hostile client sends them raw.
        body = (
            b'--b0undary\r\nContent-Disposition: form-data; name="files"; filename="..\\../../etc/passwd\x07\x00.png"\r\n'
            b"Content-Type: image/png\r\n\r\n" + data + b"\r\n--b0undary--\r\n"
        )
        response = station.post("/api/v1/documents", content=body, headers={"content-type": "multipart/form-data; boundary=b0undary"})
        assert response.status_code == 202, response.text
        (item,) = response.json()["documents"]
        assert item["filename"] == "passwd.png"
    sha = hashlib.sha256(data).hexdigest()
    assert list(server.home.rglob(f"{sha}*"))  # archived under its hash
    assert not (server.home.parent / "etc").exists()


# --- roles -----------------------------------------------------------------------------------------


def _flagged_document(server: ApiServer) -> tuple[int, int]:
    """A document with one open flag, written into the service's database as ingest would leave it."""
    engine = init_db(make_engine(database_of(server.home)))
    try:
        with make_session_factory(engine).begin() as session:
            document = Document(
                sha256=hashlib.sha256(str(time.time_ns()).encode()).hexdigest(), original_filename="flagged.jpg",
                pages=1, status=DocumentStatus.NEEDS_REVIEW, fields={"doc_no": "XS-1"}, confidences={"doc_no": 0.9},
            )
            session.add(document)
            session.flush()
            flag = Flag(document_id=document.id, code="QTY_MISMATCH", message="数量不符", product="螺栓")
            session.add(flag)
            session.flush()
            return document.id, flag.id
    finally:
        engine.dispose()


def test_roles_allow_and_refuse(server: ApiServer) -> None:
    document_id, flag_id = _flagged_document(server)
    resolve = f"/api/v1/flags/{flag_id}/resolve"
    lines = {"lines": [{"order_no": "API-1", "customer": "恒达五金", "order_date": "2024-03-01", "product": "螺栓", "quantity": 10}]}
    with client(server, "station-1") as station:
        for response in (
            station.get("/api/v1/flags"), station.post(resolve, json={}), station.post("/api/v1/orders", json=lines),
            station.get("/api/v1/orders/API-1"), station.get("/api/v1/keys"), station.get("/api/v1/search", params={"text": "螺栓"}),
            station.get(f"/api/v1/documents/{document_id}"),
        ):
            assert (response.status_code, error_of(response)) == (403, "FORBIDDEN"), response.request.url
    with client(server, "clerk") as clerk:
        assert any(f["id"] == flag_id for f in clerk.get("/api/v1/flags", params={"code": "QTY_MISMATCH"}).json()["flags"])
        assert clerk.get(f"/api/v1/documents/{document_id}").json()["flags"][0]["id"] == flag_id
        for response in (clerk.post("/api/v1/orders", json=lines), clerk.get("/api/v1/keys")):
            assert (response.status_code, error_of(response)) == (403, "FORBIDDEN")
        resolved = clerk.post(resolve, json={"note": "counted again: right", "status": "resolved"})
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["flag"]["status"] == "resolved" and resolved.json()["document_status"] == "approved"
        assert error_of(clerk.post(resolve, json={})) == "FLAG_ALREADY_CLOSED"
        assert error_of(clerk.post("/api/v1/flags/2000000000/resolve", json={})) == "FLAG_NOT_FOUND"
        assert error_of(clerk.post(resolve, json={"status": "reopened"})) == "INVALID_REQUEST"
        assert clerk.get("/api/v1/search", params={"text": "螺栓"}).status_code == 200
    with client(server, "admin") as admin:
        report = admin.post("/api/v1/orders", json=lines)
        assert report.status_code == 200 and report.json()["orders_created"] + report.json()["orders_updated"] == 1
        assert admin.get("/api/v1/orders/API-1").json()["lines"][0]["product"] == "螺栓"
        created = admin.post("/api/v1/keys", json={"name": "erp-temp", "role": "clerk"})
        assert created.status_code == 201 and created.json()["key"].startswith("dik_")
        assert error_of(admin.post("/api/v1/keys", json={"name": "erp-temp", "role": "clerk"})) == "KEY_NAME_TAKEN"
        with server.client(created.json()["key"]) as temp:
            assert temp.get("/api/v1/flags").status_code == 200
            assert admin.post(f"/api/v1/keys/{created.json()['id']}/revoke").json()["revoked_at"]
            assert error_of(temp.get("/api/v1/flags")) == "UNAUTHORIZED"
        assert {k["name"] for k in admin.get("/api/v1/keys").json()} >= set(KEYS) | {"erp-temp"}


def test_orders_from_json_lines_and_a_csv_file_with_row_errors(server: ApiServer) -> None:
    ndjson = "\n".join(
        json.dumps(line, ensure_ascii=False)
        for line in (
            {"order_no": "NDJ-1", "customer": "中泰包装", "vendor": "上海鼎信五金机电有限公司", "order_date": "2024-05-02",
             "product": "纸箱", "quantity": 100, "unit_price": 2.5},
            {"order_no": "NDJ-1", "customer": "中泰包装", "order_date": "2024-05-02", "product": "胶带", "quantity": "many"},
        )
    )
    with client(server, "admin") as admin:
        report = admin.post("/api/v1/orders", content=ndjson.encode(), headers={"content-type": "application/x-ndjson"}).json()
        assert report["lines_loaded"] == 1 and report["errors"][0]["row"] == 3 and "quantity" in report["errors"][0]["message"]
        order = admin.get("/api/v1/orders/NDJ-1").json()
        assert order["source_file"] == "api-admin.csv" and order["lines"][0]["quantity"] == 100
        assert order["vendor"] == "上海鼎信五金机电有限公司"
        csv_text = "订单号,客户名称,订单日期,品名,规格,单位,数量,单价\nCSV-9,恒达五金,2024-06-01,螺栓,M8,个,50,0.3\n"
        report = admin.post("/api/v1/orders", files={"file": ("书.csv", csv_text.encode("gb18030"))}).json()
        assert report["file"] == "书.csv" and report["encoding"] == "gb18030" and report["lines_loaded"] == 1
        book = openpyxl.Workbook()
        for row in [["订单号", "客户名称", "订单日期", "品名", "数量"], ["XLSX-7", "恒达五金", "2024-06-02", "垫圈", 300]]:
            book.active.append(row)
        sheet = io.BytesIO()
        book.save(sheet)
        report = admin.post("/api/v1/orders", files={"file": ("orders.xlsx", sheet.getvalue())}).json()
        assert (report["format"], report["lines_loaded"]) == ("xlsx", 1)
        assert admin.get("/api/v1/orders/XLSX-7").json()["lines"][0]["quantity"] == 300
        for body, headers, code in (
            (b"{not json", {"content-type": "application/json"}, "INVALID_REQUEST"),
            (b'{"lines": []}', {"content-type": "application/json"}, "INVALID_REQUEST"),
            (b"order_no\n1", {"content-type": "text/csv"}, "UNSUPPORTED_TYPE"),
        ):
            assert error_of(admin.post("/api/v1/orders", content=body, headers=headers)) == code
        not_a_book = admin.post("/api/v1/orders", files={"file": ("x.csv", b"a,b\n1,2\n")})
        assert (not_a_book.status_code, error_of(not_a_book)) == (422, "MISSING_COLUMNS")
        assert error_of(admin.get("/api/v1/orders/NO-SUCH-ORDER")) == "ORDER_NOT_FOUND"
