"""Cards: the reference bank, located import errors, versions, publish, export round trip, pages."""

import pytest
import yaml
from sqlmodel import func, select

from app.cards.bank import bank_files, reference_bank
from app.cards.diff import diff_versions
from app.cards.models import Post, PostVersion
from app.cards.parsing import dump_yaml, parse_card_files
from app.cards.reference import reference_shortfalls
from app.cards.schema import AccidentType, PostContent
from app.cards.service import import_posts
from tests.factories import MINIMAL_POST, minimal_post

REQUIRED_POSTS = {
    "mine-drilling",
    "mine-blasting",
    "mine-loading",
    "mine-crushing",
    "mine-haul-truck",
    "mine-maintenance",
    "confined-space",
    "press-machining",
    "electrician",
    "welder-hot-work",
    "overhead-crane",
    "forklift",
    "dust-polishing",
    "ammonia-refrigeration",
    "furnace-melting",
    "hazchem-warehouse",
    "metallurgical-gas",
    "trade-maintenance",
}


def test_the_reference_bank_has_the_eighteen_posts_complete():
    posts = {post.code: post for post in reference_bank()}
    assert set(posts) >= REQUIRED_POSTS
    for post in posts.values():
        assert reference_shortfalls(post) == [], post.code
        assert all(item.say.rstrip("。").endswith(("确认完毕", "汇报完毕")) for item in post.operation.checklist)
        assert all(scenario.contacts for scenario in post.emergency.scenarios)
    assert {p.code for p in posts.values() if p.industry == "non_coal_mine"} >= {
        c for c in REQUIRED_POSTS if c.startswith("mine-")
    }


def test_the_notices_mnemonics_are_where_they_belong():
    posts = {post.code: post for post in reference_bank()}
    texts = {code: " ".join(m.text for m in post.mnemonics) for code, post in posts.items()}
    assert "先通风、再检测、后作业" in texts["confined-space"]
    assert "有台必有栏、有轴必有套" in texts["press-machining"]
    for code in (c for c in REQUIRED_POSTS if c.startswith("mine-")):
        assert "按设计，先剥离，防坠落，治边坡，控辅助" in texts[code], code


def test_every_bank_file_is_named_by_its_code():
    for path in bank_files():
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["code"] == path.stem


def test_json_schema_for_editors_is_current():
    from app.cards.bank import BANK_DIR
    from app.cards.check import schema_text

    assert (BANK_DIR / "post.schema.json").read_text(encoding="utf-8") == schema_text()


def problems_of(text: str, name: str = "post.yaml"):
    posts, problems = parse_card_files([(name, text.encode("utf-8"))])
    return posts, [(p.location, p.msg) for p in problems]


VALID_YAML = yaml.safe_dump(MINIMAL_POST, allow_unicode=True, sort_keys=False)


def test_a_valid_file_parses():
    posts, problems = problems_of(VALID_YAML)
    assert problems == [] and posts[0].code == "post-1"


def test_every_problem_is_reported_with_its_line_and_field():
    text = VALID_YAML.replace("- 中毒和窒息\n  level", "- 机械损伤\n  level", 1)
    text = text.replace(
        "  basis: 工贸企业有限空间作业安全规定\n", "  basis: 工贸企业有限空间作业安全规定\n  colour: red\n", 1
    )
    text = text.replace("phase: 作业前\n    text: 检测氧气浓度", "phase: 作业中间\n    text: 检测氧气浓度")
    text = text.replace("- id: D1", "- id: R1")
    lines = text.splitlines()
    _, problems = problems_of(text)
    locations = dict(problems)
    accident = next(loc for loc in locations if "事故类型" in loc)
    assert locations[accident] == "“机械损伤”不是 GB 6441-2025（或 GB/T 6441-1986）的事故类别"
    assert "机械损伤" in lines[int(accident.split("行")[0].removeprefix("第")) - 1]
    assert any("不认识的字段“colour”" in msg for _, msg in problems)
    assert any("不是作业阶段" in msg and "操作步骤 S1 阶段" in loc for loc, msg in problems)
    assert any("编号 R1 重复" in msg and "职责清单" in loc for loc, msg in problems)
    assert len(problems) == 4
    assert all(loc.startswith("第") for loc, _ in problems)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("post.txt", b"code: x", "只接受 .yaml、.yml 或 .xlsx"),
        ("post.yaml", b"", "文件是空的"),
        ("post.yaml", b"code: [unclosed\n", "YAML 格式错误"),
        ("post.yaml", b"- just\n- a list\n", "文件内容应为一个岗位"),
        ("post.yaml", "code: x".encode("gbk") + "\n名: 岗".encode("gbk"), "不是 UTF-8"),
        ("post.yaml", b"#" * (1024 * 1024 + 1), "超过 1024 KB"),
    ],
)
def test_unreadable_files_are_refused_clearly(name, content, expected):
    posts, problems = parse_card_files([(name, content)])
    assert posts == []
    assert any(expected in p.msg for p in problems), problems
    assert all(p.file == name for p in problems)


def test_empty_documents_and_repeated_keys_are_reported():
    text = VALID_YAML.replace("name: 岗位一\n", "name: 岗位一\nname: 又一个名字\n")
    data = yaml.safe_load(VALID_YAML)
    data["duties"] = []
    _, problems = problems_of(text)
    assert any("同一字段写了两次" in msg for _, msg in problems)
    _, problems = problems_of(yaml.safe_dump(data, allow_unicode=True))
    assert ("第" in problems[0][0] and "职责清单" in problems[0][0]) and problems[0][1] == "至少填写 1 条"


def test_a_mistake_is_located_at_its_own_line_even_when_the_check_is_post_wide():
    data = yaml.safe_load(VALID_YAML)
    data["operation"]["checklist"][0]["mistakes"] = ["没看读数就口述", "应该先检测"]
    data["emergency"]["scenarios"][0]["mistakes"] = ["先下去救人", "先检测后进入"]  # a risk control, word for word
    _, problems = problems_of(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    [(location, message)] = problems
    assert location.endswith("手指口述 C1 错误做法 第2项") and message.startswith("错误做法要写成人们实际的做法")
    data["operation"]["checklist"][0]["mistakes"].pop()
    _, problems = problems_of(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    [(location, message)] = problems
    assert location.endswith("应急情景 E1 错误做法 第2项") and location.startswith("第")
    assert message == "E1 的错误做法“先检测后进入”和本岗位卡片上的正确做法相同"


def test_a_mistake_about_the_emergency_kit_is_not_taken_for_a_duty():
    data = yaml.safe_load(VALID_YAML)
    data["operation"]["checklist"][0]["mistakes"] = ["应急柜钥匙随身带走，柜门上锁", "应当先检测"]
    _, problems = problems_of(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    [(location, message)] = problems  # the kit line passes; the duty is refused
    assert location.endswith("手指口述 C1 错误做法 第2项") and "应当先检测" in message


def test_two_files_with_one_code_are_refused():
    _, problems = parse_card_files([("a.yaml", VALID_YAML.encode()), ("b.yaml", VALID_YAML.encode())])
    assert len(problems) == 1 and "与 a.yaml 重复" in problems[0].msg


def test_yaml_export_round_trips_to_the_same_hash_for_every_bank_post():
    for post in reference_bank():
        again, problems = parse_card_files([(f"{post.code}.yaml", dump_yaml(post))])
        assert problems == []
        assert again[0].content_hash() == post.content_hash()


def test_diff_names_added_removed_and_changed_items():
    old = minimal_post()
    data = old.model_dump(mode="json")
    data["risks"][0]["level"] = "重大"
    data["duties"].append({"id": "D2", "text": "我负责监护", "basis": "本企业制度"})
    data["operation"]["checklist"] = [
        {"id": "C2", "phase": "作业前", "point_at": "呼吸器", "say": "气压正常，确认完毕"}
    ]
    changes = diff_versions(old, PostContent.model_validate(data))
    summary = {(c.document, c.item_id, c.kind) for c in changes}
    assert summary == {
        ("岗位风险清单", "R1", "changed"),
        ("岗位职责清单", "D2", "added"),
        ("手指口述", "C1", "removed"),
        ("手指口述", "C2", "added"),
    }
    level = next(c for c in changes if c.item_id == "R1").lines[0]
    assert (level.field, level.kind, level.before, level.after) == ("风险等级", "changed", "较大（橙）", "重大（红）")


def one_word_changed():
    """Version 2 of the minimal post: one word in a control measure, a prohibition added to a step,
    an emergency action dropped, the mnemonic reworded."""
    data = minimal_post().model_dump(mode="json")
    data["risks"][0]["controls"]["management"] = ["先通风检测后进入"]
    data["operation"]["steps"][0]["prohibitions"].append("严禁单人进入")
    data["emergency"]["scenarios"][0]["actions"] = ["呼救报警", "佩戴呼吸器后施救", "通风"]
    data["emergency"]["scenarios"][0]["actions"].remove("呼救报警")
    data["mnemonics"][0]["text"] = "先通风、再检测、后进入"
    return PostContent.model_validate(data)


def test_diff_shows_changed_lines_in_the_cards_own_words():
    changes = {(c.document, c.item_id): c for c in diff_versions(minimal_post(), one_word_changed())}
    risk = changes[("岗位风险清单", "R1")]
    assert (risk.card, risk.kind, risk.summary) == ("岗位风险清单", "changed", "进入储罐")
    [measure] = risk.lines
    assert (measure.field, measure.kind, measure.before, measure.after) == (
        "管理措施",
        "changed",
        "先检测后进入",
        "先通风检测后进入",
    )
    assert [p.text for p in measure.after_parts if p.changed] == ["通风"]
    assert not any(p.changed for p in measure.before_parts)
    step = changes[("操作步骤", "S1")]
    assert [(line.field, line.kind, line.after) for line in step.lines] == [("禁止事项", "added", "严禁单人进入")]
    scenario = changes[("应急情景", "E1")]
    assert scenario.card == "岗位应急处置卡" and scenario.summary == "有人晕倒"
    assert [(line.field, line.kind, line.before, line.after) for line in scenario.lines] == [
        ("处置步骤", "removed", "呼救报警", None),
        ("处置步骤", "added", None, "通风"),
    ]
    [mnemonic] = changes[("岗位信息", "")].lines
    assert (mnemonic.field, mnemonic.before, mnemonic.after) == (
        "口诀",
        "口诀：先通风、再检测、后作业",
        "口诀：先通风、再检测、后进入",
    )


def test_the_versions_page_shows_the_change_as_card_lines_not_data(client, world, session):
    import_posts(
        session,
        enterprise_id=world.a.enterprise.id,
        posts=[(one_word_changed(), "post-1.yaml")],
        actor=None,
        now=world.clock(),
        publish=False,
    )
    session.commit()
    page = client.get(
        f"/cards/{world.a.post.id}/versions?number=2",
        headers={**world.auth(world.a.people["trainer"]), "accept": "text/html"},
    )
    assert page.status_code == 200
    text = page.text
    assert "岗位风险清单 R1" in text and "进入储罐" in text
    assert "管理措施" in text and "先检测后进入" in text and "<mark>通风</mark>" in text
    assert "新增：</span>严禁单人进入" in text
    assert "{&#39;" not in text and "management" not in text and "[&#39;" not in text  # no raw data


def upload(*files: tuple[str, bytes]):
    return [("file", (name, content, "application/octet-stream")) for name, content in files]


def bank_file(code: str) -> tuple[str, bytes]:
    path = next(p for p in bank_files() if p.stem == code)
    return path.name, path.read_bytes()


def counts(session):
    session.expire_all()
    return (
        session.exec(select(func.count()).select_from(Post)).one(),
        session.exec(select(func.count()).select_from(PostVersion)).one(),
    )


def test_import_versions_and_round_trip_through_the_api(client, world, session):
    trainer = world.auth(world.a.people["trainer"])
    first = client.post(
        "/api/cards/import", files=upload(bank_file("mine-drilling"), bank_file("mine-blasting")), headers=trainer
    )
    assert first.status_code == 200, first.text
    assert [(p["code"], p["version"], p["status"], p["created"]) for p in first.json()["posts"]] == [
        ("mine-drilling", 1, "created", True),
        ("mine-blasting", 1, "created", True),
    ]
    again = client.post("/api/cards/import", files=upload(bank_file("mine-drilling")), headers=trainer).json()
    assert again["posts"][0]["status"] == "unchanged" and again["posts"][0]["version"] == 1
    post_id = first.json()["posts"][0]["post_id"]
    exported = client.get(f"/api/cards/export?post_id={post_id}&format=yaml", headers=trainer)
    assert exported.status_code == 200 and exported.headers["content-disposition"].endswith('mine-drilling-v1.yaml"')
    assert (
        client.post(
            "/api/cards/import", files=upload(("mine-drilling.yaml", exported.content)), headers=trainer
        ).json()["posts"][0]["status"]
        == "unchanged"
    )
    changed = exported.content.decode().replace("穿孔工", "本矿穿孔工", 1).encode()
    updated = client.post("/api/cards/import", files=upload(("mine-drilling.yaml", changed)), headers=trainer).json()[
        "posts"
    ][0]
    assert (updated["status"], updated["version"], updated["updated"]) == ("updated", 2, True)
    worker_view = client.get(f"/api/posts/{post_id}", headers=world.auth(world.a.people["worker"])).json()
    assert worker_view["version"] == 2 and worker_view["name"].startswith("本矿穿孔工")
    assert worker_view["operation"]["mnemonic"] and worker_view["emergency"]["dispatch_phone"] == "023-1234567"
    versions = client.get(f"/api/posts/{post_id}/versions", headers=trainer).json()
    assert [v["number"] for v in versions] == [2, 1] and versions[0]["published"]
    old = client.get(f"/api/cards/export?post_id={post_id}&format=yaml&version=1", headers=trainer)
    assert "本矿穿孔工" not in old.text  # old versions are kept as they were


def test_a_draft_is_invisible_to_workers_until_published(client, world):
    trainer, worker = world.auth(world.a.people["trainer"]), world.auth(world.a.people["worker"])
    created = client.post(
        "/api/cards/import?publish=false", files=upload(bank_file("electrician")), headers=trainer
    ).json()
    post_id = created["posts"][0]["post_id"]
    assert created["posts"][0]["published"] is False
    assert client.get(f"/api/posts/{post_id}", headers=worker).status_code == 404
    assert post_id not in {p["id"] for p in client.get("/api/posts", headers=worker).json()}
    listed = {p["id"]: p for p in client.get("/api/posts", headers=trainer).json()}
    assert listed[post_id]["compiled"] is False and listed[post_id]["version"] == 1
    published = client.post(f"/api/posts/{post_id}/versions/1/publish", headers=trainer)
    assert published.status_code == 200 and published.json()["compiled"] is True
    assert client.get(f"/api/posts/{post_id}", headers=worker).json()["code"] == "electrician"
    assert client.post(f"/api/posts/{post_id}/versions/9/publish", headers=trainer).status_code == 404
    assert client.post(f"/api/posts/{post_id}/versions/1/publish", headers=worker).status_code == 403


def test_a_bad_upload_lists_every_problem_and_stores_nothing(client, world, session):
    before = counts(session)
    broken = VALID_YAML.replace("- 中毒和窒息\n  level", "- 机械损伤\n  level", 1).replace("level: 较大", "level: 很大")
    response = client.post(
        "/api/cards/import",
        files=upload(bank_file("forklift"), ("bad.yaml", broken.encode()), ("notes.docx", b"x")),
        headers=world.auth(world.a.people["trainer"]),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["file"] for e in errors} == {"bad.yaml", "notes.docx"}
    assert any(
        e["msg"] == "“机械损伤”不是 GB 6441-2025（或 GB/T 6441-1986）的事故类别" and "事故类型" in e["location"]
        for e in errors
    )
    assert any("不是风险等级" in e["msg"] for e in errors)
    assert all(set(e) == {"file", "location", "msg"} for e in errors)
    assert counts(session) == before  # forklift.yaml was fine, but nothing is stored


def test_only_editors_import(client, world):
    response = client.post(
        "/api/cards/import", files=upload(bank_file("forklift")), headers=world.auth(world.a.people["worker"])
    )
    assert response.status_code == 403


def test_posts_list_is_the_callers_enterprise_and_marks_my_posts(client, world):
    posts = client.get("/api/posts", headers=world.auth(world.b.people["worker"])).json()
    assert [(p["id"], p["mine"], p["compiled"], p["key_post"]) for p in posts] == [(world.b.post.id, True, True, True)]
    regulator = client.get("/api/posts", headers=world.auth(world.regulator)).json()
    assert {p["id"] for p in regulator} == {world.a.post.id, world.b.post.id}


def test_worker_pages_show_every_tab_search_and_print(client, world):
    trainer = world.auth(world.a.people["trainer"])
    post_id = client.post("/api/cards/import", files=upload(bank_file("confined-space")), headers=trainer).json()[
        "posts"
    ][0]["post_id"]
    client.post(
        "/login",
        data={
            "enterprise_code": "ENTA",
            "username": "worker",
            "password": "pass1234word",
            "csrf_token": client.get("/login").cookies.get("pd_csrf") or client.cookies.get("pd_csrf"),
        },
    )
    for tab, expected in [
        ("risks", "危险因素"),
        ("duties", "我负责"),
        ("operation", "手指口述"),
        ("emergency", "严禁"),
        ("mnemonics", "先通风、再检测、后作业"),
    ]:
        page = client.get(f"/posts/{post_id}?tab={tab}", headers={"accept": "text/html"})
        assert page.status_code == 200 and expected in page.text, tab
    fragment = client.get(f"/posts/{post_id}?tab=duties", headers={"accept": "text/html", "HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="post-view">')
    found = client.get("/posts/search?q=呼吸器", headers={"accept": "text/html"})
    assert "有限空间作业人员" in found.text
    printed = client.get(f"/posts/{post_id}/print", headers={"accept": "text/html"})
    sheets = printed.text.count('<article class="a5 sheet"')
    assert sheets >= 4 and f'data-pages="{sheets}"' in printed.text and "<svg" in printed.text


def test_gb6441_2025_has_twenty_seven_classes():
    assert len(AccidentType) == 27  # the class list and its sources: tests/test_accident_classes.py


MANUAL_QUESTIONS = [
    {
        "id": "Q1",
        "type": "single",
        "stem": "进入储罐前先做什么？",
        "options": ["检测", "进入", "吸烟"],
        "answer": ["A"],
        "dimension": "operation",
        "source": "operation.steps[S1]",
        "explanation": "先检测后进入",
    },
    {"id": "Q2", "type": "judge", "stem": "可以不检测就进入。", "answer": ["错误"], "dimension": "risk"},
    {
        "id": "Q3",
        "type": "order",
        "stem": "排序",
        "options": ["乙", "甲", "丙"],
        "answer": ["B", "A", "C"],
        "dimension": "emergency",
    },
    {"id": "Q4", "type": "fill", "stem": "先通风、再____、后作业", "answer": ["检测"], "dimension": "operation"},
    {
        "id": "Q5",
        "type": "multi",
        "stem": "哪些对？",
        "options": ["甲", "乙", "丙"],
        "answer": ["A", "C"],
        "dimension": "duty",
    },
]


def test_hand_written_questions_join_the_pool_and_round_trip():
    post = minimal_post(questions=MANUAL_QUESTIONS)
    again, problems = parse_card_files([("post-1.yaml", dump_yaml(post))])
    assert problems == [] and again[0].content_hash() == post.content_hash()
    from app.questions.manual import manual_questions

    made = {q.key: q for q in manual_questions(post)}
    assert made["manual:Q1"].quote == "检测氧气浓度" and made["manual:Q1"].answer == ("A",)
    assert made["manual:Q2"].answer == ("F",) and made["manual:Q3"].answer == ("B", "A", "C")
    assert made["manual:Q5"].answer == ("A", "C") and made["manual:Q4"].answer == ("检测",)


def test_a_post_without_questions_keeps_its_old_hash():
    # versions stored before hand-written questions existed must not look changed
    assert minimal_post().content_hash() == minimal_post(questions=[]).content_hash()
    assert "questions" not in dump_yaml(minimal_post()).decode()


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({"type": "single", "options": ["甲", "乙"], "answer": ["C"]}, "不是选项字母"),
        ({"type": "single", "options": ["甲", "乙"], "answer": ["A", "B"]}, "单选题只能有一个答案"),
        ({"type": "judge", "answer": ["可能"]}, "判断题不写选项"),
        ({"type": "order", "options": ["甲", "乙", "丙"], "answer": ["A", "B"]}, "排序题的答案"),
        ({"type": "essay", "answer": ["x"]}, "不是题型"),
        ({"type": "fill", "answer": ["x"], "source": "risks[R9]"}, "卡片上没有“risks[R9]”这一行"),
    ],
)
def test_bad_hand_written_questions_are_located(question, message):
    data = dict(MINIMAL_POST, questions=[{"id": "Q1", "stem": "题？", "dimension": "risk", **question}])
    _, problems = problems_of(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert any(message in msg and "手工题 Q1" in loc and loc.startswith("第") for loc, msg in problems), problems
