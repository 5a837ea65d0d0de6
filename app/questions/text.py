"""Text helpers for questions: the one equality every option and answer comparison uses, a
paraphrase test that keeps a wrong option from being a right answer in other words, and the
detection of measured numbers (“每隔30分钟”, “≥10米”) that fill-in questions blank out.

Pure functions on strings; nothing here knows about cards.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Chinese punctuation that NFKC leaves as it is (most of it is Unicode "P*" anyway; listed so the
# rule is visible and holds even for the few characters Unicode files under symbols).
CHINESE_PUNCTUATION = set("、，。；：！？“”‘’（）《》【】〔〕〈〉「」『』—…·～")
# A decimal point is kept only between two digits, so "19.5" never equals "195".
DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def _is_dropped(char: str) -> bool:
    if char in CHINESE_PUNCTUATION or char in "~`^":
        return True
    category = unicodedata.category(char)
    # P* punctuation, Z* separators (spaces), C* controls and format characters.
    return category[0] in "PZC"


# Pure functions of a string, called for every pair of candidate options: cached.
@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """The comparable form of a text: NFKC (full width → half width), lower case, without spaces
    and punctuation (Chinese and Western; "%" is punctuation to Unicode, so "10%" equals "10").
    Every equality test between options and answers uses it."""
    folded = unicodedata.normalize("NFKC", text).lower()
    decimal_points = {match.start() for match in DECIMAL_POINT.finditer(folded)}
    return "".join(char for index, char in enumerate(folded) if index in decimal_points or not _is_dropped(char))


@lru_cache(maxsize=1 << 16)
def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the normalised text (a single character counts as its own gram)."""
    folded = normalise(text)
    if len(folded) < 2:
        return frozenset({folded} if folded else ())
    return frozenset(folded[i : i + 2] for i in range(len(folded) - 1))


JACCARD_LIMIT = 0.6
# Near-containment: most (70 %) of the shorter text's bigrams reappear in the longer one, e.g. the same
# rule written about “车挡” in one card and “挡车设施” in another.
OVERLAP_LIMIT = 0.7
OVERLAP_MIN_GRAMS = 4


@lru_cache(maxsize=1 << 18)
def similar(a: str, b: str) -> bool:
    """True when `a` and `b` say (nearly) the same thing: equal after normalising, one contains the
    other, character-bigram Jaccard ≥ 0.6, or ≥ 70 % of the shorter one's bigrams in the longer.
    Used to keep a distractor from being a paraphrase of a right answer."""
    left, right = normalise(a), normalise(b)
    if left == right:
        return True
    shorter, longer = sorted((left, right), key=len)
    if len(shorter) >= 2 and shorter in longer:
        return True
    grams_a, grams_b = bigrams(left), bigrams(right)
    if not grams_a or not grams_b:
        return False
    common = len(grams_a & grams_b)
    if common / len(grams_a | grams_b) >= JACCARD_LIMIT:
        return True
    smaller = min(len(grams_a), len(grams_b))
    return smaller >= OVERLAP_MIN_GRAMS and common / smaller >= OVERLAP_LIMIT


def shares_bigram(a: str, b: str) -> bool:
    """True when the two texts have any character bigram in common (a cheap “same topic” test)."""
    return bool(bigrams(a) & bigrams(b))


# ---------------------------------------------------------------------------------------------
# Measured numbers

# Units a measured quantity may carry on these cards. Longer spellings first so "毫克每立方米"
# wins over "毫"-less prefixes and "km/h" over "km".
UNITS = (
    "毫克每立方米",
    "mg/m³",
    "mg/m3",
    "公里每小时",
    "km/h",
    "分钟",
    "秒钟",
    "小时",
    "个月",
    "毫米",
    "厘米",
    "公里",
    "千米",
    "千伏",
    "毫安",
    "千克",
    "公斤",
    "兆帕",
    "千帕",
    "min",
    "mpa",
    "kpa",
    "mm",
    "cm",
    "km",
    "kv",
    "ma",
    "kg",
    "°c",
    "%",
    "‰",
    "秒",
    "天",
    "周",
    "米",
    "伏",
    "安",
    "吨",
    "克",
    "℃",
    "度",
    "帕",
    "倍",
    "人",
    "次",
    "个",
    "根",
    "圈",
    "级",
    "层",
    "台",
    "扣",
    "遍",
    "m",
    "v",
    "t",
    "h",
)
NUMBER = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)*")
# Phone numbers people are taught; never a measured quantity even when a unit-like word follows.
KNOWN_PHONES = {"110", "119", "120", "122", "12350", "12345"}


@dataclass(frozen=True)
class MeasuredNumber:
    start: int
    end: int
    text: str  # the digits as written, e.g. "19.5"
    unit: str  # the unit that follows, NFKC and lower case, e.g. "分钟", "%", "m"


def _unit_after(text: str, end: int) -> str | None:
    rest = unicodedata.normalize("NFKC", text[end : end + 8]).lower().lstrip(" ")
    for unit in UNITS:
        if rest.startswith(unit):
            after = rest[len(unit) : len(unit) + 1]
            # a Latin unit must end there: "5 m" and "5 min" yes, "3 mice" no
            if unit.isascii() and unit.isalpha() and after.isascii() and after.isalpha():
                continue
            return unit
    return None


def _is_reference_number(text: str, start: int, end: int, digits: str) -> bool:
    """Numbers that are names, not quantities: item ids (R3), standard codes (GB 6722-2014),
    clause numbers (第57条, 6.6.1, 第5.4节), years (2021年, （2021）) and phone numbers."""
    before = text[:start].rstrip(" ")
    previous = before[-1:] if before else ""
    following = text[end : end + 1]
    if previous and previous.isascii() and (previous.isalpha() or previous in "-/._"):
        return True
    if previous == "第" or following in ("-", "－", "—"):
        return True
    if digits.count(".") + digits.count("．") > 1:
        return True
    plain = unicodedata.normalize("NFKC", digits)
    if plain.isdigit() and len(plain) == 4 and plain.startswith(("19", "20")):
        return True
    return plain in KNOWN_PHONES or len(plain.replace(".", "")) >= 5


# "24小时有人值守" means round the clock: a stock phrase, not a figure to learn (blind review 15 Q37).
# "24小时内复查" is a figure, and stays.
ROUND_THE_CLOCK_AFTER = ("有人", "值守", "值班", "监控", "不间断", "在岗", "运行", "开通")


def _round_the_clock(text: str, end: int, digits: str, unit: str) -> bool:
    if unicodedata.normalize("NFKC", digits) != "24" or unit != "小时":
        return False
    return text[end + len(unit) : end + len(unit) + 3].startswith(ROUND_THE_CLOCK_AFTER)


def measured_numbers(text: str) -> list[MeasuredNumber]:
    """Arabic-digit quantities followed by a unit, in order of appearance: "每隔30分钟" → 30,
    "19.5%～23.5%" → 19.5 and 23.5, "≥10米" → 10, "5 m" → 5, "2米以上" → 2."""
    found = []
    for match in NUMBER.finditer(text):
        digits = match.group()
        if _is_reference_number(text, match.start(), match.end(), digits):
            continue
        unit = _unit_after(text, match.end())
        if unit is not None and not _round_the_clock(text, match.end(), digits, unit):
            found.append(MeasuredNumber(match.start(), match.end(), digits, unit))
    return found
