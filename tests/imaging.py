"""Image helpers shared by the image-analysis tests."""

from __future__ import annotations

import cv2
import numpy as np


def rotate(img: np.ndarray, deg: float, border: tuple[int, int, int] = (250, 250, 247)) -> np.ndarray:
    """Turn `img` by `deg` degrees counter-clockwise on a canvas large enough to hold all of it."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * s + w * c), int(h * c + w * s)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=border)
