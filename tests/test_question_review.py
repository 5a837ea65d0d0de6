"""Review before it counts (审核): assessments ask approved questions only; approvals survive a new
card version for the lines it leaves alone; bulk decisions per family; located refusals."""

import yaml

from app.cards.bank import bank_files
from app.questions.item_analysis import ItemStats
from app.questions.review import stats_trouble
from tests.test_questions_admin import log_in_page
from tests.test_quiz import bank_upload


def import_post(client, world, files) -> int:
    answer = client.post("/api/cards/import", files=files, headers=world.auth(world.a.people["trainer"]))
    assert answer.status_code == 200, answer.text
    return answer.json()["posts"][0]["post_id"]


def listed(client, world, post_id, **query) -> list[dict]:
    answer = client.get(f"/api/posts/{post_id}/questions", params=query, headers=world.auth(world.a.people["trainer"]))
    assert answer.status_code == 200, answer.text
    return answer.json()


def review(client, world, post_id, **body):
    return client.post(
        f"/api/posts/{post_id}/questions/review", json=body, headers=world.auth(world.a.people["trainer"])
    )


def start_assessment(client, world, post_id):
    return client.post(
        "/api/quizzes", json={"post_id": post_id, "mode": "assessment"}, headers=world.auth(world.a.people["worker"])
    )


def test_assessments_wait_for_review_and_then_ask_only_approved_questions(client, world):
    post_id = import_post(client, world, bank_upload("confined-space"))
    everything = listed(client, world, post_id)
    assert everything and {q["status"] for q in everything} == {"generated"}
    refused = start_assessment(client, world, post_id)
    assert refused.status_code == 409 and "审核" in refused.json()["detail"]
    # practice does not wait
    practice = client.post(
        "/api/quizzes", json={"post_id": post_id, "mode": "practice"}, headers=world.auth(world.a.people["worker"])
    )
    assert practice.status_code == 201, practice.text

    chosen = [q["key"] for q in everything if q["assessable"]][:12]
    retired = [q["key"] for q in everything if q["assessable"]][12:14]
    answer = review(client, world, post_id, approve=chosen, retire=retired)
    assert answer.json() == {"approved": 12, "retired": 2}
    approved = listed(client, world, post_id, status="approved")
    assert {q["key"] for q in approved} == set(chosen)
    assert all(q["approved_by"] == world.a.people["trainer"].name and q["approved_at"] for q in approved)
    assert {q["key"] for q in listed(client, world, post_id, status="retired")} == set(retired)

    started = start_assessment(client, world, post_id)
    assert started.status_code == 201, started.text
    asked = {q["stem"] for q in started.json()["questions"]}
    approved_stems = {q["stem"] for q in approved}
    assert asked and asked <= approved_stems


def test_a_review_with_an_unknown_key_names_it_and_changes_nothing(client, world):
    post_id = import_post(client, world, bank_upload("forklift"))
    first = listed(client, world, post_id)[0]["key"]
    answer = review(client, world, post_id, approve=[first, "no:such[key]"])
    assert answer.status_code == 422
    assert (
        answer.json()["errors"][0]["loc"] == ["body", "approve", 1]
        and "no:such[key]" in answer.json()["errors"][0]["msg"]
    )
    both = review(client, world, post_id, approve=[first], retire=[first])
    assert both.status_code == 422
    assert listed(client, world, post_id, status="approved") == []
    # workers cannot review
    worker = client.post(
        f"/api/posts/{post_id}/questions/review",
        json={"approve": [first]},
        headers=world.auth(world.a.people["worker"]),
    )
    assert worker.status_code == 403


def test_a_new_card_version_keeps_the_approvals_of_lines_it_leaves_alone(client, world):
    path = next(p for p in bank_files() if p.stem == "confined-space")
    post_id = import_post(client, world, [("file", (path.name, path.read_bytes(), "application/yaml"))])
    keys = [q["key"] for q in listed(client, world, post_id) if q["assessable"]]
    review(client, world, post_id, approve=keys)

    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    risk = content["risks"][0]
    # the risk point is the setting of every question from this risk: each of them changes (one
    # mistake changed alone may leave the risk no assessable question the balance keeps)
    risk["point"] = f"{risk['point']}、阀门井"
    changed = yaml.safe_dump(content, allow_unicode=True, sort_keys=False).encode("utf-8")
    import_post(client, world, [("file", (path.name, changed, "application/yaml"))])
    headers = world.auth(world.a.people["trainer"])
    versions = client.get(f"/api/posts/{post_id}/versions", headers=headers).json()
    newest = max(v["number"] for v in versions)
    assert client.post(f"/api/posts/{post_id}/versions/{newest}/publish", headers=headers).status_code == 200

    after = listed(client, world, post_id)
    touched = [q for q in after if q["source"].startswith(f"risks[{risk['id']}]") and q["assessable"]]
    untouched = [q for q in after if not q["source"].startswith(f"risks[{risk['id']}]") and q["assessable"]]
    assert untouched and all(q["status"] == "approved" for q in untouched if q["key"] in keys)
    # questions whose options or statement came from the changed line wait for a new review
    set_in_the_new_point = [q for q in touched if "、阀门井" in q["stem"] + "".join(o["text"] for o in q["options"])]
    assert set_in_the_new_point and all(q["status"] == "generated" for q in set_in_the_new_point)


def test_the_trainer_approves_a_family_in_bulk_on_the_page_and_exports_the_record(client, world):
    post_id = import_post(client, world, bank_upload("welder-hot-work"))
    csrf = log_in_page(client, "trainer")
    page = client.get(f"/questions/{post_id}?family=risk_control")
    assert page.status_code == 200 and "待审" in page.text and "只用于练习" in client.get(f"/questions/{post_id}").text
    answer = client.post(
        f"/questions/{post_id}/review",
        data={"family": "risk_control", "decision": "approve", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    statuses = {q["status"] for q in listed(client, world, post_id) if q["family"] == "risk_control"}
    others = {q["status"] for q in listed(client, world, post_id) if q["family"] != "risk_control"}
    assert statuses == {"approved"} and others == {"generated"}
    exported = client.get(f"/questions/{post_id}/review.csv")
    assert (
        exported.status_code == 200
        and "已审核通过" in exported.text
        and world.a.people["trainer"].name in exported.text
    )


def test_hand_written_questions_show_the_linter_warnings_to_the_trainer(client, world):
    path = next(p for p in bank_files() if p.stem == "forklift")
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    content["questions"] = [
        {
            "id": "Q1",
            "type": "single",
            "stem": "叉车司机在R3作业时应当？",
            "options": ["按规定佩戴安全带并在作业前检查叉车制动、转向和货叉", "快", "慢", "停"],
            "answer": ["A"],
            "dimension": "operation",
        }
    ]
    body = yaml.safe_dump(content, allow_unicode=True, sort_keys=False).encode("utf-8")
    post_id = import_post(client, world, [("file", (path.name, body, "application/yaml"))])
    manual = next(q for q in listed(client, world, post_id) if q["family"] == "manual")
    assert any("编号" in w for w in manual["warnings"]) and any("长" in w for w in manual["warnings"])


def test_answers_that_mislead_the_strong_flag_a_question():
    assert stats_trouble(ItemStats(answers=20, share_correct=0.5, discrimination=-0.2, strong_share=0.4))
    assert stats_trouble(ItemStats(answers=20, share_correct=0.3, discrimination=0.1, strong_share=0.35))
    assert stats_trouble(ItemStats(answers=20, share_correct=0.8, discrimination=0.3, strong_share=0.95)) is None
    assert stats_trouble(ItemStats(answers=3, share_correct=0.0, discrimination=None, strong_share=None)) is None
