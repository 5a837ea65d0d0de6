"""On a phone: a flashcard session, and a finger-point-and-say run signed off by the team leader
from a second phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot

pytestmark = pytest.mark.browser


def test_a_flashcard_session(phone):
    log_in(phone, "DEMO", "worker04")
    phone.wait_for_url("**/")
    phone.goto("/drill")
    phone.locator("a.button.primary", has_text="复习").first.click()
    phone.wait_for_selector(".flashcard .front")
    first_front = phone.locator(".flashcard .front").inner_text()
    assert_fits_the_phone(phone)
    screenshot(phone, "flashcard-front")
    phone.get_by_role("link", name="显示答案").click()
    phone.wait_for_selector(".flashcard .back")
    # where the card comes from, in the card's own words: never a path like "risks[R1]"
    source = phone.locator(".flashcard .source").inner_text()
    assert re.match(r"^出处：(岗位风险清单|岗位职责清单|岗位操作卡|口诀|应急处置卡) · \S", source), source
    assert not re.search(r"[\[\]]|risks|steps|scenarios|duties|mnemonics", source), source
    assert_fits_the_phone(phone)
    screenshot(phone, "flashcard-back")
    phone.get_by_role("button", name="良好").click()
    expect(phone.locator(".quiz-head")).to_contain_text("今天 1/")
    assert phone.locator(".flashcard .front").inner_text() != first_front


def test_a_checklist_run_survives_a_reload_and_is_signed_off_from_the_leaders_phone(browser, live_server, phone):
    log_in(phone, "DEMO", "worker07")
    phone.wait_for_url("**/")
    phone.goto("/drill")
    phone.get_by_role("link", name="手指口述").first.click()
    phone.wait_for_selector("#step-confirm")
    points = phone.locator("#step-list li").all_inner_texts()
    total = len(points)
    assert total >= 6
    phone.get_by_role("button", name="开始").click()
    expect(phone.locator("#step-count")).to_have_text(f"1/{total}")  # on the first item, "1/…"
    for _ in range(5):
        phone.get_by_role("button", name="确认").click()
    # on the sixth item the counter says so (it used to say 5/9)
    expect(phone.locator("#step-count")).to_have_text(f"6/{total}")
    expect(phone.locator("#step-phase")).to_contain_text("第 6 条")
    assert_fits_the_phone(phone)
    screenshot(phone, "checklist-step")

    phone.reload()  # a call, a locked screen, a reload: the run carries on where it was
    expect(phone.locator("#step-count")).to_have_text(f"6/{total}")
    expect(phone.locator("#step-done")).to_contain_text("接着上次做：前 5 条已确认，现在是第 6 条")
    assert points[5].startswith(phone.locator("#step-point").inner_text())
    screenshot(phone, "checklist-resumed")
    for _ in range(total - 5):
        phone.get_by_role("button", name="确认").click()
    expect(phone.locator("#step-done")).to_contain_text("已保存")
    # after the last item the card itself says what happens next
    expect(phone.locator("#step-say")).to_contain_text("请班组长到现场看你做")
    expect(phone.locator("#step-done")).to_contain_text("班组长签认时要再次确认")  # the taps were instant
    assert_fits_the_phone(phone)
    screenshot(phone, "checklist-done")
    run_number = phone.locator("#step-done").inner_text().split("记录号 ")[1].split("）")[0]
    phone.reload()  # a finished run is not resumed
    expect(phone.locator("#step-confirm")).to_have_text("开始")

    leader_context = browser.new_context(**browser.phone_profile, base_url=live_server, locale="zh-CN")
    leader = leader_context.new_page()
    try:
        log_in(leader, "DEMO", "leader")
        leader.wait_for_url("**/")
        leader.goto("/drill/signoff")
        run = leader.locator("section.card", has=leader.locator(f"form[action='/drill/runs/{run_number}/signoff']"))
        expect(run).to_contain_text(f"{total} 条")
        expect(run.locator(".item-times li")).to_have_count(total)  # each item's own time
        expect(run.locator(".item-times li.quick").first).to_contain_text("秒")
        expect(run).to_contain_text("太快")
        assert_fits_the_phone(leader)
        screenshot(leader, "signoff-list")
        run.get_by_role("button", name="再次确认，签认").click()  # not without saying so
        assert leader.url.endswith("/drill/signoff") and run.is_visible()
        run.get_by_label("用时太短，但我确实在现场看着员工逐条指认、口述").check()
        run.get_by_role("button", name="再次确认，签认").click()
        leader.wait_for_url("**/drill/signoff")
        expect(leader.locator(f"form[action='/drill/runs/{run_number}/signoff']")).to_have_count(0)
    finally:
        leader_context.close()
