"""A live knowledge competition on a projector and three phones: the trainer creates it, opens the
host screen; three workers join (the QR link, and the code box), answer each question (one always
right, one right only on the first, one always wrong), the host ends each question, the reveal
shows the answer, and the podium shows them in that order. Then a short window-mode run on a phone.

The answer keys are read from the app's own database, so each phone answers right or wrong on
purpose; the pages themselves never show a key before the answer."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot
from tests.e2e.test_meeting import demo_name

pytestmark = pytest.mark.browser

PROJECTOR = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN"}


def api_headers(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "pd_csrf")
    return {"X-CSRF-Token": csrf}


def create_competition(page, **fields: object) -> dict:  # type: ignore[no-untyped-def]
    post_id = page.request.get("/api/posts").json()[0]["id"]
    now = datetime.now(UTC)
    body = {
        "title": "两单两卡知识竞赛",
        "post_ids": [post_id],
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
        **fields,
    }
    made = page.request.post("/api/competitions", data=body, headers=api_headers(page))
    assert made.status == 201, made.text()
    return made.json()


class Keys:
    """The stored question rows (type, options, answer) by id, read from the app's database."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    def question(self, question_id: int) -> dict:
        with self.engine.connect() as connection:
            row = connection.execute(
                text("SELECT type, options, answer FROM round_question WHERE id = :id"), {"id": question_id}
            ).one()

        def decode(value: object) -> list:
            return json.loads(value) if isinstance(value, str) else value  # type: ignore[return-value]

        return {"type": row.type, "options": decode(row.options), "answer": decode(row.answer)}


def answer(page, keys: Keys, *, right: bool) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("form.question")
    expect(form).to_be_visible(timeout=10_000)
    question = keys.question(int(form.locator("input[name=question_id]").get_attribute("value")))
    key = question["answer"]
    others = [o["key"] for o in question["options"] if o["key"] not in key]
    if question["type"] in ("single", "judge"):
        form.locator(f"button.answer-button[value='{key[0] if right else others[0]}']").click()
        return
    if question["type"] == "multi":
        for choice in key if right else others[:1]:
            form.locator(f"input[name=choice][value='{choice}']").check()
    elif question["type"] == "order":
        order = key if right else list(reversed(key))
        for position, option_key in enumerate(order, start=1):
            form.locator("label.option.order", has=page.locator(f"input[value='{option_key}']")).locator(
                "select"
            ).select_option(str(position))
    else:
        form.locator("input[name=text]").fill(key[0] if right else "不知道")
    form.get_by_role("button", name="提交").click()


def test_a_live_competition_from_lobby_to_podium(browser, live_server, live_database):
    keys = Keys(live_database)
    host_context = browser.new_context(**PROJECTOR, base_url=live_server)
    contexts = [host_context]
    try:
        host = host_context.new_page()
        host.on("dialog", lambda dialog: dialog.accept())
        log_in(host, "DEMO", "trainer")
        host.wait_for_url("**/")
        made = create_competition(host, mode="live", question_count=3, seconds_per_question=60)
        code = made["join_code"]
        host.goto(f"/contests/{made['id']}/host")
        expect(host.locator(".stage-state[data-phase=lobby]")).to_be_visible()
        expect(host.locator(".join-panel .qr svg")).to_be_visible()
        expect(host.locator(".join-panel .contest-code")).to_have_text(f"{code[:3]} {code[3:]}")

        # three workers: two open the QR link, one types the code on the competitions page
        phones = {}
        for number in (1, 2, 3):
            context = browser.new_context(**browser.phone_profile, base_url=live_server, locale="zh-CN")
            contexts.append(context)
            page = context.new_page()
            if number < 3:
                page.goto(made["join_url"])  # not logged in yet: the login comes back here
                page.get_by_label("企业编码").fill("DEMO")
                page.get_by_label("用户名").fill(f"worker{number:02d}")
                page.get_by_label("密码").fill("demo12345")
                page.get_by_role("button", name="登录").click()
                page.wait_for_url(f"**/c/{code}")
                if number == 1:
                    screenshot(page, "contest-phone-join")
                    assert_fits_the_phone(page)
                page.get_by_role("button", name="加入比赛").click()
            else:
                log_in(page, "DEMO", f"worker{number:02d}")
                page.wait_for_url("**/")
                page.get_by_role("link", name="知识竞赛").first.click()
                page.get_by_label("输入比赛码").fill(f"{code[:3]} {code[3:]}")
                page.get_by_role("button", name="进入比赛").click()  # a live game: joined at once
            expect(page.locator("#me")).to_contain_text("已加入", timeout=10_000)
            phones[number] = page
        screenshot(phones[1], "contest-phone-lobby")
        expect(host.locator(".host-count .participants")).to_have_text("3", timeout=10_000)
        screenshot(host, "contest-host-lobby", full_page=False)

        # 1 answers every question right, 2 only the first, 3 none
        plan = {1: (True, True, True), 2: (True, False, False), 3: (False, False, False)}
        for position in (1, 2, 3):
            host.get_by_role("button", name="开始" if position == 1 else "下一题").click()
            expect(host.locator(".stage-state[data-phase=question]")).to_be_visible()
            expect(host.locator(".host-head")).to_contain_text(f"第 {position}/3 题")
            assert host.locator(".host-option.is-answer").count() == 0
            if position == 1:
                expect(phones[1].locator("form.question")).to_be_visible(timeout=10_000)
                screenshot(phones[1], "contest-phone-question")
                assert_fits_the_phone(phones[1])
            for number, page in phones.items():
                answer(page, keys, right=plan[number][position - 1])
                expect(page.locator("#me")).to_contain_text("已作答，等待下一题")
                if number == 1 and position == 1:
                    screenshot(page, "contest-phone-answered")
            if position == 1:
                screenshot(host, "contest-host-question", full_page=False)
            expect(host.locator(".host-count .answered")).to_have_text("3", timeout=10_000)
            host.get_by_role("button", name="提前结束本题").click()
            expect(host.locator(".stage-state[data-phase=reveal]")).to_be_visible()
            expect(host.locator(".top-line")).to_have_count(3)
            for number, page in phones.items():
                verdict = "答对了" if plan[number][position - 1] else "答错了"
                expect(page.locator(".verdict")).to_contain_text(verdict, timeout=10_000)
            if position == 1:
                screenshot(host, "contest-host-reveal", full_page=False)
                screenshot(phones[1], "contest-phone-right")
                screenshot(phones[3], "contest-phone-wrong")
                assert_fits_the_phone(phones[1])

        # the screens ran on the event stream, not on the polling fallback
        assert host.locator("#stage").get_attribute("data-polling") is None
        assert phones[1].locator("#play").get_attribute("data-polling") is None
        host.get_by_role("button", name="公布名次").click()
        podium = host.locator(".podium")
        expect(podium).to_be_visible()
        for place, number in ((1, 1), (2, 2), (3, 3)):
            expect(podium.locator(f".step-{place} .who")).to_have_text(demo_name(number))
        screenshot(host, "contest-host-podium", full_page=False)
        for number, page in phones.items():
            expect(page.locator("#me")).to_contain_text("比赛结束", timeout=10_000)
            expect(page.locator(".my-rank")).to_have_text(str(number))
        screenshot(phones[2], "contest-phone-podium")
        assert_fits_the_phone(phones[2])

        board = host_context.new_page()
        board.goto(f"/contests/{made['id']}/board")
        expect(board.locator(".board-line .name")).to_have_text([demo_name(1), demo_name(2), demo_name(3)])
        board.get_by_role("link", name="班组").click()
        expect(board.locator(".board-line").first).to_be_visible()
        screenshot(board, "contest-board-team", full_page=False)
    finally:
        for context in contexts:
            context.close()


def test_a_window_competition_on_a_phone(browser, live_server, live_database, phone):
    keys = Keys(live_database)
    log_in(phone, "DEMO", "trainer")
    phone.wait_for_url("**/")
    made = create_competition(phone, mode="window", question_count=3, seconds_per_question=30, attempts_allowed=2)
    phone.context.clear_cookies()
    log_in(phone, "DEMO", "worker04")
    phone.wait_for_url("**/")
    phone.goto(f"/c/{made['join_code']}")
    phone.get_by_role("button", name="开始答题").click()
    for number, right in enumerate((True, False, True), start=1):
        expect(phone.locator(".progress-count")).to_have_text(f"{number - 1}/3")
        expect(phone.locator(".countdown")).to_contain_text("剩余 1:")
        if number == 1:
            screenshot(phone, "contest-window-question")
            assert_fits_the_phone(phone)
        form = phone.locator("form.question")
        question = keys.question(int(form.locator("input[name=question_id]").get_attribute("value")))
        key = question["answer"]
        if question["type"] == "fill":
            form.locator("input[name=text]").fill(key[0] if right else "不知道")
        elif question["type"] == "order":
            order = key if right else list(reversed(key))
            for position, option_key in enumerate(order, start=1):
                form.locator("label.option.order", has=phone.locator(f"input[value='{option_key}']")).locator(
                    "select"
                ).select_option(str(position))
        else:
            wanted = key if right else [next(o["key"] for o in question["options"] if o["key"] not in key)]
            for choice in wanted:
                form.locator(f"input[name=choice][value='{choice}']").check()
        form.locator("button[type=submit]").click()
        if number < 3:
            expect(phone.locator(".quick-verdict")).to_contain_text("答对了" if right else "答错了")
    result = phone.locator(".window-result")
    expect(result).to_contain_text("20 分")
    expect(result).to_contain_text("答对 2/3 题")
    expect(phone.locator(".my-rank")).to_have_text("1")
    expect(phone.get_by_role("button", name="再答一次")).to_be_visible()
    screenshot(phone, "contest-window-result")
    assert_fits_the_phone(phone)
