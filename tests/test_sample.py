"""A sample of a page's lines, read before the page (ocr/sample.py): it turns an upside-down page
and picks the English model for an English one, so neither is read in full twice."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from docintel.ingest import load_document
from docintel.ingest.records import SourcePage
from docintel.ocr import default_options, ocr_page, recognize
from docintel.ocr.sample import sample_strip
from tests.test_script import ENGLISH, page_of

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SEALED_RECEIPT = "0015_signoff_receipt"  # simplified Chinese, laser-printed, a red seal
CHINESE = ["送货签收单", "客户名称: 上海恒达五金贸易有限公司", "送货单号: SH240315-007", "品名 规格 单位 数量",
           "六角螺栓 M8x30 个 500", "五层纸箱 60x40x40 个 120", "收货人签字:"]


def full_passes(page) -> list[str]:
    """The tesseract passes over the whole page (samples, leftovers and regions are named in brackets)."""
    return [s.name for s in page.steps if s.name.startswith("tesseract") and "(" not in s.name]


def as_source(gray: np.ndarray) -> SourcePage:
    return SourcePage(index=0, image=cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), dpi=300)


def test_the_strip_is_the_densest_lines_cut_short():
    page = page_of(ENGLISH)
    strip = sample_strip(page, 44.0)
    assert strip is not None
    assert strip.shape[1] <= 12 * 44 and strip.shape[0] < 4 * 44 * 2
    assert sample_strip(np.full((800, 600), 255, np.uint8), 40.0) is None


def test_an_english_page_is_read_once_with_the_english_model():
    page = ocr_page(as_source(page_of(ENGLISH)), "auto")
    assert page.lang == "eng"
    assert full_passes(page) == ["tesseract eng"]
    assert any(s.name == "tesseract chi_sim (sample)" for s in page.steps)
    assert "Customer" in page.text


def test_no_strip_is_read_when_the_language_is_given_and_orientation_not_checked():
    options = replace(default_options(), orientation=False)
    page = ocr_page(as_source(page_of(ENGLISH)), "eng", options)
    assert full_passes(page) == ["tesseract eng"]
    assert not any("(sample)" in s.name for s in page.steps)


def test_a_page_with_chinese_lines_on_an_english_form_keeps_the_chinese_model():
    mixed = [*ENGLISH[:2], "收货单位: 上海恒达五金贸易有限公司 浦东新区仓库", "地址: 上海市浦东新区金桥路100号", *ENGLISH[2:]]
    assert ocr_page(as_source(page_of(mixed)), "auto").lang in {"chi_sim", "chi_sim+eng"}


def test_a_chinese_page_taken_for_english_is_read_again_with_the_chinese_model():
    words, timings, used = recognize(page_of(CHINESE), "auto", "english")
    assert used == "chi_sim"
    assert [t.name for t in timings] == ["tesseract eng", "tesseract chi_sim"]
    assert "螺栓" in "".join(w.text for w in words)


@pytest.fixture(scope="module")
def upright_and_turned():
    source = load_document(SAMPLES / f"{SEALED_RECEIPT}.jpg").pages[0]
    turned = SourcePage(index=0, image=cv2.rotate(source.image, cv2.ROTATE_180), dpi=source.dpi)
    return ocr_page(source, "auto"), ocr_page(turned, "auto")


def test_an_upside_down_page_is_turned_before_it_is_read(upright_and_turned):
    upright, turned = upright_and_turned
    assert turned.rotation == (upright.rotation + 180) % 360
    assert full_passes(turned) == full_passes(upright) == ["tesseract chi_sim"]
    assert [s.name for s in turned.steps].count("tesseract chi_sim (sample)") == 2  # as it came, then turned
    doc_no = json.loads((SAMPLES / f"{SEALED_RECEIPT}.json").read_text(encoding="utf-8"))["doc_no"]
    assert doc_no in turned.text.replace(" ", "") and doc_no in upright.text.replace(" ", "")


def test_seals_found_before_the_turn_are_turned_with_the_page(upright_and_turned):
    upright, turned = upright_and_turned
    assert upright.seal_boxes and turned.seal_boxes and len(turned.seal_boxes) == len(upright.seal_boxes)
    for (x, y, w, h), (tx, ty, tw, th) in zip(sorted(upright.seal_boxes), sorted(turned.seal_boxes)):
        assert abs(x - tx) <= 4 and abs(y - ty) <= 4 and abs(w - tw) <= 4 and abs(h - th) <= 4
    # and they sit on the seal's red ink in the turned page's colour image
    x, y, w, h = turned.seal_boxes[0]
    patch = turned.color[y : y + h, x : x + w].astype(int)
    assert np.mean((patch[..., 2] - patch[..., 1]) > 60) > 0.02
