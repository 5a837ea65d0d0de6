"""The workbook layout: one definition for reading, writing, the template and its instructions.

Sheet names, the columns of each sheet (header, where the value sits in the post, how its cell
reads and writes, the help text of 填写说明, drop-down choices) and the 题库 question columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.cards.excel.values import (
    TWIN_SEPARATOR,
    read_accident_types,
    read_actions,
    read_contacts,
    read_control_level,
    read_date,
    read_dimension,
    read_industry,
    read_level,
    read_lines,
    read_mistakes,
    read_question_id,
    read_question_type,
    read_text,
    read_yes_no,
    write_accident_types,
    write_actions,
    write_contacts,
    write_dimension,
    write_industry,
    write_lines,
    write_mistakes,
    write_question_type,
    write_text,
    write_yes_no,
)
from app.cards.schema import (
    DIMENSIONS,
    LOWEST_CONTROL_LEVEL,
    OPTION_LETTERS,
    QUESTION_TYPES,
    AccidentType,
    ControlLevel,
    Phase,
    RiskLevel,
)
from app.org.models import INDUSTRY_LABELS, Industry

# Real cards have tens of rows; the cap only stops a hostile or broken file from costing minutes.
# Reading refuses a sheet longer than this; writing offers its drop-down lists down to it.
MAX_ROWS = 1000


GUIDE_SHEET = "填写说明"
INFO_SHEET = "岗位信息"
QUESTION_SHEET = "题库"


@dataclass(frozen=True)
class Column:
    header: str
    path: tuple[str, ...]  # where the value sits inside one item, e.g. ("controls", "ppe")
    help: str
    required: bool = False  # the header must be there because the schema requires the field
    width: int = 16
    read: Callable[[str], Any] = read_text
    write: Callable[[Any], str | None] = write_text
    itemised: bool = False  # one item per line: locations then name the line (第2条)
    choices: tuple[str, ...] = ()  # offered as an Excel drop-down list
    fills: tuple[tuple[str, str], ...] = ()  # (value, RGB): the cell is coloured when it holds the value


@dataclass(frozen=True)
class ListSheet:
    name: str
    path: tuple[str, ...]  # where the list sits in the post, e.g. ("operation", "steps")
    columns: tuple[Column, ...]
    required: bool = True

    def column(self, header: str) -> Column | None:
        return next((column for column in self.columns if column.header == header), None)


@dataclass(frozen=True)
class InfoField:
    label: str
    key: str
    help: str
    read: Callable[[str], Any] = read_text
    write: Callable[[Any], str | None] = write_text
    choices: tuple[str, ...] = ()


ACCIDENT_TYPES = tuple(member.value for member in AccidentType)
LEVELS = tuple(member.value for member in RiskLevel)
CONTROL_LEVELS = tuple(member.value for member in ControlLevel)
# The colours of the four levels (红橙黄蓝) as the risk list and the notice board show them.
LEVEL_FILLS = (("重大", "FF0000"), ("较大", "FF9900"), ("一般", "FFFF00"), ("低", "0070C0"))
CONTROL_LEVEL_RULE = "；".join(
    f"{level.value}风险不低于{lowest.value}" for level, lowest in LOWEST_CONTROL_LEVEL.items()
)
PHASES = tuple(member.value for member in Phase)
INDUSTRIES = tuple(INDUSTRY_LABELS[member] for member in Industry)
ONE_PER_LINE = "每条一行"
NEW_LINE_HINT = "每条占一行（Excel、WPS 中按 Alt+Enter 在单元格内换行）"
PROHIBITION_HELP = f"选填。{ONE_PER_LINE}，每条以“严禁”“禁止”“不准”或“不得”开头。"
MISTAKES_HEADER = "常见错误做法"


def id_column(example: str) -> Column:
    return Column(
        "编号",
        ("id",),
        f"必填。大写字母加数字，如 {example}1、{example}2；整个文件内不能重复，修订时不要改"
        "（员工的练习记录跟着编号走）。",
        required=True,
        width=7,
    )


def phase_column() -> Column:
    return Column("阶段", ("phase",), f"必填。只能填：{'、'.join(PHASES)}。", required=True, width=9, choices=PHASES)


def basis_column(required: bool) -> Column:
    need = "必填" if required else "选填"
    return Column("依据", ("basis",), f"{need}。标准条款、法规或本企业制度，如“GB 8958-2006”。", required, width=26)


def control_column(header: str, group: str) -> Column:
    return Column(
        header,
        ("controls", group),
        f"选填。{ONE_PER_LINE}。五类措施合计至少填写 1 条。",
        width=30,
        read=read_lines,
        write=write_lines,
        itemised=True,
    )


def mistakes_column(what: str) -> Column:
    # Quizzes use these as wrong options and false statements, so the help names what the schema
    # refuses: a rule's wording (严禁…, 应…) and a line the cards state as right.
    return Column(
        MISTAKES_HEADER,
        ("mistakes",),
        f"选填。{what}写成人们实际的做法（出题时用作错误选项），{ONE_PER_LINE}，最多 12 条；"
        "不以“严禁”“禁止”“不准”“不得”“应”“必须”开头，也不能和本岗位卡片上的正确做法相同。"
        f"可在一条后面加“{TWIN_SEPARATOR}”写同一情形下的正确做法（写法相同，只改做错的那一点），"
        f"如“发现边坡裂缝，装完本车后停铲{TWIN_SEPARATOR}发现边坡裂缝，当即停铲并报告”；"
        f"正确做法人人都会选、只用来讲解的，再加“{TWIN_SEPARATOR}只考错误做法”。",
        width=30,
        read=read_mistakes,
        write=write_mistakes,
        itemised=True,
    )


INFO_FIELDS: tuple[InfoField, ...] = (
    InfoField("岗位编码", "code", "必填。小写字母、数字和连字符，如 confined-space；同一企业内唯一，修订时不要改。"),
    InfoField("岗位名称", "name", "必填。如“有限空间作业人员”。"),
    InfoField(
        "行业",
        "industry",
        f"必填。只能填：{'、'.join(INDUSTRIES)}。",
        read=read_industry,
        write=write_industry,
        choices=INDUSTRIES,
    ),
    InfoField("行业场所", "sector", "选填。如“露天矿山”“有限空间”。"),
    InfoField("所属班组/区域", "area", "选填。如“采矿车间钻机班”。"),
    InfoField(
        "重点岗位", "key_post", "填“是”或“否”；不填按“是”。", read=read_yes_no, write=write_yes_no, choices=("是", "否")
    ),
)

LIST_SHEETS: tuple[ListSheet, ...] = (
    ListSheet(
        "口诀",
        ("mnemonics",),
        (
            Column("名称", ("title",), "必填。如“有限空间作业口诀”。至少填写 1 条口诀。", required=True, width=24),
            Column("内容", ("text",), "必填。口诀正文，写成一句，用全角标点分句，不换行。", required=True, width=60),
            Column("出处", ("source",), "选填。通知、标准或“本企业”。", width=36),
        ),
    ),
    ListSheet(
        "引用标准",
        ("standards",),
        (
            Column("编号", ("code",), "必填。标准或法规编号，如“GB 8958-2006”“应急管理部令第13号”。", True, 28),
            Column("名称", ("title",), "必填。标准或法规名称。", required=True, width=60),
            Column("实施日期", ("effective",), "选填。如“2026-07-01”。", width=12, read=read_date),
            Column("被代替", ("replaced_by",), "选填。已被哪个标准或法规代替，如“GB 6441-2025”。", width=20),
        ),
        required=False,
    ),
    ListSheet(
        "风险清单",
        ("risks",),
        (
            id_column("R"),
            Column("风险点/作业步骤", ("point",), "必填。", required=True, width=24),
            Column("危险有害因素", ("hazard",), "必填。危险源或可能发生的事件。", required=True, width=30),
            Column(
                "事故类型",
                ("accident_types",),
                f"必填。GB 6441-2025 事故类别，可填几类，用“、”隔开。可选：{'、'.join(ACCIDENT_TYPES)}。"
                "GB/T 6441-1986 的类别也能读，导入时换算；需要选定的（如 车辆伤害、中毒和窒息）会提醒。",
                required=True,
                width=14,
                read=read_accident_types,
                write=write_accident_types,
            ),
            Column(
                "风险等级",
                ("level",),
                f"必填。只能填：{'、'.join(LEVELS)}（对应红、橙、黄、蓝）。",
                required=True,
                width=9,
                read=read_level,
                choices=LEVELS,
                fills=LEVEL_FILLS,
            ),
            Column(
                "管控层级",
                ("control_level",),
                f"选填（参考卡必填）。只能填：{'、'.join(CONTROL_LEVELS)}（也认“公司级”）。{CONTROL_LEVEL_RULE}。",
                width=9,
                read=read_control_level,
                choices=CONTROL_LEVELS,
            ),
            Column(
                "责任岗位",
                ("responsible",),
                "选填（参考卡必填）。负责管控这项风险的岗位或职务，如“班组长”“车间主任”；写岗位，不写人名。",
                width=12,
            ),
            Column("危险物质", ("substance",), "选填。涉及危险物质时填写，如“液氨”“铝镁粉尘”“一氧化碳”。", width=12),
            control_column("工程技术措施", "engineering"),
            control_column("管理措施", "management"),
            control_column("培训教育措施", "training"),
            control_column("个体防护措施", "ppe"),
            control_column("应急处置措施", "emergency"),
            mistakes_column("管控措施在现场走样的做法，如“检测一次合格就一直干到收工，中途不再检测”。"),
            basis_column(required=True),
        ),
    ),
    ListSheet(
        "职责清单",
        ("duties",),
        (
            id_column("D"),
            Column("职责", ("text",), "必填。用第一人称写，如“我负责……”“我要做到……”。", required=True, width=60),
            basis_column(required=True),
        ),
    ),
    ListSheet(
        "操作卡",
        ("operation", "steps"),
        (
            id_column("S"),
            phase_column(),
            Column("操作步骤", ("text",), "必填。按作业顺序一行一步。", required=True, width=50),
            Column("要点", ("key_point",), "选填。这一步最要紧的一句话。", width=30),
            Column(
                "禁止事项",
                ("prohibitions",),
                PROHIBITION_HELP,
                width=30,
                read=read_lines,
                write=write_lines,
                itemised=True,
            ),
            mistakes_column("这一步和要点在现场常见的错误做法，如“只关阀门不加盲板就开始作业”。"),
            basis_column(required=False),
        ),
    ),
    ListSheet(
        "手指口述",
        ("operation", "checklist"),
        (
            id_column("C"),
            phase_column(),
            Column("指", ("point_at",), "必填。手指的对象，如“气体检测仪读数”。", required=True, width=28),
            Column(
                "说",
                ("say",),
                "必填。口述内容，以“确认完毕”结尾（最后一条可用“汇报完毕”）。按口述顺序填写。",
                required=True,
                width=60,
            ),
            mistakes_column("这一项检查走过场的做法，如“没看检测仪读数就口述确认完毕”。"),
        ),
    ),
    ListSheet(
        "应急处置卡",
        ("emergency", "scenarios"),
        (
            id_column("E"),
            Column("情景", ("title",), "必填。如“有人中毒窒息倒在罐内”。", required=True, width=24),
            Column(
                "事故类型",
                ("accident_types",),
                "必填。GB 6441-2025 事故类别，可填几类，用“、”隔开（可选值见风险清单的事故类型）。",
                required=True,
                width=14,
                read=read_accident_types,
                write=write_accident_types,
            ),
            Column(
                "征兆",
                ("signs",),
                f"选填。怎么判断发生了，{ONE_PER_LINE}。",
                width=30,
                read=read_lines,
                write=write_lines,
                itemised=True,
            ),
            Column(
                "处置步骤",
                ("actions",),
                f"必填，至少 2 条。最初约 10 分钟内怎么做，按先后顺序，{ONE_PER_LINE}；"
                "谁去做写在前面的方括号里，如“【监护人】立即呼救，报告班组长”（参考卡每条都写）。",
                required=True,
                width=48,
                read=read_actions,
                write=write_actions,
                itemised=True,
            ),
            Column(
                "禁止事项",
                ("prohibitions",),
                f"选填。{ONE_PER_LINE}，如“严禁盲目施救”。",
                width=28,
                read=read_lines,
                write=write_lines,
                itemised=True,
            ),
            Column(
                "报告对象",
                ("contacts",),
                "必填。每个报告对象一行，写成“报告对象：电话”，如“急救中心：120”；"
                "只写报告对象（如“班组长、调度室”）表示企业内部电话，显示企业设置的调度电话。",
                required=True,
                width=24,
                read=read_contacts,
                write=write_contacts,
                itemised=True,
            ),
            Column(
                "报告内容",
                ("report_items",),
                f"选填（参考卡必填）。报告时要说清的事项，{ONE_PER_LINE}，如“时间、地点”“人员伤亡情况”“已采取的措施”。",
                width=24,
                read=read_lines,
                write=write_lines,
                itemised=True,
            ),
            Column(
                "撤离路线", ("escape_route",), "选填（参考卡必填）。从岗位往哪里、沿什么路撤离，写成一句。", width=28
            ),
            Column("集合点", ("muster_point",), "选填（参考卡必填）。撤离后集合清点人数的地方。", width=16),
            Column(
                "应急物资存放处",
                ("kit_location",),
                "选填（参考卡必填）。呼吸器、急救箱、灭火器等应急物资放在哪里。",
                width=20,
            ),
            mistakes_column("遇到这种情况时常见的错误应对，如“先下去救人，救上来再报告”。"),
            basis_column(required=False),
        ),
    ),
)

SHEET_NAMES = (INFO_SHEET, *(sheet.name for sheet in LIST_SHEETS), QUESTION_SHEET)


GENERAL_HELP = (
    "一个文件填写一个岗位。工作表名称和第1行表头不要改；选填的列可以留空。",
    f"一个单元格写多条（各类措施、禁止事项、常见错误做法、征兆、处置步骤、报告对象、报告内容）时，{NEW_LINE_HINT}；其他单元格只写一句，不换行。",
    "空行会被跳过；行的先后顺序就是卡片上的顺序。",
    "编号在整个文件内不能重复（风险 R、职责 D、操作步骤 S、手指口述 C、应急处置 E、题库 Q）。",
    f"“{QUESTION_SHEET}”工作表选填：手工出的题，一行一题；不出题就留空（其余题目由卡片自动生成）。",
    "导入时逐条检查，有问题会指出工作表、行号和列名；“填写说明”工作表不导入。",
)


OPTION_HEADERS = tuple(f"选项{letter}" for letter in OPTION_LETTERS)
TYPE_NAMES = tuple(QUESTION_TYPES.values())
DIMENSION_NAMES = tuple(DIMENSIONS.values())


# Headers other question banks use for the same columns.
QUESTION_HEADER_ALIASES = {
    "题号": "编号",
    "序号": "编号",
    "类型": "题型",
    "题目类型": "题型",
    "试题类型": "题型",
    "题目": "题干",
    "试题": "题干",
    "题目内容": "题干",
    "试题内容": "题干",
    "正确答案": "答案",
    "标准答案": "答案",
    "参考答案": "答案",
    "答案解析": "解析",
    "试题解析": "解析",
    "出处": "来源",
    **{letter: f"选项{letter}" for letter in OPTION_LETTERS},
    **{f"{letter}选项": f"选项{letter}" for letter in OPTION_LETTERS},
}


def question_id_help() -> str:
    return (
        "选填。Q 加数字，如 Q1、Q2（只填数字按 Q 加数字处理）。可以全部不填，导入时按行的顺序编为 Q1、Q2…；"
        "填了就每题都填，修订时不要改（员工的练习记录跟着编号走）。"
    )


QUESTION_COLUMNS: tuple[Column, ...] = (
    Column("编号", ("id",), question_id_help(), width=7, read=read_question_id),
    Column(
        "题型",
        ("type",),
        f"必填。只能填：{'、'.join(TYPE_NAMES)}（也认“单选题”“single”等写法）。",
        required=True,
        width=8,
        read=read_question_type,
        write=write_question_type,
        choices=TYPE_NAMES,
    ),
    Column("题干", ("stem",), "必填。写成一句，不换行；填空题用“____”表示要填的空。", required=True, width=40),
    *(
        Column(
            header,
            ("options",),
            "单选、多选、排序题必填，至少填 A、B 两项；判断题、填空题不填。"
            if index < 2
            else "选填。选项多时从前往后依次填，中间不要空着。",
            width=16,
        )
        for index, header in enumerate(OPTION_HEADERS)
    ),
    Column(
        "答案",
        ("answer",),
        "必填。单选填一个字母，如“A”；多选填全部正确选项的字母，如“ABD”（也可写“A,B,D”“A、B、D”）；"
        "排序题按正确顺序写出全部字母，如“CABD”；判断题填“正确”或“错误”（也认 对/错、√/×、T/F、是/否）；"
        f"填空题填可接受的答案，有几种说法时{NEW_LINE_HINT}，或用“|”隔开。",
        required=True,
        width=12,
    ),
    Column("解析", ("explanation",), "选填。答完后给员工看的说明，写成一句。", width=30),
    Column(
        "维度",
        ("dimension",),
        f"必填。只能填：{'、'.join(DIMENSION_NAMES)}。",
        required=True,
        width=9,
        read=read_dimension,
        write=write_dimension,
        choices=DIMENSION_NAMES,
    ),
    Column(
        "来源",
        ("source",),
        "选填。题目出自卡片哪一行，如 risks[R3]（风险清单 R3）、duties[D1]、operation.steps[S2]（操作卡 S2）、"
        "operation.checklist[C1]、emergency.scenarios[E1]；导入时检查卡片上有没有这一行。",
        width=22,
    ),
)
QUESTION_HEADERS = tuple(column.header for column in QUESTION_COLUMNS)
QUESTION_FIELD_HEADERS = {column.path[0]: column.header for column in QUESTION_COLUMNS if column.path != ("options",)}
QUESTION_HELP = (
    "一行一题，空行会被跳过；第1行表头不要改，选填的列可以留空或删掉。",
    "题干、选项、解析都写成一句，不换行；只有填空题的答案可以一格写几行（每种说法一行）。",
    "导入时逐题检查，有问题会指出行号和列名；“填写说明”工作表不导入。",
)


# A column's path inside an item, or a sheet's inside the post: set when reading, got when writing.
def set_path(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def get_path(source: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        source = source.get(key) if isinstance(source, dict) else None
    return source
