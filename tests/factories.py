"""Small valid card content for tests that need a post without the whole reference bank."""

from app.cards.schema import PostContent

MINIMAL_POST = {
    "code": "post-1",
    "name": "岗位一",
    "industry": "non_coal_mine",
    "mnemonics": [{"title": "口诀", "text": "先通风、再检测、后作业"}],
    "risks": [
        {
            "id": "R1",
            "point": "进入储罐",
            "hazard": "缺氧",
            "accident_types": ["中毒和窒息"],
            "level": "较大",
            "controls": {"management": ["先检测后进入"], "engineering": ["作业中持续机械通风"]},
            "mistakes": ["打开人孔等十分钟就进入", "进去以后再打开风机", "闻着没有异味就进入"],
            "basis": "工贸企业有限空间作业安全规定",
        }
    ],
    "duties": [{"id": "D1", "text": "我负责检测合格后再进入", "basis": "安全生产法第五十七条"}],
    "operation": {
        "steps": [
            {
                "id": "S1",
                "phase": "作业前",
                "text": "检测氧气浓度",
                "key_point": "在罐口和罐底分别测量",
                "prohibitions": ["严禁未检测进入"],
                "mistakes": ["只在罐口测一次", "用手机软件估算氧含量"],
            }
        ],
        "checklist": [{"id": "C1", "phase": "作业前", "point_at": "检测仪", "say": "读数合格，确认完毕"}],
    },
    "emergency": {
        "scenarios": [
            {
                "id": "E1",
                "title": "有人晕倒",
                "accident_type": "中毒和窒息",
                "actions": ["呼救报警", "佩戴呼吸器后施救"],
                "contacts": [{"who": "急救", "phone": "120"}],
                "mistakes": ["跳进罐内把人拉出来", "先打电话问家属", "用湿毛巾捂嘴进去救人"],
            }
        ]
    },
}


def minimal_post(**changes: object) -> PostContent:
    return PostContent.model_validate({**MINIMAL_POST, **changes})
