"""The 两单两卡 content schema: the single definition behind YAML, Excel, the database and
the JSON Schema that editors use (question_bank/post.schema.json).

Field names are English (they are code); values are Chinese (they are what workers read).
Every model forbids unknown fields so a typo in a file is reported, never silently dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.org.models import Industry

# One line each: a card line is one sentence a worker says, and Excel keeps list items one per line.
SINGLE_LINE = r"^[^\r\n]*$"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=SINGLE_LINE)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=SINGLE_LINE)]
# A role, never a person's name (people change, the card stays): 班组长, 监护人, 调度员. No colon
# or square brackets: Excel writes an action as “【谁去做】做什么”.
RoleName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[^\r\n：:【】\[\]]*$")
]
ItemId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{1,3}[0-9]{1,3}$")]
# A common wrong way of working (常见错误做法 / 三违), stated plainly as what people actually do: the
# plausible wrong version of the right line beside it. Quizzes use them as distractors and as false
# statements, so a mistake is never phrased as a prohibition or a duty.
MISTAKE_OPENINGS = ("严禁", "禁止", "不准", "不得", "应", "必须")
# Words that open with 应 without being a duty: "应急设施…" describes what people did with the kit.
NOT_A_DUTY = ("应急",)


def not_a_rule(text: str) -> str:
    if text.startswith(MISTAKE_OPENINGS) and not text.startswith(NOT_A_DUTY):
        raise ValueError(f"错误做法要写成人们实际的做法，不以“严禁/禁止/不准/不得/应/必须”开头：{text}")
    return text


def not_bracketed(text: str) -> str:
    if text.startswith(("【", "[")):
        raise ValueError("处置步骤不以“【”开头：谁去做请写在 who（Excel 里写成“【班组长】做什么”）")
    return text


# Checked per line, so an error names the very line (第2条), not the whole list.
Mistake = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=120, pattern=SINGLE_LINE),
    AfterValidator(not_a_rule),
]


def an_act(text: str) -> str:
    if text.startswith(MISTAKE_OPENINGS) and not text.startswith(NOT_A_DUTY):
        raise ValueError(f"正确做法要写成同一情形下的实际做法，不以“严禁/禁止/不准/不得/应/必须”开头：{text}")
    return text


# The right twin of a mistake: an act like the mistake, not a rule.
Twin = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=120, pattern=SINGLE_LINE),
    AfterValidator(an_act),
]
PostCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]{1,47}$")]


# The 27 accident classes of GB 6441-2025 生产安全事故分类与编码 (mandatory from 2026-07-01;
# replaces GB/T 6441-1986 企业职工伤亡事故分类).
#
# Sources, checked 2026-12 (the standard's own text was not reachable in full):
# - m.educity.cn/aq/5452359.html lists the 27 names below, says it checked them against the full
#   text, and calls the "29 classes" that circulate a mistake of unofficial channels;
# - aqrzj.com doc 416937 (a comparison report GB 6441-2025 vs GB 6441-86) agrees: 27 classes,
#   12 new (跌落、水害、管道爆炸、可燃气体爆炸、粉尘爆炸、烟花爆竹爆炸、滑坡、泄漏 …), 7 deleted
#   (冒顶片帮、透水、瓦斯爆炸 …), 车辆伤害 and 中毒和窒息 split, 3 renamed (机械伤害 …);
# - a douyin explainer (topic 7595346272312313891) says 29: it splits 起重伤害 into
#   起重设备致害/起重物致害, adds 淹没, and does not name 管道爆炸 or 水害. Not followed: it
#   disagrees with both sources above; its two lifting names are read as aliases of 起重致害.
# - codeofchina.com/standard/GB6441-2025.html (a draft English translation) shows clause 5
#   "事故类型编码", but the code values were not readable; no codes are kept here rather than
#   invented. Dates disagree too: 2026-07-01 (aq1024.com/post/272.html, renrendoc, the douyin
#   explainer; used here), 2027-01-01 (codeofchina), "from publication" (educity).
# - m.boteman.cn/paper/514717609.html (29 classes) glosses 跌落 as people or objects falling during
#   work at height, which overlaps 高处坠落: 跌落, 滑坡 and 泄漏 are not used in the reference bank
#   until their definitions are read in the standard itself.
# Spelling: 可燃液体蒸气爆炸 (vapour: 蒸气; one source writes 蒸汽, read as an alias); brackets are
# full-width as in GB texts (half-width ones are read too). The other two renames of the 27-class
# report are read here as 起重伤害 → 起重致害 and 其它伤害 → 其他事故 (the names the 27-class list
# uses; the report's excerpt names only 机械伤害).
class AccidentType(StrEnum):
    """The 27 accident classes of GB 6441-2025 生产安全事故分类与编码."""

    object_strike = "物体打击"
    in_plant_vehicle = "厂（场）内车辆致害"
    road_vehicle = "道路（轨道）车辆致害"
    machinery = "机械致害"
    lifting = "起重致害"
    electric_shock = "触电"
    drowning = "淹溺"
    burn = "灼烫"
    fire = "火灾"
    fall_from_height = "高处坠落"
    tumble = "跌落"
    collapse = "坍塌"
    water_hazard = "水害"
    vessel_explosion = "容器爆炸"
    pipeline_explosion = "管道爆炸"
    gas_explosion = "可燃气体爆炸"
    vapour_explosion = "可燃液体蒸气爆炸"
    dust_explosion = "粉尘爆炸"
    explosives_explosion = "民用爆炸物品爆炸"
    fireworks_explosion = "烟花爆竹爆炸"
    solid_explosion = "其他可燃固体爆炸"
    molten_explosion = "高温熔融物爆炸"
    poisoning = "中毒"
    asphyxia = "窒息"
    landslide = "滑坡"
    leakage = "泄漏"
    other = "其他事故"


A = AccidentType
EXPLOSION_CLASSES = (
    A.vessel_explosion,
    A.pipeline_explosion,
    A.gas_explosion,
    A.vapour_explosion,
    A.dust_explosion,
    A.explosives_explosion,
    A.fireworks_explosion,
    A.solid_explosion,
    A.molten_explosion,
)


@dataclass(frozen=True)
class Legacy1986:
    """How one GB/T 6441-1986 class reads in GB 6441-2025: `mapped` is what an import stores;
    `choices` (when there are several) are the 2025 classes a person must choose among, so the
    line is held (no accident-type question or flashcard) until someone re-saves it."""

    mapped: tuple[AccidentType, ...]
    choices: tuple[AccidentType, ...] = ()

    @property
    def needs_choice(self) -> bool:
        return len(self.choices) > 1


# Every one of the 20 classes of GB/T 6441-1986. Eight keep their name; 机械伤害/起重伤害/其它伤害
# were renamed; 冒顶片帮 (a roof or rib collapse), 透水 (water inrush), 瓦斯爆炸 (a combustible gas)
# and 锅炉爆炸 (a pressure vessel) each have one plain 2025 home. The rest were split or deleted
# with more than one 2025 home: a person chooses.
LEGACY_1986: dict[str, Legacy1986] = {
    "物体打击": Legacy1986((A.object_strike,)),
    "车辆伤害": Legacy1986((A.in_plant_vehicle,), (A.in_plant_vehicle, A.road_vehicle)),
    "机械伤害": Legacy1986((A.machinery,)),
    "起重伤害": Legacy1986((A.lifting,)),
    "触电": Legacy1986((A.electric_shock,)),
    "淹溺": Legacy1986((A.drowning,)),
    "灼烫": Legacy1986((A.burn,)),
    "火灾": Legacy1986((A.fire,)),
    "高处坠落": Legacy1986((A.fall_from_height,)),
    "坍塌": Legacy1986((A.collapse,)),
    "冒顶片帮": Legacy1986((A.collapse,)),
    "透水": Legacy1986((A.water_hazard,)),
    # A blasting accident: the explosive itself (早爆、拒爆处理) or what it throws (飞石 → 物体打击).
    "放炮": Legacy1986((A.explosives_explosion,), (A.explosives_explosion, A.object_strike)),
    "火药爆炸": Legacy1986((A.explosives_explosion,), (A.explosives_explosion, A.fireworks_explosion)),
    "瓦斯爆炸": Legacy1986((A.gas_explosion,)),
    "锅炉爆炸": Legacy1986((A.vessel_explosion,)),
    "容器爆炸": Legacy1986((A.vessel_explosion,)),
    "其它爆炸": Legacy1986(
        (A.gas_explosion,),
        (
            A.gas_explosion,
            A.vapour_explosion,
            A.dust_explosion,
            A.solid_explosion,
            A.molten_explosion,
            A.pipeline_explosion,
        ),
    ),
    # Both until someone chooses: a line that said 中毒和窒息 warned of either.
    "中毒和窒息": Legacy1986((A.poisoning, A.asphyxia), (A.poisoning, A.asphyxia)),
    "其它伤害": Legacy1986((A.other,)),
}
# Spellings people type for the same class (其他/其它, half-width brackets, the 29-class lists' names).
ACCIDENT_TYPE_ALIASES: dict[str, str] = {
    "其他爆炸": "其它爆炸",
    "其他伤害": "其它伤害",
    "中毒窒息": "中毒和窒息",
    "其它事故": "其他事故",
    "可燃液体蒸汽爆炸": "可燃液体蒸气爆炸",
    "其它可燃固体爆炸": "其他可燃固体爆炸",
    "厂内车辆致害": "厂（场）内车辆致害",
    "场内车辆致害": "厂（场）内车辆致害",
    "道路车辆致害": "道路（轨道）车辆致害",
    "起重设备致害": "起重致害",
    "起重物致害": "起重致害",
}
CURRENT_NAMES = frozenset(member.value for member in AccidentType)


def normalise_accident_name(text: str) -> str:
    name = text.strip().replace("(", "（").replace(")", "）")
    return ACCIDENT_TYPE_ALIASES.get(name, name)


def legacy_class(text: str) -> Legacy1986 | None:
    """The 1986 reading of a name that is not a 2025 class, if it is a 1986 one."""
    name = normalise_accident_name(text)
    return None if name in CURRENT_NAMES else LEGACY_1986.get(name)


def legacy_warning(text: str) -> str | None:
    """The Chinese note for a 1986 name whose 2025 class a person must choose, else None."""
    legacy = legacy_class(text)
    if legacy is None or not legacy.needs_choice:
        return None
    stored = "、".join(kind.value for kind in legacy.mapped)
    return (
        f"“{normalise_accident_name(text)}”是 GB/T 6441-1986 的类别，GB 6441-2025 中可能是"
        f"{'、'.join(kind.value for kind in legacy.choices)}；暂按“{stored}”导入，"
        "请选定后改用 GB 6441-2025 类别重新保存（选定前本行不出事故类型题和事故卡片）"
    )


def read_accident_names(data: Any, field: str) -> Any:
    """Before validation: 1986 names mapped to 2025 classes. When any needed a person's choice, the
    names as given are kept in `<field>_1986`, so the line is held and exports write them back."""
    names = data.get(field) if isinstance(data, dict) else None
    if not isinstance(names, list) or data.get(f"{field}_1986"):
        return data
    mapped: list[Any] = []
    from_1986: set[str] = set()  # a class both given and mapped to is one class, not a repeat
    held = False
    for name in names:
        legacy = legacy_class(name) if isinstance(name, str) else None
        if legacy is None:
            name = normalise_accident_name(name) if isinstance(name, str) else name
            if name not in from_1986:
                mapped.append(name)
            continue
        held = held or legacy.needs_choice
        for kind in legacy.mapped:
            if kind.value not in mapped:
                mapped.append(kind.value)
                from_1986.add(kind.value)
    data = {**data, field: mapped}
    if held:
        data[f"{field}_1986"] = [normalise_accident_name(name) if isinstance(name, str) else name for name in names]
    return data


class RiskLevel(StrEnum):
    major = "重大"
    high = "较大"
    general = "一般"
    low = "低"

    @property
    def colour(self) -> str:
        return {"重大": "red", "较大": "orange", "一般": "yellow", "低": "blue"}[self.value]

    @property
    def colour_zh(self) -> str:
        return {"重大": "红", "较大": "橙", "一般": "黄", "低": "蓝"}[self.value]


class ControlLevel(StrEnum):
    """管控层级: who in the enterprise holds a risk under control, from the top down."""

    company = "公司"
    workshop = "车间"
    team = "班组"
    post = "岗位"


# 分级管控: the higher the risk, the higher the level that must control it. A level may be
# controlled higher than this, never lower (a 重大 risk left to the post is a defect).
LOWEST_CONTROL_LEVEL: dict[RiskLevel, ControlLevel] = {
    RiskLevel.major: ControlLevel.company,
    RiskLevel.high: ControlLevel.workshop,
    RiskLevel.general: ControlLevel.team,
    RiskLevel.low: ControlLevel.post,
}
CONTROL_LEVEL_ORDER = tuple(ControlLevel)  # top (公司) first


class Phase(StrEnum):
    before = "作业前"
    during = "作业中"
    after = "作业后"


def mistakes_field(description: str) -> Any:
    return Field(default_factory=list, max_length=12, description=description)


def check_accident_types(value: list[AccidentType]) -> list[AccidentType]:
    if len(set(value)) != len(value):
        raise ValueError("事故类型重复")
    return value


class TwinAsk(StrEnum):
    """Which half of a mistake pair quizzes ask. A right twin anyone would mark 正确 without the
    card (the plain careful version: "回线用专用电缆接在所焊工件上") tests nothing as a true statement
    or as the key of a choice: blind reviews 42–49 called such statements free points in a quarter
    of the true ones and asked them "from the wrong side". The trainer says so on the pair, rather
    than the generator guessing it from the wording."""

    both = "both"
    wrong = "wrong"  # the mistake is asked; its twin only explains it


class MistakePair(BaseModel):
    """A common wrong way of working written with its twin: the right way of doing the very same
    thing, in the same situation and the same words but for the one thing the mistake gets wrong
    ("发现边坡裂缝，装完本车后停铲" / "发现边坡裂缝，当即停铲"). Quizzes set the two side by side, so
    only knowing the card tells them apart: two blind reviews found right answers recognisable as
    card rules ("作业前检查…") beside wrong ones written as acts. In a file:
    `- {wrong: 错误做法, right: 对应的正确做法}` (`ask: wrong` when the twin is not to be asked,
    TwinAsk); a plain line is a mistake without a twin."""

    model_config = ConfigDict(extra="forbid")

    wrong: Mistake = Field(description="常见错误做法")
    right: Twin = Field(description="对应的正确做法：同一情形下正确的做法，写法与错误做法相同")
    ask: TwinAsk = Field(
        default=TwinAsk.both,
        description="考哪一半：both 两半都考；wrong 只考错误做法（正确做法人人都会选，只用来讲解）",
        # written only when not the default: versions stored before the field keep their content
        # hash (and with it flashcard memory and approvals), and files stay as they were written
        exclude_if=lambda ask: ask == TwinAsk.both,
    )

    @model_validator(mode="after")
    def differs(self) -> MistakePair:
        if normalise_line(self.wrong) == normalise_line(self.right):
            raise ValueError(f"正确做法和错误做法相同：{self.right}")
        if any(bar in self.wrong + self.right for bar in "｜|"):
            # the workbook keeps a pair on one line as "错误做法｜正确做法"
            raise ValueError("错误做法和正确做法里不能有竖线“｜”")
        return self


def _mistake_form(value: Any) -> str:
    return "pair" if isinstance(value, dict | MistakePair) else "line"


# A plain line or a pair, told apart by its shape, so an error names the one form it has.
AnyMistake = Annotated[
    Annotated[Mistake, Tag("line")] | Annotated[MistakePair, Tag("pair")], Discriminator(_mistake_form)
]


def wrong_text(mistake: str | MistakePair) -> str:
    return mistake.wrong if isinstance(mistake, MistakePair) else mistake


def wrong_texts(mistakes: Sequence[str | MistakePair]) -> list[str]:
    return [wrong_text(mistake) for mistake in mistakes]


def check_mistakes(value: list[str | MistakePair]) -> list[str | MistakePair]:
    texts = wrong_texts(value)
    if len(set(texts)) != len(texts):
        raise ValueError("错误做法重复")
    return value


class Strict(BaseModel):
    # Numbers are taken as text (a phone number typed as 120 in YAML or Excel is still "120").
    model_config = ConfigDict(extra="forbid", use_enum_values=False, coerce_numbers_to_str=True)


class Mnemonic(Strict):
    title: ShortText = Field(description="口诀名称，如“有限空间作业口诀”")
    text: Text = Field(description="口诀正文，用全角标点分句，如“先通风、再检测、后作业”")
    source: Text | None = Field(default=None, description="出处，如通知、标准或本企业")


class Standard(Strict):
    code: ShortText = Field(description="标准或法规编号，如 GB 16423-2020")
    title: Text = Field(description="标准或法规名称")
    effective: date | None = Field(default=None, description="实施日期，如 2026-07-01")
    replaced_by: ShortText | None = Field(default=None, description="被哪个标准或法规代替，如 GB 6441-2025")


class Controls(Strict):
    """Control measures grouped the way the risk lists in practice group them."""

    engineering: list[Text] = Field(default_factory=list, description="工程技术措施")
    management: list[Text] = Field(default_factory=list, description="管理措施")
    training: list[Text] = Field(default_factory=list, description="培训教育措施")
    ppe: list[Text] = Field(default_factory=list, description="个体防护措施")
    emergency: list[Text] = Field(default_factory=list, description="应急处置措施")

    @model_validator(mode="after")
    def at_least_one(self) -> Controls:
        if not any((self.engineering, self.management, self.training, self.ppe, self.emergency)):
            raise ValueError("管控措施至少填写一条")
        return self

    def all(self) -> list[tuple[str, int, str]]:
        """Every measure as (group, index, text), in file order."""
        return [(group, index, text) for group in CONTROL_GROUPS for index, text in enumerate(getattr(self, group))]


CONTROL_GROUPS: dict[str, str] = {
    "engineering": "工程技术",
    "management": "管理",
    "training": "培训教育",
    "ppe": "个体防护",
    "emergency": "应急处置",
}


class Risk(Strict):
    id: ItemId = Field(description="稳定编号，如 R1")
    point: Text = Field(description="风险点 / 作业步骤")
    hazard: Text = Field(description="危险有害因素（危险源或潜在事件）")
    accident_types: list[AccidentType] = Field(
        min_length=1, description="可能导致的事故类型（GB 6441-2025；GB/T 6441-1986 的类别导入时自动换算）"
    )
    accident_types_1986: list[ShortText] = Field(
        default_factory=list,
        description="导入时写的 GB/T 6441-1986 类别，其中有需要人选定的（如 车辆伤害）：改用 2025 类别保存前，"
        "本行不出事故类型题和事故卡片。由导入填写，不必手写",
    )
    level: RiskLevel = Field(description="风险等级：重大/较大/一般/低（红/橙/黄/蓝）")
    # Optional in the schema (versions stored before they existed must still load); the reference
    # bank requires the first two (reference.py).
    control_level: ControlLevel | None = Field(
        default=None,
        description="管控层级：公司/车间/班组/岗位；重大风险由公司管控，较大风险不低于车间，一般风险不低于班组",
    )
    responsible: RoleName | None = Field(
        default=None, description="责任岗位：负责管控这项风险的岗位或职务，如“班组长”“车间主任”（写岗位，不写人名）"
    )
    substance: ShortText | None = Field(
        default=None, description="涉及的危险物质（有才填），如“液氨”“铝镁粉尘”“一氧化碳”"
    )
    controls: Controls
    mistakes: list[AnyMistake] = mistakes_field("常见错误做法：管控措施走样的实际做法（用作干扰项和判断题的错误说法）")
    basis: Text = Field(description="依据（标准条款或法规）")

    _mistakes = field_validator("mistakes")(check_mistakes)
    _no_repeats = field_validator("accident_types")(check_accident_types)

    @field_validator("control_level")
    @classmethod
    def controlled_high_enough(cls, value: ControlLevel | None, info: ValidationInfo) -> ControlLevel | None:
        level = info.data.get("level")
        if value is None or not isinstance(level, RiskLevel):
            return value
        lowest = LOWEST_CONTROL_LEVEL[level]
        if CONTROL_LEVEL_ORDER.index(value) > CONTROL_LEVEL_ORDER.index(lowest):
            allowed = "、".join(item.value for item in CONTROL_LEVEL_ORDER[: CONTROL_LEVEL_ORDER.index(lowest) + 1])
            raise ValueError(f"{level.value}风险不能只由{value.value}管控，管控层级应为：{allowed}")
        return value

    @model_validator(mode="before")
    @classmethod
    def read_1986_names(cls, data: Any) -> Any:
        return read_accident_names(data, "accident_types")

    @property
    def accident_types_held(self) -> bool:
        """Its classes came from a 1986 name a person has still to choose for."""
        return bool(self.accident_types_1986)


class Duty(Strict):
    id: ItemId = Field(description="稳定编号，如 D1")
    text: Text = Field(description="第一人称职责，如“我负责……”")
    basis: Text = Field(description="依据（法律条款或本企业安全生产责任制）")


class Step(Strict):
    id: ItemId = Field(description="稳定编号，如 S1")
    phase: Phase = Field(description="作业前 / 作业中 / 作业后")
    text: Text = Field(description="操作步骤")
    key_point: Text | None = Field(default=None, description="要点")
    prohibitions: list[Text] = Field(default_factory=list, description="禁止事项，以“严禁”开头")
    mistakes: list[AnyMistake] = mistakes_field("常见错误做法：这一步和要点在现场常见的错误做法")
    basis: Text | None = Field(default=None, description="依据")

    _mistakes = field_validator("mistakes")(check_mistakes)

    @field_validator("prohibitions")
    @classmethod
    def prohibitions_say_so(cls, value: list[str]) -> list[str]:
        for text in value:
            if not text.startswith(("严禁", "禁止", "不准", "不得")):
                raise ValueError(f"禁止事项应以“严禁/禁止/不准/不得”开头：{text}")
        return value


class CheckItem(Strict):
    """One finger-point-and-say (手指口述) line: point at something, say its check aloud."""

    id: ItemId = Field(description="稳定编号，如 C1")
    phase: Phase
    point_at: Text = Field(description="手指的对象，如“气体检测仪读数”")
    say: Text = Field(description="口述内容，以“确认完毕”结尾")
    mistakes: list[AnyMistake] = mistakes_field("常见错误做法：这一项检查走过场的实际做法")

    _mistakes = field_validator("mistakes")(check_mistakes)

    @field_validator("say")
    @classmethod
    def ends_confirmed(cls, value: str) -> str:
        if not value.rstrip("。！!").endswith(("确认完毕", "汇报完毕")):
            raise ValueError("口述内容应以“确认完毕”（或最后一条“汇报完毕”）结尾")
        return value


class Operation(Strict):
    steps: list[Step] = Field(min_length=1)
    checklist: list[CheckItem] = Field(min_length=1, description="手指口述")


class Contact(Strict):
    # No colon: Excel keeps a contact as "报告对象：电话" on one line.
    who: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[^：:\r\n]*$")
    ] = Field(description="报告对象，如“班组长、调度室”或“急救中心”")
    phone: ShortText | None = Field(
        default=None,
        description="电话；不填表示企业内部电话，显示企业设置中的调度电话",
        pattern=r"^[0-9-]{3,20}$",
    )


def action_from_text(value: Any) -> Any:
    # The first cards wrote each action as a plain line; that form stays valid (no 谁去做 then).
    return {"text": value} if isinstance(value, str) else value


class Action(Strict):
    """One emergency action and who does it (the notices' “谁去做”)."""

    text: Annotated[Text, AfterValidator(not_bracketed)] = Field(description="做什么：一句话的处置动作")
    who: RoleName | None = Field(default=None, description="谁去做，如“发现人”“班组长”“监护人”“电工”“调度员”")

    @property
    def line(self) -> str:
        """The action as one printed line, who first: “【监护人】立即呼救……” (the Excel cell form too)."""
        return f"【{self.who}】{self.text}" if self.who else self.text


ActionField = Annotated[Action, BeforeValidator(action_from_text, json_schema_input_type=str | Action)]


class Scenario(Strict):
    id: ItemId = Field(description="稳定编号，如 E1")
    title: ShortText = Field(description="情景名称，如“有人中毒窒息倒在罐内”")
    accident_types: list[AccidentType] = Field(
        min_length=1, description="事故类型（GB 6441-2025），可填几类；旧写法 accident_type（一类）也能读"
    )
    accident_types_1986: list[ShortText] = Field(
        default_factory=list, description="导入时写的需要人选定的 GB/T 6441-1986 类别（见风险清单同名字段）"
    )
    signs: list[Text] = Field(default_factory=list, description="征兆 / 判断依据")
    actions: list[ActionField] = Field(
        min_length=2,
        description="最初约10分钟内的处置步骤，按顺序；每步写成一行文字，或写成 {who: 谁去做, text: 做什么}",
    )
    prohibitions: list[Text] = Field(default_factory=list, description="禁止事项，如“严禁盲目施救”")
    contacts: list[Contact] = Field(min_length=1, description="报告对象与电话")
    mistakes: list[AnyMistake] = mistakes_field("常见错误做法：现场常见的错误应对，如“先下去救人再报告”")
    muster_point: ShortText | None = Field(default=None, description="集合点：撤离后在哪里集合清点人数")
    escape_route: Text | None = Field(default=None, description="撤离路线：从岗位往哪里、沿什么路撤")
    kit_location: ShortText | None = Field(default=None, description="应急物资存放处：呼吸器、急救箱等放在哪里")
    report_items: list[ShortText] = Field(
        default_factory=list,
        max_length=10,
        description="报告内容：报告时要说清的事项，每项一条，如“时间、地点”“人员伤亡”“已采取的措施”",
    )
    basis: Text | None = Field(default=None, description="依据")

    _mistakes = field_validator("mistakes")(check_mistakes)
    _no_repeats = field_validator("accident_types")(check_accident_types)

    @model_validator(mode="before")
    @classmethod
    def read_older_forms(cls, data: Any) -> Any:
        """`accident_type: X` (one class, the first form) reads as `accident_types: [X]`; 1986
        names are mapped as on risks."""
        if isinstance(data, dict) and "accident_type" in data and "accident_types" not in data:
            one = data["accident_type"]
            data = {key: value for key, value in data.items() if key != "accident_type"}
            data["accident_types"] = one if isinstance(one, list) else [one]
        return read_accident_names(data, "accident_types")

    @property
    def accident_types_held(self) -> bool:
        return bool(self.accident_types_1986)

    @property
    def action_texts(self) -> list[str]:
        return [action.text for action in self.actions]


class Emergency(Strict):
    scenarios: list[Scenario] = Field(min_length=1)


QUESTION_TYPES = {"single": "单选", "multi": "多选", "judge": "判断", "fill": "填空", "order": "排序"}
DIMENSIONS = {"risk": "知风险", "duty": "明职责", "operation": "会操作", "emergency": "能应急"}
OPTION_LETTERS = "ABCDEF"
JUDGE_ANSWERS = ("正确", "错误")


class ManualQuestion(Strict):
    """A question a trainer wrote by hand (the rest are generated from the cards)."""

    id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^Q[0-9]{1,3}$")] = Field(
        description="稳定编号，如 Q1"
    )
    type: Literal["single", "multi", "judge", "fill", "order"] = Field(
        description="题型：single 单选、multi 多选、judge 判断、fill 填空、order 排序"
    )
    stem: Text = Field(description="题干")
    options: list[Text] = Field(default_factory=list, max_length=6, description="选项（按 A、B、C… 的顺序）")
    answer: list[ShortText] = Field(
        min_length=1,
        description="答案：选择题写选项字母；排序题按正确顺序写全部字母；判断题写“正确”或“错误”；填空题写可接受的答案",
    )
    explanation: Text | None = Field(default=None, description="解析")
    dimension: Literal["risk", "duty", "operation", "emergency"] = Field(
        description="维度：risk 知风险、duty 明职责、operation 会操作、emergency 能应急"
    )
    source: ShortText | None = Field(default=None, description="出自卡片哪一行，如 risks[R3] 或 operation.steps[S2]")

    @model_validator(mode="after")
    def answer_fits_the_type(self) -> ManualQuestion:
        letters = OPTION_LETTERS[: len(self.options)]
        if self.type in ("single", "multi", "order"):
            if len(self.options) < 2:
                raise ValueError("选择题和排序题至少要有 2 个选项")
            wrong = [a for a in self.answer if a not in letters]
            if wrong:
                raise ValueError(f"答案 {'、'.join(wrong)} 不是选项字母（本题可用 {'、'.join(letters)}）")
            if len(set(self.answer)) != len(self.answer):
                raise ValueError("答案里有重复的字母")
        if self.type == "single" and len(self.answer) != 1:
            raise ValueError("单选题只能有一个答案")
        if self.type == "multi" and len(self.answer) < 2:
            raise ValueError("多选题至少两个答案；只有一个答案请用单选题")
        if self.type == "order" and sorted(self.answer) != sorted(letters):
            raise ValueError("排序题的答案要按正确顺序写出全部选项字母")
        if self.type == "judge" and (self.options or len(self.answer) != 1 or self.answer[0] not in JUDGE_ANSWERS):
            raise ValueError("判断题不写选项，答案写“正确”或“错误”")
        if self.type == "fill" and self.options:
            raise ValueError("填空题不写选项，题干里用 ____ 表示空")
        return self


class PostContent(Strict):
    """One post's 两单两卡: the whole of one question_bank file."""

    code: PostCode = Field(description="岗位编码，稳定、唯一，小写字母数字和连字符")
    name: ShortText = Field(description="岗位名称")
    industry: Industry
    sector: ShortText | None = Field(default=None, description="行业/场所，如“露天矿山”“有限空间”")
    area: ShortText | None = Field(default=None, description="所属班组或作业区域")
    key_post: bool = Field(default=True, description="是否重点岗位")
    mnemonics: list[Mnemonic] = Field(min_length=1, description="口诀 / 三字经")
    standards: list[Standard] = Field(default_factory=list, description="本卡引用的标准和法规")
    risks: list[Risk] = Field(min_length=1, description="岗位风险清单")
    duties: list[Duty] = Field(min_length=1, description="岗位职责清单")
    operation: Operation = Field(description="岗位操作卡")
    emergency: Emergency = Field(description="岗位应急处置卡")
    questions: list[ManualQuestion] = Field(default_factory=list, description="手工题（其余题目由卡片自动生成）")

    @model_validator(mode="after")
    def ids_unique(self) -> PostContent:
        seen: dict[str, str] = {}
        groups = {
            "risks": [r.id for r in self.risks],
            "duties": [d.id for d in self.duties],
            "operation.steps": [s.id for s in self.operation.steps],
            "operation.checklist": [c.id for c in self.operation.checklist],
            "emergency.scenarios": [s.id for s in self.emergency.scenarios],
            "questions": [q.id for q in self.questions],
        }
        for where, ids in groups.items():
            for item_id in ids:
                if item_id in seen:
                    raise ValueError(f"编号 {item_id} 重复（{seen[item_id]} 与 {where}）")
                seen[item_id] = where
        return self

    @model_validator(mode="after")
    def mistakes_are_not_right_lines(self) -> PostContent:
        right = {normalise_line(text) for text in self.right_lines()}
        for loc, owner, text in self.located_mistakes():
            if normalise_line(text) in right:
                # A whole-post check has no field of its own; ctx["loc"] names the line, so a
                # reader can point at it (parsing.validate uses it instead of the empty loc).
                raise PydanticCustomError(
                    "mistake_is_right_line",
                    "{owner} 的错误做法“{text}”和本岗位卡片上的正确做法相同",
                    {"owner": owner, "text": text, "loc": loc},
                )
        return self

    def right_lines(self) -> list[str]:
        """Every line the cards state as right: controls, duties, steps, key points, prohibitions,
        checks, emergency actions."""
        lines = [text for risk in self.risks for _, _, text in risk.controls.all()]
        lines += [duty.text for duty in self.duties]
        for step in self.operation.steps:
            lines += [step.text, *([step.key_point] if step.key_point else []), *step.prohibitions]
        lines += [item.say for item in self.operation.checklist]
        for scenario in self.emergency.scenarios:
            lines += [*scenario.action_texts, *scenario.prohibitions]
        return lines + self.twin_lines()

    def mistake_lines(self) -> list[tuple[str, str]]:
        """Every mistake as (the id of the line it belongs to, text)."""
        return [(owner, text) for _, owner, text in self.located_mistakes()]

    def located_mistakes(self) -> list[tuple[tuple[str | int, ...], str, str]]:
        """Every mistake as (its location in the post, the id of the line it belongs to, text)."""
        owners: dict[tuple[str, ...], Sequence[Risk | Step | CheckItem | Scenario]] = {
            ("risks",): self.risks,
            ("operation", "steps"): self.operation.steps,
            ("operation", "checklist"): self.operation.checklist,
            ("emergency", "scenarios"): self.emergency.scenarios,
        }
        return [
            (
                (*path, index, "mistakes", line, *(("wrong",) if isinstance(mistake, MistakePair) else ())),
                owner.id,
                text,
            )
            for path, items in owners.items()
            for index, owner in enumerate(items)
            for line, mistake in enumerate(owner.mistakes)
            if (text := wrong_text(mistake))
        ]

    def twin_lines(self) -> list[str]:
        """The right twins written beside mistakes: right lines too, in the words of an act."""
        return [twin for _, twin in self.mistake_twins()]

    def mistake_twins(self) -> list[tuple[str, str]]:
        """Every mistake written with its twin, as (mistake, twin)."""
        owners = [*self.risks, *self.operation.steps, *self.operation.checklist, *self.emergency.scenarios]
        return [
            (mistake.wrong, mistake.right)
            for owner in owners
            for mistake in owner.mistakes
            if isinstance(mistake, MistakePair)
        ]

    def content_hash(self) -> str:
        """A stable hash of the content: the same content always gives the same version."""
        content = drop_empty_later_fields(self.model_dump(mode="json"))
        for scenario in content["emergency"]["scenarios"]:
            # A scenario of one class hashes in its first form (`accident_type: X`), so content
            # whose classes did not change keeps the hash, and the versions stored under it.
            if len(scenario["accident_types"]) == 1:
                scenario["accident_type"] = scenario.pop("accident_types")[0]
        canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def as_written(data: dict[str, Any]) -> dict[str, Any]:
    """Dumped content as a file says it: a held line gives back the 1986 names it was imported with
    (in place of the classes they were mapped to), so re-importing the export changes nothing and
    the line stays held until someone writes 2025 classes."""
    lines = [*data.get("risks", []), *data.get("emergency", {}).get("scenarios", [])]
    for line in lines:
        given = line.pop("accident_types_1986", None)
        if given:
            line["accident_types"] = given
    return data


def normalise_line(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


# Fields added after the first versions were stored: left out of the hash while empty, so those
# versions keep their hash (and their flashcard memory and approvals).
LATER_FIELDS = (
    "questions",
    "mistakes",
    "control_level",
    "responsible",
    "substance",
    "who",
    "muster_point",
    "escape_route",
    "kit_location",
    "report_items",
    "accident_types_1986",
    "effective",
    "replaced_by",
)


def drop_empty_later_fields(node: Any) -> Any:
    if isinstance(node, dict):
        if set(node) <= {"text", "who"} and "text" in node and node.get("who") in (None, ""):
            # An action without 谁去做 hashes as the plain line the first versions stored.
            return node["text"]
        return {
            key: drop_empty_later_fields(value)
            for key, value in node.items()
            if not (key in LATER_FIELDS and value in ([], None))
        }
    if isinstance(node, list):
        return [drop_empty_later_fields(item) for item in node]
    return node
