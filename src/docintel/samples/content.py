"""Vocabulary and number/date formatting for the sample generator.

Everything here is plain data plus pure functions; randomness is passed in as a
``random.Random`` so the generator stays deterministic.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# ---------------------------------------------------------------------------
# Companies
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    name: str  # as printed on the form
    short: str  # abbreviation used in the order book
    language: str  # zh-Hans | zh-Hant | en
    family: str  # brand+trade key; two companies with the same family are "similar"


_CITIES = ["上海", "杭州", "苏州", "宁波", "广州", "深圳", "东莞", "佛山", "无锡", "南京", "温州", "义乌", "厦门", "成都", "武汉", "天津"]
_BRANDS = ["恒达", "鑫源", "华盛", "永固", "金鼎", "宏发", "德润", "瑞丰", "嘉诚", "中泰", "汇通", "明辉", "新亚", "远航", "顺昌", "东升", "利民", "百川"]
_TRADES = [
    ("五金贸易", "五金"),
    ("五金机电", "五金"),
    ("建材", "建材"),
    ("电气设备", "电气"),
    ("包装材料", "包装"),
    ("食品", "食品"),
    ("机电设备", "机电"),
    ("装饰工程", "装饰"),
    ("物业管理", "物业"),
    ("电子科技", "电子"),
    ("机械制造", "机械"),
]
_SUFFIXES = ["有限公司", "有限公司", "有限公司", "有限责任公司", "商行", "经营部"]

_CITIES_T = ["台北", "新北", "桃園", "台中", "台南", "高雄", "香港", "九龍"]
_BRANDS_T = ["恆達", "鑫源", "華盛", "永固", "金鼎", "宏發", "德潤", "瑞豐", "嘉誠", "匯通", "明輝", "東昇"]
_TRADES_T = [
    ("五金行", "五金"),
    ("五金企業有限公司", "五金"),
    ("建材行", "建材"),
    ("電器行", "電器"),
    ("實業有限公司", "實業"),
    ("包裝材料有限公司", "包裝"),
    ("水電工程行", "水電"),
]

_EN_BRANDS = ["Hang Tat", "Wing Fung", "Golden Tripod", "Kam Wah", "Sun Asia", "Tai Shing", "Man Lee", "Yick Fat", "Chun Hing", "Po Kee"]
_EN_TRADES = [
    ("Hardware Co., Ltd.", "Hardware"),
    ("Trading Ltd.", "Trading"),
    ("Engineering Ltd.", "Engineering"),
    ("Electrical Supplies Co.", "Electrical"),
    ("Packaging Ltd.", "Packaging"),
    ("Building Materials Ltd.", "Building Materials"),
]

VENDORS = {
    "zh-Hans": [
        Company("上海鼎信五金机电有限公司", "鼎信五金", "zh-Hans", "vendor"),
        Company("苏州鸿运工业品供应链有限公司", "鸿运工业品", "zh-Hans", "vendor"),
        Company("佛山市南海区金利达包装材料厂", "金利达包装", "zh-Hans", "vendor"),
    ],
    "zh-Hant": [
        Company("鼎信五金股份有限公司", "鼎信五金", "zh-Hant", "vendor"),
        Company("鴻運工業用品有限公司", "鴻運", "zh-Hant", "vendor"),
    ],
    "en": [
        Company("Dingxin Industrial Supplies (HK) Ltd.", "Dingxin", "en", "vendor"),
        Company("Everbright Hardware & Packaging Co., Ltd.", "Everbright", "en", "vendor"),
    ],
}


def make_customers(rng: random.Random) -> dict[str, list[Company]]:
    """A world of customers per language, with deliberate look-alikes (same brand+trade, other city)."""
    out: dict[str, list[Company]] = {"zh-Hans": [], "zh-Hant": [], "en": []}
    seen: set[str] = set()
    brands = rng.sample(_BRANDS, 12)
    for i, brand in enumerate(brands):
        trade, trade_short = rng.choice(_TRADES)
        cities = rng.sample(_CITIES, 2 if i < 5 else 1)  # first five brands get a look-alike
        for j, city in enumerate(cities):
            suffix = rng.choice(_SUFFIXES)
            if suffix in ("商行", "经营部"):
                name = f"{city}{brand}{trade}{suffix}"
            else:
                name = f"{city}{brand}{trade}{suffix}" if rng.random() < 0.8 else f"{city}市{brand}{trade}{suffix}"
            if name in seen:
                continue
            seen.add(name)
            short = f"{brand}{trade_short}" if j == 0 and rng.random() < 0.7 else f"{city}{brand}{trade_short}"
            out["zh-Hans"].append(Company(name, short, "zh-Hans", f"{brand}{trade_short}"))
    for i, brand in enumerate(rng.sample(_BRANDS_T, 7)):
        trade, trade_short = rng.choice(_TRADES_T)
        cities = rng.sample(_CITIES_T, 2 if i < 2 else 1)
        for j, city in enumerate(cities):
            name = f"{city}{brand}{trade}"
            short = f"{brand}{trade_short}" if j == 0 else f"{city}{brand}"
            out["zh-Hant"].append(Company(name, short, "zh-Hant", f"{brand}{trade_short}"))
    for i, brand in enumerate(rng.sample(_EN_BRANDS, 6)):
        trade, trade_short = rng.choice(_EN_TRADES)
        name = f"{brand} {trade}"
        out["en"].append(Company(name, f"{brand} {trade_short}", "en", f"{brand} {trade_short}"))
        if i < 2:  # look-alike: same brand, another trade
            trade2, trade_short2 = rng.choice([t for t in _EN_TRADES if t[0] != trade])
            out["en"].append(Company(f"{brand} {trade2}", f"{brand} {trade_short2}", "en", f"{brand} {trade_short}"))
    return out


def look_alike(c: Company, pool: list[Company]) -> Company | None:
    for o in pool:
        if o.family == c.family and o.name != c.name:
            return o
    return None


# ---------------------------------------------------------------------------
# Products of a distributor: hardware, electrical, packaging, food
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    zh: str
    hant: str
    en: str
    spec: str
    unit: str  # simplified unit
    price: tuple[float, float]
    qty: tuple[float, float]
    decimal_qty: bool = False
    code: str = ""

    def name(self, lang: str) -> str:
        return {"zh-Hans": self.zh, "zh-Hant": self.hant, "en": self.en}[lang]

    def unit_in(self, lang: str) -> str:
        if lang == "zh-Hant":
            return UNIT_HANT.get(self.unit, self.unit)
        if lang == "en":
            return UNIT_EN.get(self.unit, self.unit)
        return self.unit


UNIT_HANT = {"个": "個", "卷": "捲", "吨": "噸", "双": "雙"}
UNIT_EN = {"个": "pcs", "件": "pcs", "箱": "ctn", "盒": "box", "包": "pack", "套": "set", "台": "unit", "米": "m", "公斤": "kg", "kg": "kg", "吨": "t", "卷": "roll"}

PRODUCTS: list[Product] = [
    Product("不锈钢六角螺栓", "不鏽鋼六角螺栓", "Stainless Hex Bolt", "M8×30", "个", (0.35, 0.9), (200, 2000), code="WJ-0801"),
    Product("不锈钢六角螺栓", "不鏽鋼六角螺栓", "Stainless Hex Bolt", "M10×40", "个", (0.6, 1.4), (100, 1500), code="WJ-1004"),
    Product("膨胀螺丝", "膨脹螺絲", "Expansion Anchor", "M10×80", "个", (0.8, 1.8), (100, 1000), code="WJ-2210"),
    Product("平垫圈", "平墊圈", "Flat Washer", "Φ10 镀锌", "包", (6, 12), (5, 40), code="WJ-3310"),
    Product("自攻螺钉", "自攻螺絲", "Self-tapping Screw", "ST4.2×25", "盒", (15, 30), (5, 50), code="WJ-4425"),
    Product("不锈钢合页", "不鏽鋼合頁", "Stainless Door Hinge", "4寸", "个", (6.5, 14), (20, 200), code="WJ-5104"),
    Product("PVC电工胶带", "PVC電工膠帶", "PVC Insulation Tape", "18mm×10m", "卷", (1.2, 2.8), (50, 500), code="DQ-0118"),
    Product("铜芯电线", "銅芯電線", "Copper Wire", "BV 2.5mm²", "米", (2.1, 3.2), (100, 1000), code="DQ-1025"),
    Product("空气开关", "空氣開關", "Miniature Circuit Breaker", "DZ47-63 C32", "个", (18, 35), (10, 120), code="DQ-2032"),
    Product("LED灯管", "LED燈管", "LED Tube", "T8 1.2m 18W", "个", (9.5, 22), (20, 300), code="DQ-3018"),
    Product("配电箱", "配電箱", "Distribution Box", "12回路", "台", (120, 260), (1, 12), code="DQ-4012"),
    Product("五孔插座", "五孔插座", "Wall Socket", "10A 86型", "个", (6, 15), (20, 300), code="DQ-5010"),
    Product("五层纸箱", "五層紙箱", "5-ply Carton", "60×40×40cm", "个", (4.5, 8), (100, 2000), code="BZ-0640"),
    Product("气泡膜", "氣泡膜", "Bubble Wrap", "1.2m×50m", "卷", (38, 65), (5, 60), code="BZ-1120"),
    Product("缠绕膜", "纏繞膜", "Stretch Film", "50cm×2.5kg", "卷", (22, 36), (10, 120), code="BZ-2050"),
    Product("PP打包带", "PP打包帶", "PP Strapping Band", "12mm", "公斤", (8, 12), (20, 300), decimal_qty=True, code="BZ-3012"),
    Product("封箱胶带", "封箱膠帶", "Packing Tape", "48mm×100m", "箱", (90, 150), (2, 30), code="BZ-4048"),
    Product("食用植物油", "食用植物油", "Vegetable Oil", "5L×4桶", "箱", (150, 220), (2, 40), code="SP-0105"),
    Product("大米", "白米", "Rice", "25kg/袋", "包", (95, 140), (5, 80), code="SP-1025"),
    Product("矿泉水", "礦泉水", "Mineral Water", "550ml×24", "箱", (24, 36), (10, 200), code="SP-2055"),
    Product("劳保手套", "勞保手套", "Work Gloves", "尼龙涂胶 12双/包", "包", (18, 32), (5, 100), code="LB-0112"),
    Product("等边角钢", "等邊角鋼", "Angle Steel", "50×50×5", "吨", (4200, 4800), (0.5, 6), decimal_qty=True, code="GC-0550"),
    Product("镀锌钢管", "鍍鋅鋼管", "Galvanized Steel Pipe", "DN25", "米", (18, 32), (30, 600), code="GC-1025"),
    Product("水泥", "水泥", "Cement", "P.O 42.5", "吨", (380, 480), (1, 30), decimal_qty=True, code="JC-0425"),
    Product("冲击电钻", "衝擊電鑽", "Impact Drill", "13mm 710W", "台", (180, 320), (1, 10), code="GJ-0713"),
    Product("五金工具套装", "五金工具組", "Tool Kit", "46件套", "套", (85, 160), (2, 30), code="GJ-1046"),
    Product("尼龙扎带", "尼龍束線帶", "Nylon Cable Ties", "4×200mm", "包", (5, 12), (10, 200), code="DQ-6200"),
    Product("防水涂料", "防水塗料", "Waterproof Coating", "JS 20kg/桶", "件", (160, 240), (2, 40), code="JC-1020"),
    Product("电缆", "電纜", "Power Cable", "YJV 3×4", "米", (12, 19), (50, 500), code="DQ-7034"),
    Product("白砂糖", "白砂糖", "White Sugar", "50kg", "kg", (6.2, 7.5), (50, 500), decimal_qty=True, code="SP-3050"),
]

PEOPLE_HANS = ["王建国", "李明", "张伟", "刘芳", "陈静", "杨洋", "赵磊", "黄强", "周敏", "吴军", "徐丽", "孙涛", "马超", "朱红", "胡斌", "郭亮", "何平", "林海", "罗勇", "高峰"]
PEOPLE_HANT = ["陳志明", "林美玲", "黃俊傑", "張家豪", "李淑芬", "王建宏", "吳宗翰", "劉怡君", "蔡明哲", "楊雅婷"]
PEOPLE_EN = ["Chan Tai Man", "Wong Ka Ho", "Lee Siu Ming", "Cheung Wai", "Lam Po Yee", "Ho Chi Keung", "Ng Mei Ling"]
PEOPLE_EN_SIG = ["K. Chan", "Wong", "S.M. Lee", "W Cheung", "P. Lam", "C.K. Ho"]


def person(rng: random.Random, lang: str) -> str:
    return rng.choice({"zh-Hans": PEOPLE_HANS, "zh-Hant": PEOPLE_HANT, "en": PEOPLE_EN}[lang])


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def money(x: float | Decimal) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def line_amount(qty: float, price: float) -> float:
    return float(money(Decimal(str(qty)) * Decimal(str(price))))


def fmt_qty(q: float) -> str:
    if float(q).is_integer():
        return str(int(q))
    return f"{q:.3f}".rstrip("0").rstrip(".")


def fmt_money(x: float, thousands: bool = False) -> str:
    return f"{x:,.2f}" if thousands else f"{x:.2f}"


_UP_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UP_UNITS = ["", "拾", "佰", "仟"]
_UP_GROUPS = ["", "万", "亿"]


def rmb_upper(amount: float | Decimal) -> str:
    """Amount in Chinese financial capitals: 1091.50 -> 壹仟零玖拾壹元伍角整."""
    a = money(amount)
    cents = int((a * 100).to_integral_value())
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    s = _int_upper(yuan) + "元" if yuan else ("" if rest else "零元")
    if jiao:
        s += _UP_DIGITS[jiao] + "角"
    if fen:
        if not jiao and yuan:
            s += "零"
        s += _UP_DIGITS[fen] + "分"
    else:
        s += "整"
    return s


def _int_upper(n: int) -> str:
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    need_zero = False
    for gi in range(len(groups) - 1, -1, -1):
        g = groups[gi]
        if g == 0:
            if out:
                need_zero = True
            continue
        if out and g < 1000:
            need_zero = True
        part = ""
        for pos in range(3, -1, -1):
            d = g // 10**pos % 10
            if d == 0:
                if part:
                    need_zero = True
                continue
            if need_zero and (part or out):
                part += "零"
            need_zero = False
            part += _UP_DIGITS[d] + _UP_UNITS[pos]
        out += part + _UP_GROUPS[gi]
        need_zero = False
    return out


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

DATE_STYLES = {
    "zh-Hans": ["ymd_cn", "dot", "slash", "dash"],
    "zh-Hant": ["roc_cn", "roc_slash", "slash"],
    "en": ["dmy_slash", "d_mon_y"],
}


def fmt_date(d: dt.date, style: str) -> str:
    if style == "ymd_cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    if style == "slash":
        return f"{d.year}/{d.month:02d}/{d.day:02d}"
    if style == "dash":
        return d.isoformat()
    if style == "roc_cn":
        return f"{d.year - 1911}年{d.month}月{d.day}日"
    if style == "roc_slash":
        return f"{d.year - 1911}/{d.month:02d}/{d.day:02d}"
    if style == "dmy_slash":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == "d_mon_y":
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    raise ValueError(style)


# ---------------------------------------------------------------------------
# Document and order numbers
# ---------------------------------------------------------------------------


def doc_number(rng: random.Random, style: str, d: dt.date) -> str:
    n = rng.randint(1, 9999)
    if style == "so":
        return f"SO{d:%Y%m%d}-{n:04d}"
    if style == "dn_cn":
        return f"DN{d:%Y%m%d}{n % 1000:03d}"
    if style == "digits":
        return f"{d:%y%m%d}{n:04d}"
    if style == "xs":
        return f"XS-{d:%y%m}-{n:04d}"
    if style == "ck":
        return f"CK{d:%y%m%d}{n % 1000:03d}"
    if style == "dn_en":
        return f"DN-{d:%y}-{rng.randint(1, 99999):05d}"
    if style == "serial7":
        return f"{rng.randint(1, 999999):07d}"
    if style == "tw":
        return f"{d.year - 1911}{d:%m%d}{n % 1000:03d}"
    if style == "dz":
        return f"DZ{d:%Y%m}-{n % 1000:03d}"
    if style == "inv_cn":
        return f"{rng.randint(10000000, 99999999)}"
    if style == "inv_en":
        return f"INV-{d:%Y}-{n:05d}"
    raise ValueError(style)


def order_number(rng: random.Random, d: dt.date) -> str:
    style = rng.choice(["po_dash", "ht", "po_compact", "sap", "cg"])
    if style == "po_dash":
        return f"PO-{d:%Y}-{d:%m%d}{rng.randint(1, 99):02d}"
    if style == "ht":
        return f"HT{d:%y%m%d}{rng.randint(1, 99):02d}"
    if style == "po_compact":
        return f"PO{d:%y%m%d}{rng.randint(1, 99):02d}"
    if style == "sap":
        return f"45000{rng.randint(10000, 99999)}"
    return f"CG-{d:%y%m}-{rng.randint(1, 999):03d}"
