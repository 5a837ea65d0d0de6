"""On phones: one finger-point-and-say run, waiting in the worker's queue and then on the leader's
sign-off page, shows the same local time on both (the enterprise's zone, Asia/Shanghai)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot

pytestmark = pytest.mark.browser


def test_a_run_shows_the_same_local_time_in_the_workers_queue_and_on_the_leaders_page(browser, live_server):
    worker_context = browser.new_context(
        **browser.phone_profile, base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    leader_context = browser.new_context(
        **browser.phone_profile, base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    try:
        worker = worker_context.new_page()
        log_in(worker, "DEMO", "worker13")
        worker.wait_for_url("**/")
        worker_name = worker.locator(".topbar .who").evaluate("node => node.firstChild.textContent.trim()")
        worker.goto("/drill")
        worker.get_by_role("link", name="手指口述").first.click()
        worker.wait_for_selector("#step-confirm")
        # A weak signal: the run cannot be sent, so it waits in the phone's queue.
        worker.route("**/api/drill/checklists/*/runs", lambda route: route.abort())
        worker.route("**/api/drill/sync", lambda route: route.abort())
        worker.get_by_role("button", name="开始").click()
        for _ in range(worker.locator("#step-list li").count()):
            worker.get_by_role("button", name="确认").click()
        expect(worker.locator("#step-done")).to_contain_text("联网后自动上传")
        first_confirmation = worker.evaluate("() => PostDrill.pending()[0].body.items[0].confirmed_at")
        started = datetime.fromisoformat(first_confirmation.replace("Z", "+00:00"))
        shown = started.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%m-%d %H:%M")

        worker.goto("/drill/offline")
        expect(worker.locator("#sync-list li").first).to_contain_text(f"{shown} 开始")
        assert_fits_the_phone(worker)
        screenshot(worker, "times-worker-queue")

        worker.unroute("**/api/drill/checklists/*/runs")
        worker.unroute("**/api/drill/sync")
        worker.locator("#sync-now").click()
        expect(worker.locator("#sync-count")).to_have_text("待同步 0 条")

        leader = leader_context.new_page()
        log_in(leader, "DEMO", "leader")
        leader.wait_for_url("**/")
        leader.goto("/drill/signoff")
        run = leader.locator("section.card", has=leader.locator("h2", has_text=worker_name))
        expect(run).to_contain_text(f"{shown} 开始")
        assert_fits_the_phone(leader)
        screenshot(leader, "times-leader-signoff")
    finally:
        worker_context.close()
        leader_context.close()
