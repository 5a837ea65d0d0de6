"""On a phone: a flashcard session, and a finger-point-and-say run signed off by the team leader
from a second phone."""

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
    screenshot(phone, "flashcard-back")
    phone.get_by_role("button", name="良好").click()
    expect(phone.locator(".quiz-head")).to_contain_text("今天 1/")
    assert phone.locator(".flashcard .front").inner_text() != first_front


def test_a_checklist_run_signed_off_from_the_leaders_phone(browser, live_server, phone):
    log_in(phone, "DEMO", "worker07")
    phone.wait_for_url("**/")
    phone.goto("/drill")
    phone.get_by_role("link", name="手指口述").first.click()
    phone.wait_for_selector("#step-confirm")
    phone.get_by_role("button", name="开始").click()
    total = phone.locator("#step-list li").count()
    assert total >= 6
    screenshot(phone, "checklist-step")
    assert_fits_the_phone(phone)
    for _ in range(total):
        phone.get_by_role("button", name="确认").click()
    expect(phone.locator("#step-done")).to_contain_text("已保存")
    run_number = phone.locator("#step-done").inner_text().split("记录号 ")[1].split("）")[0]

    leader_context = browser.new_context(**browser.phone_profile, base_url=live_server, locale="zh-CN")
    leader = leader_context.new_page()
    try:
        log_in(leader, "DEMO", "leader")
        leader.wait_for_url("**/")
        leader.goto("/drill/signoff")
        run = leader.locator("section.card", has=leader.locator(f"form[action='/drill/runs/{run_number}/signoff']"))
        expect(run).to_contain_text(f"{total} 条")
        screenshot(leader, "signoff-list")
        run.get_by_role("button", name="签认").click()
        leader.wait_for_url("**/drill/signoff")
        assert leader.locator(f"form[action='/drill/runs/{run_number}/signoff']").count() == 0
    finally:
        leader_context.close()
