"""How a page ends up as an image: flatbed, sheet feeder or phone photo, plus colour mode and rotation."""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image


@dataclass
class CaptureSpec:
    kind: str  # flatbed | sheet_feeder | phone
    color: str  # color | gray | bw
    rotation: int  # degrees clockwise the page content is turned in the stored image
    dpi: int  # rendering resolution of the page


def capture(page: np.ndarray, spec: CaptureSpec, rng: random.Random, nrng: np.random.Generator) -> tuple[Image.Image, dict]:
    """page: float32 RGB in [0, 1]. Returns the stored image and what was done to it (for meta)."""
    meta: dict = {}
    img = page
    H, W = img.shape[:2]
    if spec.kind == "phone":
        img, pmeta = _phone(img, rng, nrng, spec.dpi)
        meta.update(pmeta)
    else:
        max_skew = 0.6 if spec.kind == "flatbed" else 4.0
        skew = round(rng.uniform(-max_skew, max_skew), 2)
        bg = (0.96, 0.96, 0.95) if spec.kind == "flatbed" else rng.choice([(0.93, 0.93, 0.93), (0.12, 0.12, 0.12)])
        M = cv2.getRotationMatrix2D((W / 2, H / 2), skew, 1.0)
        img = cv2.warpAffine(img, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=bg)
        meta["skew_deg"] = skew
        # uneven illumination
        amp = 0.03 if spec.kind == "flatbed" else 0.05
        illum = _lowfreq(nrng, W, H, amp)
        img = img * illum[..., None]
        if spec.kind == "sheet_feeder":
            streaks = []
            for _ in range(rng.randint(2, 6)):
                x = rng.randint(0, W - 4)
                wd = rng.randint(1, max(2, spec.dpi // 100))
                delta = rng.choice([-1, 1]) * rng.uniform(0.05, 0.22)
                img[:, x : x + wd] = img[:, x : x + wd] + delta
                streaks.append(x)
            meta["streaks"] = len(streaks)
        blur = rng.uniform(0.3, 0.6) if spec.kind == "flatbed" else rng.uniform(0.4, 0.8)
        img = cv2.GaussianBlur(img, (0, 0), blur * spec.dpi / 200)
        meta["blur_sigma"] = round(blur, 2)
    sigma = rng.uniform(0.004, 0.012) if spec.kind != "phone" else rng.uniform(0.008, 0.016)
    img = img + nrng.normal(0, sigma, img.shape[:2]).astype(np.float32)[..., None]
    meta["noise_sigma"] = round(sigma * 255, 1)
    img8 = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    if spec.color == "gray":
        out = Image.fromarray(cv2.cvtColor(img8, cv2.COLOR_RGB2GRAY), "L")
    elif spec.color == "bw":
        g = cv2.cvtColor(img8, cv2.COLOR_RGB2GRAY)
        thr = rng.randint(150, 175)
        out = Image.fromarray(np.where(g > thr, 255, 0).astype(np.uint8), "L").convert("1", dither=Image.NONE)
        meta["bw_threshold"] = thr
    else:
        out = Image.fromarray(img8, "RGB")
    if spec.rotation:
        out = out.rotate(-spec.rotation, expand=True)  # PIL rotates counter-clockwise
    return out, meta


def _lowfreq(nrng: np.random.Generator, W: int, H: int, amp: float) -> np.ndarray:
    f = nrng.normal(0, 1, (4, 5)).astype(np.float32)
    f = cv2.resize(f, (W, H), interpolation=cv2.INTER_CUBIC)
    return 1 + amp * f / max(1e-6, float(np.abs(f).max()))


def _phone(page: np.ndarray, rng: random.Random, nrng: np.random.Generator, dpi: int) -> tuple[np.ndarray, dict]:
    """Page on a desk: perspective, shadow gradient (maybe a hand's), blur, warm cast; downscaled like a phone shot."""
    H, W = page.shape[:2]
    # target: long side ~2000 px for the whole photo
    scale = 2000 / (max(H, W) * 1.18)
    scale = min(scale, 1.0)
    pw, ph = int(W * scale), int(H * scale)
    page = cv2.resize(page, (pw, ph), interpolation=cv2.INTER_AREA)
    OW, OH = int(pw * 1.18), int(ph * 1.18)
    desk = np.array(rng.choice([(0.36, 0.27, 0.19), (0.30, 0.30, 0.32), (0.52, 0.42, 0.30), (0.20, 0.20, 0.22)]), np.float32)
    bg = np.empty((OH, OW, 3), np.float32)
    bg[:] = desk
    bg *= _lowfreq(nrng, OW, OH, 0.25)[..., None]
    grain = cv2.GaussianBlur(nrng.normal(0, 0.05, (OH, OW)).astype(np.float32), (0, 0), 2.0)
    grain = cv2.resize(cv2.resize(grain, (OW // 8, OH)), (OW, OH))  # wood-ish streaks
    bg += grain[..., None] * 0.6
    mx, my = (OW - pw) / 2, (OH - ph) / 2
    j = 0.045
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    dst = np.float32([
        [mx + rng.uniform(-j, j) * pw, my + rng.uniform(-j, j) * ph],
        [mx + pw + rng.uniform(-j, j) * pw, my + rng.uniform(-j, j) * ph],
        [mx + pw + rng.uniform(-j, j) * pw, my + ph + rng.uniform(-j, j) * ph],
        [mx + rng.uniform(-j, j) * pw, my + ph + rng.uniform(-j, j) * ph],
    ])
    M = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(page, M, (OW, OH), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), M, (OW, OH), flags=cv2.INTER_LINEAR)
    # soft drop shadow of the page on the desk
    sh = cv2.GaussianBlur(mask, (0, 0), 6)
    bg *= (1 - 0.35 * np.roll(np.roll(sh, 6, 0), 4, 1))[..., None]
    img = warped * mask[..., None] + bg * (1 - mask[..., None])
    # lighting: a gradient from one side, plus maybe the shadow of a hand/phone
    yy, xx = np.mgrid[0:OH, 0:OW].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    g = (np.cos(ang) * (xx / OW - 0.5) + np.sin(ang) * (yy / OH - 0.5)) * 2
    light = 1 - rng.uniform(0.10, 0.25) * (g + 1) / 2
    meta = {"perspective": True}
    if rng.random() < 0.5:
        cx, cy = rng.choice([(0.0, rng.uniform(0.3, 1.0)), (1.0, rng.uniform(0.5, 1.0)), (rng.uniform(0.2, 0.8), 1.0)])
        d = ((xx / OW - cx) / 0.35) ** 2 + ((yy / OH - cy) / 0.25) ** 2
        light *= 1 - 0.28 * np.exp(-d)
        meta["hand_shadow"] = True
    img = img * light[..., None]
    cast = np.array([1.0, rng.uniform(0.96, 1.0), rng.uniform(0.86, 0.95)], np.float32)
    img = img * cast
    blur = rng.uniform(0.6, 1.2)
    img = cv2.GaussianBlur(img, (0, 0), blur)
    meta["blur_sigma"] = round(blur, 2)
    meta["effective_dpi"] = int(round(dpi * scale))
    meta["skew_deg"] = round(float(np.degrees(np.arctan2(dst[1][1] - dst[0][1], dst[1][0] - dst[0][0]))), 2)
    return img, meta
