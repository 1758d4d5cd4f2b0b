"""The leftover-ink pass (ocr/residual.py) does not read a glyph of the first pass a second time."""

from __future__ import annotations

from docintel.ocr.records import Word
from docintel.ocr.residual import keep_residual_word


def test_a_leftover_reading_of_a_word_already_read_is_dropped():
    # The first pass boxed 年 from its middle; what was left outside read as 年 again (2024 年 年 10 月).
    first_pass = [Word("2024", (1526, 376, 90, 34), 0.91), Word("年", (1678, 379, 18, 41), 0.91)]
    again = Word("年", (1658, 379, 28, 41), 0.86)
    elsewhere = Word("年", (1900, 379, 28, 41), 0.86)
    other_text = Word("10", (1660, 379, 28, 41), 0.86)
    assert not keep_residual_word(again, first_pass)
    assert keep_residual_word(elsewhere, first_pass)
    assert keep_residual_word(other_text, first_pass)
    assert not keep_residual_word(Word("年", (1900, 379, 28, 41), 0.3), first_pass)


def test_a_leftover_reading_of_a_numbers_first_glyph_is_dropped():
    # The first pass boxed 0262448 from its second pixel column on; the first 0 left outside read
    # as "0" again, and the document number came out as 00262448.
    read = [Word("No.", (2322, 290, 80, 44), 0.92), Word("0262448", (2435, 290, 221, 45), 0.88)]
    assert not keep_residual_word(Word("0", (2419, 290, 24, 44), 0.95), read)
    assert not keep_residual_word(Word("8", (2648, 290, 24, 44), 0.95), read)   # the last glyph
    assert keep_residual_word(Word("7", (2419, 290, 24, 44), 0.95), read)       # not a glyph of it
    assert keep_residual_word(Word("0", (2700, 290, 24, 44), 0.95), read)       # beside it, apart
