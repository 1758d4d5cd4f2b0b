"""End to end: the real `docintel extract` command with real tesseract on committed samples."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from docintel.samples.truth import load_truth
from tests import badfiles

pytestmark = pytest.mark.slow

CONTRACT_KEYS = {
    "file", "pages", "doc_type", "doc_no", "order_no", "vendor", "customer", "date", "items",
    "total", "signature_present", "seal_present", "codes", "confidence", "text",
}
ITEM_KEYS = {"product", "spec", "unit", "quantity", "unit_price", "amount"}
# Pages chosen to cover a two-page statement PDF photographed by phone, a pink carbonless slip
# filled by a dot-matrix printer, and an English delivery note (chi_sim+eng second pass).
CHECKED = ["0020_monthly_statement.pdf", "0016_sales_slip.jpg", "0011_signoff_receipt.jpg"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "docintel", *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def extracted(samples_dir, tmp_path_factory):
    bad_dir = tmp_path_factory.mktemp("bad")
    expected_errors = badfiles.write_all(bad_dir)
    bad = sorted(bad_dir.iterdir())
    files = [samples_dir / name for name in CHECKED] + bad
    done = run_cli("extract", "--json", "--workers", "2", *map(str, files))
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return done, files, lines, {str(bad_dir / n): c for n, c in expected_errors.items()}


def test_one_json_line_per_input_in_order(extracted):
    done, files, lines, _ = extracted
    assert [line["file"] for line in lines] == [str(f) for f in files]
    assert done.returncode == 1  # some inputs were bad
    assert "Traceback" not in done.stderr


def test_bad_files_give_their_error_codes(extracted):
    _, _, lines, expected = extracted
    errors = {line["file"]: line["error"]["code"] for line in lines if "error" in line}
    assert errors == expected
    assert all(line["error"]["message"] for line in lines if "error" in line)


def test_good_files_follow_the_contract(extracted):
    _, _, lines, _ = extracted
    good = [line for line in lines if "error" not in line]
    assert len(good) == len(CHECKED)
    for line in good:
        assert set(line) == CONTRACT_KEYS
        assert all(set(item) == ITEM_KEYS for item in line["items"])
        assert all(0.0 <= v <= 1.0 for v in line["confidence"].values())
        assert line["text"].strip()


@pytest.mark.parametrize("name", CHECKED)
def test_fields_match_the_ground_truth(extracted, samples_dir, name):
    _, _, lines, _ = extracted
    got = next(line for line in lines if line["file"].endswith(name))
    truth = load_truth(samples_dir / name)
    for key in ("doc_type", "doc_no", "customer", "date", "signature_present", "seal_present"):
        assert got[key] == getattr(truth, key), key
    found = {(i["product"], i["quantity"]) for i in got["items"]}
    wanted = {(i.product, i.quantity) for i in truth.items}
    # Every line item is read; an OCR slip in at most one product name is tolerated.
    assert len(got["items"]) == len(truth.items)
    assert len(found & wanted) >= len(wanted) - 1


def test_readable_table_without_json(samples_dir):
    done = run_cli("extract", str(samples_dir / CHECKED[1]))
    assert done.returncode == 0, done.stderr
    truth = load_truth(samples_dir / CHECKED[1])
    assert truth.doc_no in done.stdout
    assert "line items" in done.stdout


def test_pdf_text_layer_is_used_instead_of_ocr(samples_dir, tmp_path):
    """A searchable PDF (as scanners and OCRmyPDF write them) is read from its own text."""
    from docintel.ingest import load_document
    from docintel.ocr import ocr_document
    from docintel.service import extract_file

    source = samples_dir / CHECKED[2]
    subprocess.run(["tesseract", str(source), str(tmp_path / "searchable"), "-l", "eng", "--psm", "4", "pdf"],
                   check=True, capture_output=True)
    pdf = tmp_path / "searchable.pdf"
    document = load_document(pdf)
    assert document.pages[0].text_layer, "tesseract's PDF should carry a text layer"
    assert ocr_document(document, "auto")[0].source == "text_layer"
    result = extract_file(pdf)
    assert result.pages == 1
    assert load_truth(source).doc_no in result.text


def test_orders_option_snaps_names_to_the_books_spelling(samples_dir, tmp_path):
    scan = samples_dir / CHECKED[1]
    truth = load_truth(scan)
    # The book spells the customer, the vendor and one product one character differently from the
    # print: with --orders the book's spelling wins and the reading is kept out of the contract.
    customer = truth.customer[:2] + "某" + truth.customer[3:]
    vendor = truth.vendor[:2] + "某" + truth.vendor[3:]
    product = truth.items[1].product[:-1] + "某"
    book = tmp_path / "book.csv"
    book.write_text("order_no,customer,vendor,order_date,product,spec,unit,quantity,unit_price\n"
                    f"PO-9,{customer},{vendor},2024-01-01,{product},,个,1,1\n", encoding="utf-8")
    done = run_cli("extract", "--json", "--orders", str(book), str(scan))
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["customer"] == customer
    assert got["vendor"] == vendor and got["confidence"]["vendor"] >= 0.9
    assert product in [i["product"] for i in got["items"]]
    assert set(got) == CONTRACT_KEYS

    not_a_book = tmp_path / "notes.csv"
    not_a_book.write_text("hello,world\n1,2\n", encoding="utf-8")
    done = run_cli("extract", "--json", "--orders", str(not_a_book), str(scan))
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["code"]
