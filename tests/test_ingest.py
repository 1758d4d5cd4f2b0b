import io

import numpy as np
import pytest
from PIL import Image

from docintel.errors import DocintelError
from docintel.ingest import FileKind, load_document, sniff_kind
from docintel.ingest.folder import expand_inputs, scan_files
from tests import badfiles


@pytest.mark.parametrize(
    "head,kind",
    [
        (b"\xff\xd8\xff\xe0rest", FileKind.JPEG),
        (b"\x89PNG\r\n\x1a\nrest", FileKind.PNG),
        (b"II*\x00rest", FileKind.TIFF),
        (b"MM\x00*rest", FileKind.TIFF),
        (b"BM" + b"\x00" * 30, FileKind.BMP),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", FileKind.WEBP),
        (b"%PDF-1.4\n", FileKind.PDF),
        (b"\x00\x00junk then %PDF-1.7", FileKind.PDF),
        (b"GIF89a", None),
        (b"hello", None),
    ],
)
def test_sniff_reads_content_not_name(head, kind):
    assert sniff_kind(head) == kind


def test_each_bad_file_gets_its_error_code(tmp_path):
    expected = badfiles.write_all(tmp_path)
    for name, code in expected.items():
        with pytest.raises(DocintelError) as caught:
            load_document(tmp_path / name)
        assert caught.value.code == code, name
        assert caught.value.message


def test_folder_is_an_error(tmp_path):
    with pytest.raises(DocintelError) as caught:
        load_document(tmp_path)
    assert caught.value.code == "UNREADABLE_FILE"


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(DocintelError) as caught:
        load_document(tmp_path / "nope.jpg")
    assert caught.value.code == "UNREADABLE_FILE"


def _save(image: Image.Image, fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "BMP", "WEBP"])
def test_single_page_formats_decode_whatever_the_suffix(tmp_path, fmt):
    image = Image.new("RGB", (320, 200), (250, 200, 210))
    path = tmp_path / "scan.dat"
    path.write_bytes(_save(image, fmt))
    doc = load_document(path)
    assert len(doc.pages) == 1
    page = doc.pages[0].image
    assert page.shape == (200, 320, 3)
    # BGR order: the pink paper's red channel is last.
    assert abs(int(page[100, 100, 2]) - 250) <= 3 and abs(int(page[100, 100, 0]) - 210) <= 3


def test_multipage_tiff_and_dpi(tmp_path):
    pages = [Image.new("RGB", (300, 200), c) for c in ("white", "yellow", "pink")]
    path = tmp_path / "batch.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], dpi=(300, 300))
    doc = load_document(path)
    assert doc.kind is FileKind.TIFF
    assert [p.index for p in doc.pages] == [0, 1, 2]
    assert doc.pages[0].dpi == 300


def test_unreliable_dpi_is_unknown(tmp_path):
    path = tmp_path / "phone.jpg"
    path.write_bytes(_save(Image.new("RGB", (300, 200), "white"), "JPEG", dpi=(72, 72)))
    assert load_document(path).pages[0].dpi is None


def test_pdf_pages_render_and_count(tmp_path):
    pages = [Image.new("RGB", (850, 1100), "white") for _ in range(2)]
    path = tmp_path / "two.pdf"
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=100)
    doc = load_document(path)
    assert doc.kind is FileKind.PDF and len(doc.pages) == 2
    # 8.5 × 11 inches rendered at the default 300 dpi.
    assert doc.pages[0].image.shape[:2] == (3300, 2550)
    assert doc.pages[0].text_layer == []


def test_same_bytes_same_checksum(tmp_path):
    data = badfiles.small_jpeg()
    (tmp_path / "a.jpg").write_bytes(data)
    (tmp_path / "b.jpeg").write_bytes(data)
    assert load_document(tmp_path / "a.jpg").sha256 == load_document(tmp_path / "b.jpeg").sha256


def test_folder_rule_skips_litter_and_data(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ["a.jpg", "sub/b.pdf", "sub/noext", "Thumbs.db", ".DS_Store", "a.json", "orders.csv", ".hidden/c.jpg", "desktop.ini"]:
        (tmp_path / name).write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in scan_files(tmp_path)]
    assert found == ["a.jpg", "sub/b.pdf", "sub/noext"]
    # A file named explicitly is taken whatever its name.
    assert expand_inputs([tmp_path / "a.json"]) == [tmp_path / "a.json"]


def test_random_array_png_roundtrip(tmp_path):
    rng = np.random.default_rng(3)
    array = (rng.random((64, 48, 3)) * 255).astype("uint8")
    path = tmp_path / "x.png"
    Image.fromarray(array).save(path)
    assert np.array_equal(load_document(path).pages[0].image, array[:, :, ::-1])
