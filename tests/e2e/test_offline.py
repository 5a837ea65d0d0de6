"""On a phone with no signal: after one online visit of /drill the service worker and the saved
posts let the worker review a flashcard and run the finger-point-and-say offline; both wait in the
queue ("待同步 2 条") and reach the server, once, when the network is back."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot

pytestmark = pytest.mark.browser


def test_offline_review_and_checklist_sync_once_back_online(browser, live_server):
    # A context of its own: service workers are per context, and this one must start with none.
    context = browser.new_context(
        **browser.phone_profile, base_url=live_server, locale="zh-CN", service_workers="allow"
    )
    page = context.new_page()
    try:
        log_in(page, "DEMO", "worker05")
        page.wait_for_url("**/")
        page.goto("/drill")
        flashcards_url = page.locator("a.button.primary", has_text="复习").first.get_attribute("href")
        post_id = int(re.match(r"/drill/(\d+)/flashcards", flashcards_url or "")[1])
        # The worker controls the page and the post data is saved: this phone is ready for no signal.
        page.wait_for_function(
            "() => navigator.serviceWorker.controller !== null && !!document.documentElement.dataset.offlineSaved"
        )

        context.set_offline(True)
        page.goto(flashcards_url)  # the same address, answered by the service worker's offline shell
        expect(page.locator(".quiz-head")).to_contain_text("离线")
        expect(page.locator("#net-status")).to_be_visible()
        page.get_by_role("button", name="显示答案").click()
        page.get_by_role("button", name="良好").click()
        expect(page.locator("#sync-badge")).to_have_text("待同步 1 条")
        card_id = page.evaluate("() => PostDrill.pending()[0].body.card_id")

        page.goto(f"/drill/{post_id}/checklist")
        page.get_by_role("button", name="开始").click()
        for _ in range(page.locator("#step-list li").count()):
            page.get_by_role("button", name="确认").click()
        expect(page.locator("#step-done")).to_contain_text("联网后自动上传")
        expect(page.locator("#sync-badge")).to_have_text("待同步 2 条")
        expect(page.locator("#sync-list li")).to_have_count(2)
        assert_fits_the_phone(page)
        screenshot(page, "offline-queued")

        page.goto("/quiz")  # online-only, and it says so
        expect(page.locator("#offline-app")).to_contain_text("需要联网")
        expect(page.locator("#sync-count")).to_have_text("待同步 2 条")

        context.set_offline(False)  # the page hears "online" and sends the queue
        expect(page.locator("#sync-count")).to_have_text("待同步 0 条")
        expect(page.locator("#sync-bar")).to_be_hidden()
        due = page.request.get(f"/api/drill/flashcards?post_id={post_id}&due=true").json()
        assert card_id not in {card["id"] for card in due}
        page.goto("/drill")
        expect(page.locator("main")).to_contain_text("今天已复习 1 /")  # counted once
        worker_name = page.locator(".topbar .who").evaluate("node => node.firstChild.textContent.trim()")
        trainer_context = browser.new_context(**browser.phone_profile, base_url=live_server, locale="zh-CN")
        try:
            trainer = trainer_context.new_page()
            log_in(trainer, "DEMO", "trainer")
            trainer.wait_for_url("**/")
            trainer.goto("/drill/signoff")
            expect(trainer.locator("section.card h2", has_text=worker_name)).to_have_count(1)  # the run, once
        finally:
            trainer_context.close()
    finally:
        context.close()
