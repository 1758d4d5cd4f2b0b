"""Percentiles of an 8-bit image from its histogram.

np.percentile partially sorts the whole page for one number (20 ms on a 300 dpi page, against
2 ms for the histogram). Only where the answer is unambiguous is it read off the histogram:
when the order statistics around the percentile's position are all one grey level, numpy's
linear interpolation between them returns exactly that level. Otherwise numpy decides.
"""

from __future__ import annotations

import cv2
import numpy as np

# calcHist counts in float32, exact up to 2**24 per grey level.
_EXACT_COUNT = 2**24


def percentile_u8(image: np.ndarray, q: float) -> float:
    """np.percentile(image, q) (linear interpolation) for a uint8 image, the same value."""
    n = image.size
    if image.dtype != np.uint8 or n < 4:
        return float(np.percentile(image, q))
    hist = cv2.calcHist([np.ascontiguousarray(image).reshape(-1, 1)], [0], None, [256], [0, 256]).ravel()
    if hist.max() >= _EXACT_COUNT:
        return float(np.percentile(image, q))
    below = np.cumsum(hist.astype(np.int64))  # pixels at or below each grey level
    # numpy interpolates between the sorted values at floor(q/100 * (n-1)) and the next one; the
    # window reaches one further each side so rounding in that position cannot matter.
    position = int(np.floor(q / 100 * (n - 1)))
    first, last = max(0, position - 1), min(n - 1, position + 2)
    low, high = np.searchsorted(below, [first, last], side="right")
    if low == high:
        return float(low)
    return float(np.percentile(image, q))
