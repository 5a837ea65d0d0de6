"""Cards compiled with the workers: propose → discuss at the pre-shift meeting → merge → approve,
with the roles, tenancy, bad inputs, offline replay and the compile status."""

import struct
from datetime import date

import pytest
from sqlmodel import select

from app.cards.parsing import dump_yaml
from app.cards.service import import_posts
from app.proposals import service
from app.proposals.models import Proposal, ProposalPhoto, VersionParticipant
from app.proposals.photos import MAX_PHOTO_BYTES, sniff_image
from app.proposals.service import one_year_later
from app.proposals.status import Gap, compile_gaps, compile_status
from tests.factories import MINIMAL_POST, minimal_post


def tiny_jpeg(width: int = 640, height: int = 480) -> bytes:
    """A JPEG header as a canvas makes one: SOI, APP0 (JFIF), a quantisation table, SOF0, EOI."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + bytes(65)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9)
    return b"\xff\xd8" + app0 + dqt + sof + b"\xff\xd9"


def tiny_png(width: int = 2, height: int = 3) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", width, height) + bytes(9)


def propose(client, world, person=None, photo=None, **fields):
    person = person or world.a.people["worker"]
    data = {"kind": "hazard", "text": "罐底积水处有淤泥，检测仪够不到", **fields}
    files = {"photo": photo} if photo else None
    return client.post(f"/api/posts/{world.a.post.id}/proposals", data=data, files=files, headers=world.auth(person))


def changed_yaml(**changes: object) -> bytes:
    return dump_yaml(minimal_post(**changes))


def new_duties() -> list[dict[str, str]]:
    return [
        *MINIMAL_POST["duties"],  # type: ignore[misc]
        {"id": "D2", "text": "我负责罐底积水先排净再检测", "basis": "工贸企业有限空间作业安全规定"},
    ]


def merge(client, world, ids, *, trainer=None, content=None, reason="罐底积水处补充检测要求"):
    trainer = trainer or world.a.people["trainer"]
    return client.post(
        f"/api/posts/{world.a.post.id}/merge",
        data={"proposal_ids": [str(i) for i in ids], "reason": reason},
        files={"file": ("post-1.yaml", content or changed_yaml(duties=new_duties()), "application/yaml")},
        headers=world.auth(trainer),
    )


# --- pure parts ------------------------------------------------------------------------------


def test_photo_sniffing_reads_the_header_and_refuses_disguises():
    assert sniff_image(tiny_jpeg(1280, 960)) == service.sniff_image(tiny_jpeg(1280, 960))
    info = sniff_image(tiny_jpeg(1280, 960))
    assert info is not None and (info.media_type, info.width, info.height) == ("image/jpeg", 1280, 960)
    png = sniff_image(tiny_png())
    assert png is not None and (png.media_type, png.width, png.height) == ("image/png", 2, 3)
    assert sniff_image(b"%PDF-1.7 not a photo") is None
    assert sniff_image(b"\xff\xd8\xff" + b"garbage") is None  # a JPEG magic with no frame
    assert sniff_image(tiny_jpeg(0, 480)) is None
    assert sniff_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


def test_compile_gaps_name_each_missing_piece():
    today = date(2026, 3, 2)
    ok = {"published": True, "empty_documents": False, "approved": True, "worker_participants": 2, "today": today}
    assert compile_gaps(review_due_on=date(2027, 3, 2), **ok) == ()
    assert compile_gaps(review_due_on=date(2026, 3, 1), **ok) == (Gap.review_overdue,)
    assert compile_gaps(review_due_on=today, **ok) == ()  # due today is still within the date
    assert compile_gaps(**{**ok, "approved": False, "worker_participants": 0}, review_due_on=None) == (
        Gap.not_approved,
        Gap.no_worker_participation,
    )
    assert compile_gaps(**{**ok, "empty_documents": True}, review_due_on=date(2027, 1, 1)) == (Gap.document_empty,)
    assert compile_gaps(**{**ok, "published": False}, review_due_on=None) == (Gap.not_published,)
    assert one_year_later(date(2028, 2, 29)) == date(2029, 2, 28)


# --- the whole path --------------------------------------------------------------------------


def test_propose_discuss_at_meeting_merge_approve(client, world, session):
    a = world.a
    worker, leader, trainer, manager = (a.people[r] for r in ("worker", "leader", "trainer", "manager"))
    status = client.get(f"/api/posts/{a.post.id}/compile-status", headers=world.auth(worker)).json()
    assert status["compiled"] is False
    assert {g["code"] for g in status["missing"]} == {"not_approved", "no_worker_participation"}

    created = propose(client, world, photo=("p.jpg", tiny_jpeg(), "image/jpeg"), document="risks", line="R1")
    assert created.status_code == 201, created.text
    proposal = created.json()
    assert proposal["status"] == "open" and proposal["has_photo"] and proposal["line"] == "R1"
    photo = client.get(proposal["photo_url"], headers=world.auth(leader))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.content == tiny_jpeg()

    meeting = client.post("/api/meetings", json={"post_id": a.post.id}, headers=world.auth(leader)).json()
    assert client.post(f"/api/meetings/join/{meeting['code']}", headers=world.auth(worker)).status_code == 200
    listed = client.get(f"/api/posts/{a.post.id}/proposals?status=open", headers=world.auth(leader)).json()
    assert [p["id"] for p in listed] == [proposal["id"]]
    decided = client.post(
        f"/api/proposals/{proposal['id']}/decision",
        json={"status": "accepted", "note": "大家同意：积水先排净再测", "meeting_id": meeting["id"]},
        headers=world.auth(leader),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "accepted" and decided.json()["decided_by"] == leader.name

    draft = client.get(f"/api/posts/{a.post.id}/proposals/draft.yaml", headers=world.auth(trainer))
    assert draft.status_code == 200 and f"[{proposal['id']}]" in draft.text and "罐底积水" in draft.text

    merged = merge(client, world, [proposal["id"]])
    assert merged.status_code == 201, merged.text
    signed = merged.json()
    assert signed["version"] == 2 and signed["reviewed_by"] == trainer.name and signed["approved_by"] is None
    assert signed["compiled_by"] == [worker.name, leader.name]
    assert signed["worker_participants"] == 1 and signed["merged_proposals"] == [proposal["id"]]
    assert signed["published"] is False
    after = client.get(f"/api/proposals/{proposal['id']}", headers=world.auth(worker)).json()
    assert after["status"] == "merged" and after["merged_version"] == 2

    approved = client.post(f"/api/posts/{a.post.id}/versions/2/approve", json={}, headers=world.auth(manager))
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["approved_by"] == manager.name and body["published"] is True
    # 08:00 UTC is 16:00 in Chongqing, the same day; a year later is the review date
    assert body["effective_on"] == "2026-03-02" and body["review_due_on"] == "2027-03-02"

    detail = client.get(f"/api/posts/{a.post.id}", headers=world.auth(worker)).json()
    assert detail["version"] == 2
    assert detail["compiled_by"] == [worker.name, leader.name]
    assert (detail["reviewed_by"], detail["approved_by"]) == (trainer.name, manager.name)
    assert (detail["effective_on"], detail["review_due_on"]) == ("2026-03-02", "2027-03-02")
    assert detail["compile_status"]["compiled"] is True

    world.clock.advance(days=366)
    late = client.get(f"/api/posts/{a.post.id}/compile-status", headers=world.auth(worker)).json()
    assert [g["code"] for g in late["missing"]] == ["review_overdue"]

    exported = client.get(f"/api/cards/export?post_id={a.post.id}&format=yaml", headers=world.auth(worker))
    assert f"# 批准：{manager.name}" in exported.text and "# 下次评审：2027-03-02" in exported.text
    reimport = client.post(
        "/api/cards/import",
        files={"file": ("post-1.yaml", exported.content, "application/yaml")},
        headers=world.auth(trainer),
    )
    assert reimport.json()["posts"][0]["status"] == "unchanged"  # the signatures are not content


def test_signatures_in_the_workbook_do_not_change_the_content(client, world):
    a = world.a
    proposal = propose(client, world).json()
    client.post(
        f"/api/proposals/{proposal['id']}/decision", json={"status": "accepted"}, headers=world.auth(a.people["leader"])
    )
    assert merge(client, world, [proposal["id"]]).status_code == 201
    client.post(f"/api/posts/{a.post.id}/versions/2/approve", headers=world.auth(a.people["manager"]))
    book = client.get(f"/api/cards/export?post_id={a.post.id}&format=xlsx", headers=world.auth(a.people["trainer"]))
    assert book.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    assert a.people["manager"].name in load_workbook(BytesIO(book.content)).properties.description
    again = client.post(
        "/api/cards/import",
        files={"file": ("post-1.xlsx", book.content, "application/octet-stream")},
        headers=world.auth(a.people["trainer"]),
    )
    assert again.status_code == 200 and again.json()["posts"][0]["status"] == "unchanged"


def test_a_leader_decides_outside_a_meeting_and_a_rejection_needs_a_reason(client, world, session):
    proposal = propose(client, world).json()
    leader = world.auth(world.a.people["leader"])
    no_reason = client.post(f"/api/proposals/{proposal['id']}/decision", json={"status": "rejected"}, headers=leader)
    assert no_reason.status_code == 422 and "理由" in no_reason.json()["detail"]
    assert session.get(Proposal, proposal["id"]).status == "open"
    rejected = client.post(
        f"/api/proposals/{proposal['id']}/decision",
        json={"status": "rejected", "note": "检测仪有加长管，能测到罐底"},
        headers=leader,
    )
    assert rejected.status_code == 200 and rejected.json()["note"] == "检测仪有加长管，能测到罐底"
    mine = client.get("/api/me/proposals", headers=world.auth(world.a.people["worker"])).json()
    assert [(p["status"], p["status_label"]) for p in mine] == [("rejected", "不采纳")]
    refused = merge(client, world, [proposal["id"]])
    assert refused.status_code == 422 and "只能编入已采纳的建议" in refused.text


# --- approval rules --------------------------------------------------------------------------


def test_approval_needs_a_reviewer_and_another_person(client, world, session):
    a = world.a
    manager = a.people["manager"]
    # a version imported by the manager, without a reviewer
    imported = client.post(
        "/api/cards/import?publish=false",
        files={"file": ("post-1.yaml", changed_yaml(name="岗位一（修订）"), "application/yaml")},
        headers=world.auth(manager),
    )
    assert imported.status_code == 200
    no_reviewer = client.post(f"/api/posts/{a.post.id}/versions/2/approve", headers=world.auth(manager))
    assert no_reviewer.status_code == 409 and "还没有审核人" in no_reviewer.json()["detail"]
    reviewed = client.post(
        f"/api/posts/{a.post.id}/versions/2/review",
        json={"reason": "名称统一"},
        headers=world.auth(a.people["trainer"]),
    )
    assert reviewed.status_code == 200 and reviewed.json()["reviewed_by"] == a.people["trainer"].name
    own = client.post(f"/api/posts/{a.post.id}/versions/2/approve", headers=world.auth(manager))
    assert own.status_code == 409 and "不能自己批准自己的版本" in own.json()["detail"]
    assert session.exec(select(Proposal)).all() == []
    # the trainer may not approve at all, the worker may not review
    assert (
        client.post(f"/api/posts/{a.post.id}/versions/2/approve", headers=world.auth(a.people["trainer"])).status_code
        == 403
    )
    assert (
        client.post(f"/api/posts/{a.post.id}/versions/2/review", headers=world.auth(a.people["worker"])).status_code
        == 403
    )


def test_a_second_manager_approves_and_may_set_the_review_date(client, world, session):
    from app.org.models import Person, Role

    a = world.a
    other = Person(enterprise_id=a.enterprise.id, username="boss2", name="ENTA副总", role=Role.manager)
    session.add(other)
    session.commit()
    client.post(
        "/api/cards/import?publish=false",
        files={"file": ("post-1.yaml", changed_yaml(name="岗位一（修订）"), "application/yaml")},
        headers=world.auth(a.people["manager"]),
    )
    client.post(f"/api/posts/{a.post.id}/versions/2/review", headers=world.auth(a.people["trainer"]))
    past = client.post(
        f"/api/posts/{a.post.id}/versions/2/approve", json={"review_due_on": "2026-03-01"}, headers=world.auth(other)
    )
    assert past.status_code == 422
    ok = client.post(
        f"/api/posts/{a.post.id}/versions/2/approve", json={"review_due_on": "2026-09-01"}, headers=world.auth(other)
    )
    assert ok.status_code == 200 and ok.json()["review_due_on"] == "2026-09-01"
    again = client.post(f"/api/posts/{a.post.id}/versions/2/approve", headers=world.auth(other))
    assert again.status_code == 409
    status = client.get(f"/api/posts/{a.post.id}/compile-status", headers=world.auth(other)).json()
    assert [g["code"] for g in status["missing"]] == ["no_worker_participation"]  # approved, but no worker took part


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "photo", "status", "words"),
    [
        ({"text": "   "}, None, 422, "不能为空"),
        ({"kind": "complaint"}, None, 422, "不是可选的值"),
        ({"document": "risks", "line": "R9"}, None, 422, "没有第“R9”条"),
        ({}, ("x.jpg", b"%PDF-1.4 pretending", "image/jpeg"), 422, "不是照片"),
        ({}, ("big.jpg", tiny_jpeg() + bytes(MAX_PHOTO_BYTES), "image/jpeg"), 422, "超过"),
    ],
)
def test_bad_proposals_are_refused_and_nothing_is_stored(client, world, session, fields, photo, status, words):
    answer = propose(client, world, photo=photo, **fields)
    assert answer.status_code == status, answer.text
    assert words in answer.text
    assert session.exec(select(Proposal)).all() == [] and session.exec(select(ProposalPhoto)).all() == []


def test_only_people_on_the_post_propose(client, world, session):
    answer = propose(client, world, person=world.a.people["trainer"])  # the trainer is not on the post
    assert answer.status_code == 404 and "不在这个岗位" in answer.json()["detail"]
    other = client.post(
        f"/api/posts/{world.a.post.id}/proposals",
        data={"kind": "hazard", "text": "别家的岗位"},
        headers=world.auth(world.b.people["worker"]),
    )
    assert other.status_code == 404
    assert session.exec(select(Proposal)).all() == []


def test_roles_and_tenancy_on_proposals(client, world):
    proposal = propose(client, world, photo=("p.png", tiny_png(), "image/png")).json()
    pid = proposal["id"]
    b = world.b.people
    for person in (b["manager"], b["trainer"], b["leader"], b["worker"]):
        assert client.get(f"/api/proposals/{pid}", headers=world.auth(person)).status_code == 404
        assert client.get(f"/api/proposals/{pid}/photo", headers=world.auth(person)).status_code == 404
    assert client.get(f"/api/proposals/{pid}/photo", headers=world.auth(world.regulator)).status_code == 404
    worker = world.auth(world.a.people["worker"])
    assert client.get(f"/api/posts/{world.a.post.id}/proposals", headers=worker).status_code == 403
    decision = {"status": "accepted", "note": "好"}
    assert client.post(f"/api/proposals/{pid}/decision", json=decision, headers=worker).status_code == 403
    manager = world.auth(world.a.people["manager"])
    assert client.post(f"/api/proposals/{pid}/decision", json=decision, headers=manager).status_code == 403
    assert client.get(f"/api/posts/{world.a.post.id}/proposals", headers=manager).status_code == 200
    assert merge(client, world, [pid], trainer=world.a.people["leader"]).status_code == 403


def test_a_leader_of_another_team_neither_reads_nor_decides(client, world, session):
    from app.org.models import Department, Person, Role

    team = Department(enterprise_id=world.a.enterprise.id, name="二班")
    session.add(team)
    session.flush()
    other_leader = Person(
        enterprise_id=world.a.enterprise.id, username="leader2", name="二班长", role=Role.leader, department_id=team.id
    )
    session.add(other_leader)
    session.commit()
    pid = propose(client, world).json()["id"]
    headers = world.auth(other_leader)
    assert client.get(f"/api/posts/{world.a.post.id}/proposals", headers=headers).status_code == 403
    assert client.get(f"/api/proposals/{pid}", headers=headers).status_code == 404
    assert (
        client.post(f"/api/proposals/{pid}/decision", json={"status": "accepted"}, headers=headers).status_code == 404
    )


def test_merge_refuses_a_file_of_another_post_or_unchanged_content(client, world, session):
    pid = propose(client, world).json()["id"]
    client.post(
        f"/api/proposals/{pid}/decision", json={"status": "accepted"}, headers=world.auth(world.a.people["trainer"])
    )
    other = merge(client, world, [pid], content=changed_yaml(code="post-9"))
    assert other.status_code == 422 and "不是本岗位" in other.text
    same = merge(client, world, [pid], content=dump_yaml(minimal_post()))
    assert same.status_code == 422 and "完全相同" in same.text
    no_reason = merge(client, world, [pid], reason=" ")
    assert no_reason.status_code == 422 and "修订原因" in no_reason.text
    assert world.a.post.latest_version == 1 and session.get(Proposal, pid).status == "accepted"
    assert session.exec(select(VersionParticipant)).all() == []


# --- offline replay --------------------------------------------------------------------------


def test_an_offline_proposal_replayed_counts_once(client, world, session):
    first = propose(client, world, client_id="prop-abc")
    again = propose(client, world, client_id="prop-abc")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert len(session.exec(select(Proposal)).all()) == 1
    # another person's identical client_id is theirs
    from app.cards.models import Post  # noqa: F401
    from app.org.models import PersonPost

    session.add(PersonPost(person_id=world.a.people["leader"].id, post_id=world.a.post.id))
    session.commit()
    theirs = propose(client, world, person=world.a.people["leader"], client_id="prop-abc")
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


def test_the_demo_has_compiled_key_posts_and_one_that_is_not(session):
    from app.cards.models import Post
    from app.db import utcnow
    from app.demo import load_demo
    from app.security import make_password_hasher
    from app.settings import Settings

    hasher = make_password_hasher(Settings(argon2_time_cost=1, argon2_memory_kib=256))
    load_demo(session, hasher=hasher, now=utcnow())
    session.commit()
    load_demo(session, hasher=hasher, now=utcnow())  # again: nothing changes, nothing breaks
    session.commit()
    posts = session.exec(select(Post)).all()
    statuses = {p.code: compile_status(session, p, now=utcnow()) for p in posts}
    assert sum(s.compiled for s in statuses.values()) >= 2
    assert any(not s.compiled for s in statuses.values())
    assert len(session.exec(select(Proposal)).all()) >= 3


def test_import_posts_keeps_signatures_off_the_content(world, session):
    [outcome] = import_posts(
        session,
        enterprise_id=world.a.enterprise.id,
        posts=[(minimal_post(), "post-1.yaml")],
        actor=None,
        now=world.clock(),
        publish=True,
    )
    assert outcome.status == "unchanged"


# --- pages -----------------------------------------------------------------------------------


def page_login(client, username: str) -> str:
    csrf = client.get("/login").cookies.get("pd_csrf") or client.cookies.get("pd_csrf")
    client.post(
        "/login", data={"enterprise_code": "ENTA", "username": username, "password": "pass1234word", "csrf_token": csrf}
    )
    return client.cookies.get("pd_csrf")


def test_the_pages_walk_the_same_path(client, world, session):
    html = {"accept": "text/html"}
    csrf = page_login(client, "worker")
    form = client.get(f"/posts/{world.a.post.id}/propose", headers=html)
    assert form.status_code == 200 and "提交建议" in form.text and len(form.content) < 60_000
    empty = client.post(
        f"/posts/{world.a.post.id}/propose",
        data={"csrf_token": csrf, "kind": "hazard", "document": "risks", "text": "  "},
        headers=html,
    )
    assert empty.status_code == 422 and "不能为空" in empty.text
    sent = client.post(
        f"/posts/{world.a.post.id}/propose",
        data={"csrf_token": csrf, "kind": "step", "document": "operation", "line": "S1", "text": "罐底也要测"},
        files={"photo": ("p.jpg", tiny_jpeg(), "image/jpeg")},
        headers=html,
        follow_redirects=True,
    )
    assert sent.status_code == 200 and "建议已提交" in sent.text and "罐底也要测" in sent.text
    [proposal] = session.exec(select(Proposal)).all()
    client.cookies.clear()

    csrf = page_login(client, "leader")
    meeting = client.post(
        "/api/meetings", json={"post_id": world.a.post.id}, headers=world.auth(world.a.people["leader"])
    ).json()
    screen = client.get(f"/meetings/{meeting['id']}", headers=html)
    assert "员工对卡片的建议" in screen.text and "罐底也要测" in screen.text
    decided = client.post(
        f"/proposals/{proposal.id}/decision",
        data={
            "csrf_token": csrf,
            "status": "accepted",
            "note": "同意",
            "meeting_id": meeting["id"],
            "next": f"/meetings/{meeting['id']}",
        },
        headers=html,
        follow_redirects=False,
    )
    assert decided.status_code == 303 and decided.headers["location"] == f"/meetings/{meeting['id']}"
    client.cookies.clear()

    csrf = page_login(client, "trainer")
    merge_form = client.get(f"/cards/{world.a.post.id}/merge", headers=html)
    assert "罐底也要测" in merge_form.text and "draft.yaml" in merge_form.text
    merged = client.post(
        f"/cards/{world.a.post.id}/merge",
        data={"csrf_token": csrf, "proposal_ids": [str(proposal.id)], "reason": "补充罐底检测"},
        files={"file": ("post-1.yaml", changed_yaml(duties=new_duties()), "application/yaml")},
        headers=html,
        follow_redirects=False,
    )
    assert merged.status_code == 303, merged.text
    client.cookies.clear()

    csrf = page_login(client, "manager")
    versions = client.get(f"/cards/{world.a.post.id}/versions?number=2", headers=html)
    assert "批准第2版" in versions.text and world.a.people["trainer"].name in versions.text
    approved = client.post(
        f"/cards/{world.a.post.id}/versions/2/approve", data={"csrf_token": csrf}, headers=html, follow_redirects=True
    )
    assert approved.status_code == 200 and "已批准" in approved.text
    printed = client.get(f"/posts/{world.a.post.id}/print", headers=html)
    assert f"批准：{world.a.people['manager'].name}" in printed.text and "复审 2027-03-02" in printed.text
    listing = client.get("/proposals", headers=html)
    assert "已编制" in listing.text


def test_an_outdated_version_is_not_approved_back_into_use(client, world):
    a = world.a
    trainer, manager = world.auth(a.people["trainer"]), world.auth(a.people["manager"])
    for name in ("岗位一（二）", "岗位一（三）"):
        client.post(
            "/api/cards/import",
            files={"file": ("post-1.yaml", changed_yaml(name=name), "application/yaml")},
            headers=trainer,
        )
    client.post(f"/api/posts/{a.post.id}/versions/2/review", headers=trainer)
    old = client.post(f"/api/posts/{a.post.id}/versions/2/approve", headers=manager)
    assert old.status_code == 409 and "已过时" in old.json()["detail"]
    assert client.get(f"/api/posts/{a.post.id}", headers=manager).json()["version"] == 3
