"""A worker opens their post on a phone and goes through every tab of the 两单两卡."""

import pytest

from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot

pytestmark = pytest.mark.browser

TABS = [
    ("风险", "岗位风险清单"),
    ("职责", "岗位职责清单"),
    ("操作", "岗位操作卡"),
    ("应急", "岗位应急处置卡"),
    ("口诀", "口诀"),
]


def test_worker_opens_a_post_and_each_tab(phone):
    log_in(phone, "DEMO", "worker01")
    phone.wait_for_url("**/")
    phone.locator(".post-list a, .list a.row-link").first.click()
    phone.wait_for_selector("nav.tabs")
    assert phone.locator(".badge.level-orange, .badge.level-red, .badge.level-yellow, .badge.level-blue").count() > 0
    for label, heading in TABS:
        phone.get_by_role("link", name=label, exact=True).click()
        phone.wait_for_selector(f"nav.tabs a.active:text-is('{label}')")
        assert phone.get_by_role("heading", name=heading).first.is_visible()
        assert_fits_the_phone(phone)
        screenshot(phone, f"post-tab-{label}")
    assert "tab=mnemonics" in phone.url  # htmx pushed the tab into the address bar
    phone.reload()
    assert phone.locator("nav.tabs a.active").inner_text() == "口诀"


def test_search_finds_a_line_of_the_cards(phone):
    log_in(phone, "DEMO2", "worker05")
    phone.wait_for_url("**/")
    phone.goto("/posts")
    phone.get_by_role("searchbox", name="搜索卡片").fill("呼吸器")
    phone.wait_for_selector("#search-results li.hit")
    assert phone.locator("#search-results li.hit").count() >= 1
    assert_fits_the_phone(phone)
    screenshot(phone, "cards-search")


def test_the_emergency_card_says_who_does_each_step_and_where_to_go(phone):
    log_in(phone, "DEMO", "worker01")
    phone.wait_for_url("**/")
    phone.locator(".post-list a, .list a.row-link").first.click()
    phone.wait_for_selector("nav.tabs")
    phone.get_by_role("link", name="应急", exact=True).click()
    phone.wait_for_selector("nav.tabs a.active:text-is('应急')")
    first = phone.locator("article.scenario").first
    assert first.locator("ol.actions li .doer").count() == first.locator("ol.actions li").count() > 0
    for label in ("撤离路线", "集合点", "应急物资", "报告内容"):
        assert first.locator(f".label:text-is('{label}')").is_visible(), label
    # The doer tag is a label beside the step, not a line of its own: the step text starts on its row.
    tag, step = (
        first.locator("ol.actions li .doer").first.bounding_box(),
        first.locator("ol.actions li").first.bounding_box(),
    )
    assert tag is not None and step is not None and tag["height"] < step["height"] + 1 and tag["y"] - step["y"] < 8
    assert_fits_the_phone(phone)
    screenshot(phone, "post-emergency-who", full_page=False)
    first.locator(".label:text-is('报告内容')").scroll_into_view_if_needed()
    screenshot(phone, "post-emergency-where", full_page=False)
    phone.get_by_role("link", name="风险", exact=True).click()
    phone.wait_for_selector("nav.tabs a.active:text-is('风险')")
    badge = phone.locator(".badge[class*='level-']").first.inner_text()
    assert badge.endswith(("· 红", "· 橙", "· 黄", "· 蓝")), badge
    assert phone.locator(".holder .label:text-is('管控层级')").first.is_visible()
    screenshot(phone, "post-risks-holder", full_page=False)
