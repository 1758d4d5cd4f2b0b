"""Page canvas with ink layers, plus the marks that go on top: seals, signatures, codes.

A page is drawn as grey-level masks, one per ink (pre-printed form ink, printer
data, handwriting, signature, seal). ``Canvas.compose`` multiplies the inks onto
the paper, the way real inks absorb light, so a red seal over black text leaves
the text readable.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

NOTO_SANS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NOTO_SANS_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
NOTO_SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
NOTO_SERIF_BOLD = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
UKAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"
UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
DEJAVU_MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

# (file, index for zh-Hans, index for zh-Hant)
FONT_FACES = {
    "sans": (NOTO_SANS, 2, 3),
    "sans_bold": (NOTO_SANS_BOLD, 2, 3),
    "serif": (NOTO_SERIF, 2, 3),
    "serif_bold": (NOTO_SERIF_BOLD, 2, 3),
    "mono": (NOTO_SANS, 7, 8),  # Noto Sans Mono CJK: dot-matrix printer font
    "mono_bold": (NOTO_SANS_BOLD, 7, 8),
    "kai": (UKAI, 0, 2),
    "ming": (UMING, 0, 2),
}

INKS = {
    "black": (0.10, 0.10, 0.12),
    "laser": (0.08, 0.08, 0.08),
    "dotmatrix": (0.16, 0.16, 0.20),
    "blue_pen": (0.10, 0.17, 0.58),
    "black_pen": (0.12, 0.12, 0.16),
    "carbon": (0.42, 0.45, 0.66),
    "seal_red": (0.86, 0.12, 0.16),
    "number_red": (0.80, 0.14, 0.14),
    "form_blue": (0.20, 0.32, 0.66),
    "form_red": (0.78, 0.22, 0.24),
    "form_green": (0.16, 0.50, 0.32),
    "form_black": (0.18, 0.18, 0.20),
    "marker_black": (0.15, 0.16, 0.20),
    "marker_blue": (0.12, 0.22, 0.62),
    "marker_red": (0.75, 0.15, 0.15),
}

PAPERS = {
    "white": (0.975, 0.972, 0.960),
    "pink": (0.965, 0.835, 0.865),
    "yellow": (0.980, 0.945, 0.690),
    "blue": (0.810, 0.885, 0.965),
    "green": (0.830, 0.935, 0.820),
}


@lru_cache(maxsize=256)
def font(kind: str, px: int, lang: str = "zh-Hans") -> ImageFont.FreeTypeFont:
    if kind == "latin_mono":
        return ImageFont.truetype(DEJAVU_MONO, px)
    path, i_hans, i_hant = FONT_FACES[kind]
    return ImageFont.truetype(path, px, index=i_hant if lang == "zh-Hant" else i_hans)


@dataclass
class Box:
    """A rectangle in millimetres on the page."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def union(self, o: Box) -> Box:
        x0, y0 = min(self.x, o.x), min(self.y, o.y)
        x1, y1 = max(self.x + self.w, o.x + o.w), max(self.y + self.h, o.y + o.h)
        return Box(x0, y0, x1 - x0, y1 - y0)


class Canvas:
    def __init__(self, w_mm: float, h_mm: float, dpi: int, lang: str, rng: random.Random):
        self.w_mm, self.h_mm, self.dpi, self.lang, self.rng = w_mm, h_mm, dpi, lang, rng
        self.W = int(round(w_mm * dpi / 25.4))
        self.H = int(round(h_mm * dpi / 25.4))
        self.layers: dict[str, Image.Image] = {}
        self.layer_ink: dict[str, str] = {}
        self.layer_alpha: dict[str, float] = {}
        self.offsets: dict[str, tuple[float, float]] = {}  # mm shift per layer (dot-matrix misregistration)
        self.dotmatrix_layers: set[str] = set()
        self.blur_layers: dict[str, float] = {}

    # -- geometry -----------------------------------------------------------
    def px(self, mm: float) -> int:
        return int(round(mm * self.dpi / 25.4))

    def pt(self, pt: float) -> int:
        return max(6, int(round(pt * self.dpi / 72)))

    def layer(self, name: str, ink: str = "black", alpha: float = 1.0) -> ImageDraw.ImageDraw:
        if name not in self.layers:
            self.layers[name] = Image.new("L", (self.W, self.H), 0)
            self.layer_ink[name] = ink
            self.layer_alpha[name] = alpha
        return ImageDraw.Draw(self.layers[name])

    def set_ink(self, name: str, ink: str, alpha: float = 1.0) -> None:
        self.layer(name, ink, alpha)
        self.layer_ink[name] = ink
        self.layer_alpha[name] = alpha

    def _xy(self, layer: str, x: float, y: float) -> tuple[int, int]:
        dx, dy = self.offsets.get(layer, (0.0, 0.0))
        return self.px(x + dx), self.px(y + dy)

    # -- drawing ------------------------------------------------------------
    def text(
        self,
        layer: str,
        x: float,
        y: float,
        s: str,
        size: float,
        kind: str = "sans",
        anchor: str = "ls",
        max_w: float | None = None,
        spacing: float = 0.0,
    ) -> Box:
        """Draw text with its anchor at (x, y) mm; returns the text box in mm (without layer offset)."""
        if not s:
            return Box(x, y, 0, 0)
        px = self.pt(size)
        f = font(kind, px, self.lang)
        if max_w is not None:
            while px > self.pt(6.5) and self.text_w(s, px, kind, spacing) > self.px(max_w):
                px -= 1
            f = font(kind, px, self.lang)
        d = self.layer(layer)
        X, Y = self._xy(layer, x, y)
        if spacing:
            w = self.text_w(s, px, kind, spacing)
            if anchor[0] == "m":
                X -= w // 2
            elif anchor[0] == "r":
                X -= w
            a = "l" + anchor[1]
            for ch in s:
                d.text((X, Y), ch, fill=255, font=f, anchor=a)
                X += int(f.getlength(ch) + self.px(spacing))
        else:
            d.text((X, Y), s, fill=255, font=f, anchor=anchor)
        l, t, r, b = d.textbbox((self.px(x), self.px(y)), s, font=f, anchor=anchor)
        k = 25.4 / self.dpi
        return Box(l * k, t * k, (r - l) * k, (b - t) * k)

    def text_w(self, s: str, px: int, kind: str = "sans", spacing: float = 0.0) -> int:
        f = font(kind, px, self.lang)
        return int(f.getlength(s) + (len(s) * self.px(spacing) if spacing else 0))

    def text_mm(self, s: str, size: float, kind: str = "sans") -> float:
        return self.text_w(s, self.pt(size), kind) * 25.4 / self.dpi

    def line(self, layer: str, x1: float, y1: float, x2: float, y2: float, w: float = 0.25) -> None:
        d = self.layer(layer)
        d.line([self._xy(layer, x1, y1), self._xy(layer, x2, y2)], fill=255, width=max(1, self.px(w)))

    def rect(self, layer: str, x: float, y: float, w: float, h: float, lw: float = 0.3, fill: int | None = None) -> None:
        d = self.layer(layer)
        (X0, Y0), (X1, Y1) = self._xy(layer, x, y), self._xy(layer, x + w, y + h)
        d.rectangle([X0, Y0, X1, Y1], outline=255, width=max(1, self.px(lw)), fill=fill)

    def dashed(self, layer: str, x1: float, y: float, x2: float, w: float = 0.2, dash: float = 1.2) -> None:
        x = x1
        while x < x2:
            self.line(layer, x, y, min(x + dash, x2), y, w)
            x += dash * 2

    def hand_text(self, layer: str, x: float, y: float, s: str, size: float, rng: random.Random, kind: str = "kai") -> Box:
        """Handwriting: kai font, each glyph jittered in size, position and angle; baseline at y."""
        px0 = self.pt(size)
        X, Y = self._xy(layer, x, y)
        X0 = X
        self.layer(layer)
        img = self.layers[layer]
        slant = rng.uniform(-4, 4)
        top = Y
        for ch in s:
            if ch == " ":
                X += px0 // 3
                continue
            px = max(6, int(px0 * rng.uniform(0.86, 1.14)))
            f = font(kind, px, self.lang)
            w = int(f.getlength(ch)) + 4
            g = Image.new("L", (w + px // 2, px * 2), 0)
            ImageDraw.Draw(g).text((px // 4, px), ch, fill=255, font=f, anchor="ls")
            g = g.rotate(slant + rng.uniform(-8, 8), resample=Image.BILINEAR, center=(g.width // 2, px))
            if rng.random() < 0.5:  # uneven pen pressure
                g = g.filter(ImageFilter.MaxFilter(3)) if px > 30 else g
            oy = int(rng.uniform(-0.11, 0.11) * px)
            region = (X - px // 4, Y - px + oy)
            _paste_max(img, g, region)
            top = min(top, Y - px + oy)
            X += int(w * rng.uniform(0.86, 1.0)) - 2
        k = 25.4 / self.dpi
        return Box(X0 * k, top * k + px0 * 0.2 * k, (X - X0) * k, (Y - top) * k)

    # -- composition ----------------------------------------------------------
    def compose(self, paper: str, nrng: np.random.Generator, order: list[str] | None = None) -> np.ndarray:
        """Multiply inks onto the paper; returns float32 RGB in [0, 1]."""
        base = np.array(PAPERS[paper], np.float32)
        # uneven paper colour: a smooth low-frequency field, plus fibre grain
        lf = nrng.normal(0, 1, (6, 8)).astype(np.float32)
        lf = cv2.resize(lf, (self.W, self.H), interpolation=cv2.INTER_CUBIC)
        tint = 0.012 if paper == "white" else 0.028
        img = np.empty((self.H, self.W, 3), np.float32)
        img[:] = base
        img *= (1 + tint * lf)[..., None]
        grain = nrng.normal(0, 0.006, (self.H // 2 + 1, self.W // 2 + 1)).astype(np.float32)
        img += cv2.resize(grain, (self.W, self.H), interpolation=cv2.INTER_NEAREST)[..., None]
        names = order or list(self.layers)
        for name in names:
            if name not in self.layers:
                continue
            m = np.asarray(self.layers[name], np.float32) / 255.0
            if name in self.dotmatrix_layers:
                m = dotmatrix(m, self.dpi, nrng)
            if name in self.blur_layers:
                s = self.blur_layers[name] * self.dpi / 200
                m = cv2.GaussianBlur(m, (0, 0), s)
            m *= self.layer_alpha[name]
            ink = np.array(INKS[self.layer_ink[name]], np.float32)
            img *= 1 - m[..., None] * (1 - ink)
        return np.clip(img, 0, 1)


def _paste_max(dst: Image.Image, src: Image.Image, xy: tuple[int, int]) -> None:
    x, y = xy
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(dst.width, x + src.width), min(dst.height, y + src.height)
    if x1 <= x0 or y1 <= y0:
        return
    s = src.crop((x0 - x, y0 - y, x1 - x, y1 - y))
    d = dst.crop((x0, y0, x1, y1))
    from PIL import ImageChops

    dst.paste(ImageChops.lighter(d, s), (x0, y0))


def paste_mask(canvas: Canvas, layer: str, mask: np.ndarray, cx_px: int, cy_px: int) -> None:
    """Max-combine a float mask (0..1) centred at (cx, cy) px into a canvas layer; clips at page edges."""
    canvas.layer(layer)
    src = Image.fromarray((np.clip(mask, 0, 1) * 255).astype(np.uint8))
    _paste_max(canvas.layers[layer], src, (cx_px - src.width // 2, cy_px - src.height // 2))


# ---------------------------------------------------------------------------
# Dot-matrix printing
# ---------------------------------------------------------------------------


def dotmatrix(m: np.ndarray, dpi: int, nrng: np.random.Generator) -> np.ndarray:
    """Break strokes into printer-pin dots, with a worn ribbon and uneven pin strike."""
    pitch = max(2.6, 0.34 * dpi / 25.4)  # ~0.34 mm between dots
    h, w = m.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    fx = (xx % pitch) / pitch - 0.5
    fy = (yy % pitch) / pitch - 0.5
    dots = np.exp(-(fx**2 + fy**2) / (2 * 0.30**2))
    thick = cv2.dilate((m > 0.35).astype(np.uint8), np.ones((2, 2), np.uint8)).astype(np.float32)
    dm = cv2.GaussianBlur(thick, (0, 0), pitch * 0.35) * dots * 1.9
    dm = np.clip(dm, 0, 1)
    # ribbon wear: horizontal bands and a slow fade
    band = 0.78 + 0.18 * np.sin(yy[:, :1] / (pitch * nrng.uniform(18, 30)) + nrng.uniform(0, 6))
    fade = np.linspace(nrng.uniform(0.85, 1.0), nrng.uniform(0.7, 0.95), w, dtype=np.float32)[None, :]
    drop = (nrng.random((h // 3 + 1, w // 3 + 1)) > 0.07).astype(np.float32)
    drop = cv2.resize(drop, (w, h), interpolation=cv2.INTER_NEAREST)
    return np.clip(dm * band * fade * (0.55 + 0.45 * drop), 0, 1)


# ---------------------------------------------------------------------------
# Seals
# ---------------------------------------------------------------------------


def seal_mask(
    company: str,
    bottom: str,
    dpi: int,
    rng: random.Random,
    nrng: np.random.Generator,
    shape: str = "round",
    lang: str = "zh-Hans",
    serial: str | None = None,
) -> np.ndarray:
    """A company seal: name along the arc, star (round) or nothing (oval) in the middle, purpose below."""
    k = dpi / 25.4
    if shape == "round":
        a_mm, b_mm = 21.0, 21.0
    else:
        a_mm, b_mm = 23.0, 15.5
    W, H = int(2 * a_mm * k) + 8, int(2 * b_mm * k) + 8
    S = 3  # supersample
    img = Image.new("L", (W * S, H * S), 0)
    d = ImageDraw.Draw(img)
    cx, cy = W * S / 2, H * S / 2
    A, B = a_mm * k * S, b_mm * k * S
    ring = max(2, int(1.1 * k * S))
    d.ellipse([cx - A, cy - B, cx + A, cy + B], outline=255, width=ring)
    if shape == "oval":
        d.ellipse([cx - A + 1.6 * k * S, cy - B + 1.6 * k * S, cx + A - 1.6 * k * S, cy + B - 1.6 * k * S], outline=255, width=max(1, ring // 3))
    # company name along the upper arc
    n = len(company)
    fpx = int((6.2 if shape == "round" else 4.6) * k * S * (1.0 if n <= 14 else 14 / n))
    f = font("sans_bold" if lang != "en" else "sans_bold", fpx, lang)
    span = math.radians(250 if shape == "round" else 200)
    start = -math.pi / 2 - span / 2
    rr = 0.77 if shape == "round" else 0.73
    for i, ch in enumerate(company):
        t = start + span * (i + 0.5) / n
        x = cx + A * rr * math.cos(t)
        y = cy + B * rr * math.sin(t)
        g = Image.new("L", (fpx * 2, fpx * 2), 0)
        ImageDraw.Draw(g).text((fpx, fpx), ch, fill=255, font=f, anchor="mm")
        ang = -math.degrees(t) - 90
        g = g.rotate(ang, resample=Image.BICUBIC)
        img.paste(255, (int(x - fpx), int(y - fpx)), g)
    if shape == "round":
        r = 6.5 * k * S
        pts = []
        for i in range(10):
            rad = r if i % 2 == 0 else r * 0.382
            t = -math.pi / 2 + i * math.pi / 5
            pts.append((cx + rad * math.cos(t), cy - 1.0 * k * S + rad * math.sin(t)))
        d.polygon(pts, fill=255)
        bp = int(4.6 * k * S)
        d.text((cx, cy + 11.0 * k * S), bottom, fill=255, font=font("sans_bold", bp, lang), anchor="mm")
        if serial:
            d.text((cx, cy + 16.5 * k * S), serial, fill=255, font=font("sans", int(2.2 * k * S), lang), anchor="mm")
    else:
        bp = int(4.6 * k * S)
        d.text((cx, cy + 4.0 * k * S), bottom, fill=255, font=font("sans_bold", bp, lang), anchor="mm")
        if serial:
            d.text((cx, cy + 10.0 * k * S), serial, fill=255, font=font("sans", int(2.2 * k * S), lang), anchor="mm")
    img = img.resize((W, H), Image.LANCZOS).rotate(rng.uniform(-25, 25), resample=Image.BILINEAR, expand=True)
    m = np.asarray(img, np.float32) / 255.0
    # ink texture: uneven pressure (one side lighter), speckle and small voids
    h, w = m.shape
    gx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    gy = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    ang = rng.uniform(0, 2 * math.pi)
    pressure = 0.82 + 0.18 * (math.cos(ang) * gx + math.sin(ang) * gy)
    lf = cv2.resize(nrng.normal(0, 1, (7, 7)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    speck = cv2.GaussianBlur(nrng.random((h, w)).astype(np.float32), (0, 0), 0.9)
    tex = np.clip(pressure + 0.10 * lf, 0.35, 1) * np.clip(0.55 + 0.9 * speck, 0, 1)
    m = np.clip(m * tex * rng.uniform(0.95, 1.15), 0, 1)
    return cv2.GaussianBlur(m, (0, 0), 0.5)


# ---------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------


def signature_mask(name: str, dpi: int, rng: random.Random, lang: str, style: str) -> np.ndarray:
    """Handwritten sign-off: either a fast-written name in a brush font or a cursive scribble."""
    k = dpi / 25.4
    if style == "name":
        px = int(rng.uniform(6.5, 9.0) * k)
        f = font("kai", px, "zh-Hant" if lang == "zh-Hant" else "zh-Hans")
        W = int(px * (len(name) + 1.5))
        H = int(px * 2.0)
        img = Image.new("L", (W, H), 0)
        x = px * 0.4
        for ch in name:
            g = Image.new("L", (px * 2, px * 2), 0)
            ImageDraw.Draw(g).text((px, px), ch, fill=255, font=f, anchor="mm")
            g = g.rotate(rng.uniform(-12, 6), resample=Image.BILINEAR)
            sc = rng.uniform(0.85, 1.15)
            g = g.resize((int(g.width * sc * rng.uniform(0.8, 1.0)), int(g.height * sc)), Image.BILINEAR)
            img.paste(255, (int(x - px * 0.5), int(H / 2 - g.height / 2 + rng.uniform(-0.1, 0.1) * px)), g)
            x += px * rng.uniform(0.62, 0.85)
        img = img.transform(img.size, Image.AFFINE, (1, rng.uniform(0.15, 0.35), -px * 0.3, 0, 1, 0), resample=Image.BILINEAR)
        m = np.asarray(img, np.float32) / 255.0
        m = cv2.dilate(m, np.ones((2, 2), np.uint8)) if dpi >= 250 else m
        return m
    # cursive: a run of connected loops and humps (like joined-up letters), slanted, with a capital
    n_let = rng.randint(5, 9)
    let_w = rng.uniform(2.6, 3.6) * k
    H = int(rng.uniform(11, 15) * k)
    base = H * 0.62
    T = n_let * 2 * math.pi
    t = np.linspace(-1.2 * math.pi, T, 90 * n_let)
    v = let_w / (2 * math.pi)
    amps = np.array([rng.uniform(0.08, 0.24) * H * (2.2 if rng.random() < 0.3 else 1.0) for _ in range(n_let + 2)])
    amp = np.interp(t, np.linspace(t[0], T, len(amps)), amps)
    rx = v * np.interp(t, np.linspace(t[0], T, n_let + 2), [rng.uniform(0.5, 1.7) for _ in range(n_let + 2)])
    x = v * (t - t[0]) + rx * np.sin(t)
    y = base - amp * (1 - np.cos(t)) / 2 * 2
    cap = t < 0  # the capital: one big loop at the start
    y[cap] = base - (y[cap] - base) * -1.6
    slant = rng.uniform(0.25, 0.5)
    x = x + slant * (base - y) + 2 * k
    y = y + np.linspace(0, rng.uniform(-0.15, 0.1) * H, len(y))  # drift of the baseline
    W = int(x.max() + 4 * k)
    img = np.zeros((H + int(2 * k), W), np.uint8)
    base_w = max(1.0, rng.uniform(0.3, 0.5) * k)
    pts = np.stack([x, y + k], 1)
    for i in range(len(pts) - 1):
        p = 0.55 + 0.45 * abs(math.sin(i / len(pts) * math.pi * 1.3 + 0.4))
        th = max(1, int(round(base_w * p)))
        cv2.line(img, (int(pts[i][0]), int(pts[i][1])), (int(pts[i + 1][0]), int(pts[i + 1][1])), 255, th, cv2.LINE_AA)
    if rng.random() < 0.6:  # flourish
        y0 = int(base + k * rng.uniform(1.0, 2.0))
        cv2.line(img, (int(W * 0.05), y0), (int(W * 0.95), y0 - int(H * 0.15)), 255, max(1, int(base_w * 0.7)), cv2.LINE_AA)
    return img.astype(np.float32) / 255.0


def _catmull(p: np.ndarray, steps: int) -> np.ndarray:
    p = np.vstack([p[0], p, p[-1]])
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        for t in np.linspace(0, 1, steps, endpoint=False):
            t2, t3 = t * t, t * t * t
            out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t3))
    out.append(p[-2])
    return np.array(out)


# ---------------------------------------------------------------------------
# QR codes and barcodes
# ---------------------------------------------------------------------------


def draw_qr(canvas: Canvas, layer: str, payload: str, x: float, y: float, size_mm: float) -> Box:
    import segno

    q = segno.make(payload, error="m", micro=False)
    mat = np.array(q.matrix, bool)
    n = mat.shape[0]
    mod = max(2, int(canvas.px(size_mm) / (n + 2)))  # >= 2 px per module so it stays decodable
    d = canvas.layer(layer)
    X0, Y0 = canvas._xy(layer, x, y)
    for r in range(n):
        row = mat[r]
        c = 0
        while c < n:
            if row[c]:
                c0 = c
                while c < n and row[c]:
                    c += 1
                d.rectangle([X0 + (c0 + 1) * mod, Y0 + (r + 1) * mod, X0 + (c + 1) * mod - 1, Y0 + (r + 2) * mod - 1], fill=255)
            else:
                c += 1
    s = (n + 2) * mod * 25.4 / canvas.dpi
    return Box(x, y, s, s)


def draw_code128(canvas: Canvas, layer: str, payload: str, x: float, y: float, h_mm: float, text: bool = True) -> Box:
    from barcode import Code128

    bits = Code128(payload).build()[0]
    mod = max(2, canvas.px(0.3))
    d = canvas.layer(layer)
    X0, Y0 = canvas._xy(layer, x, y)
    H = canvas.px(h_mm)
    i = 0
    while i < len(bits):
        if bits[i] == "1":
            j = i
            while j < len(bits) and bits[j] == "1":
                j += 1
            d.rectangle([X0 + i * mod, Y0, X0 + j * mod - 1, Y0 + H], fill=255)
            i = j
        else:
            i += 1
    w_mm = len(bits) * mod * 25.4 / canvas.dpi
    if text:
        canvas.text(layer, x + w_mm / 2, y + h_mm + 3.2, payload, 7.5, "sans", anchor="ms")
    return Box(x, y, w_mm, h_mm + 4)
