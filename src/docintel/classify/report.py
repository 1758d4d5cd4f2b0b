"""The evaluation report: a rich table for the terminal and the confusion matrix as a PNG.

The PNG is drawn with Pillow (already a dependency) rather than matplotlib: one grid of
coloured cells with counts does not justify a plotting library.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from rich.table import Table

from docintel.classify.classes import CLASSES
from docintel.classify.training import Metrics

_CELL = 96
_LEFT = 190
_TOP = 150


def metrics_tables(metrics: Metrics, title: str) -> list[Table]:
    summary = Table(title=title)
    for column in ("class", "precision", "recall", "support"):
        summary.add_column(column, justify="left" if column == "class" else "right")
    for name in CLASSES:
        row = metrics.per_class[name]
        summary.add_row(name, f"{row['precision']:.3f}", f"{row['recall']:.3f}", str(row["support"]))
    summary.add_row("[bold]accuracy", f"[bold]{metrics.accuracy:.1%}", "", str(metrics.examples))
    if metrics.unrelated_to_other is not None:
        summary.add_row("unrelated pages → other", f"{metrics.unrelated_to_other:.1%}", "", "")
    summary.add_row(f"answers below threshold {metrics.threshold:g} → other", str(metrics.low_confidence), "", "")
    confusion = Table(title="confusion matrix (rows: true type, columns: answer)")
    confusion.add_column("")
    for name in CLASSES:
        confusion.add_column(name, justify="right")
    for name, row in zip(CLASSES, metrics.confusion):
        confusion.add_row(name, *[str(v) for v in row])
    return [summary, confusion]


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one fixed-size bitmap font
        return ImageFont.load_default()


def confusion_png(metrics: Metrics, path: Path, title: str = "") -> Path:
    """Rows are the true types, columns the answers; a cell's shade is its share of the row."""
    n = len(CLASSES)
    width, height = _LEFT + n * _CELL + 20, _TOP + n * _CELL + 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    small, big = _font(14), _font(20)
    draw.text((10, 10), title or "confusion matrix", fill="black", font=big)
    draw.text((10, 38), f"accuracy {metrics.accuracy:.1%} on {metrics.examples} documents; rows: true type, columns: answer",
              fill="black", font=small)
    for j, name in enumerate(CLASSES):  # column heads, written diagonally upwards would need rotation: stack words
        x = _LEFT + j * _CELL + 4
        for k, part in enumerate(name.split("_")):
            draw.text((x, _TOP - 52 + k * 16), part, fill="black", font=small)
    for i, (name, row) in enumerate(zip(CLASSES, metrics.confusion)):
        y = _TOP + i * _CELL
        draw.text((10, y + _CELL // 2 - 8), name, fill="black", font=small)
        total = max(1, sum(row))
        for j, value in enumerate(row):
            share = value / total
            good = i == j
            # diagonal in blue, errors in red; white for empty cells
            base = (40, 90, 200) if good else (210, 40, 40)
            colour = tuple(int(255 - share * (255 - c)) for c in base)
            x = _LEFT + j * _CELL
            draw.rectangle([x, y, x + _CELL - 2, y + _CELL - 2], fill=colour, outline=(180, 180, 180))
            text_colour = "white" if share > 0.5 else "black"
            draw.text((x + _CELL // 2, y + _CELL // 2), str(value), fill=text_colour, font=big, anchor="mm")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG")
    return path
