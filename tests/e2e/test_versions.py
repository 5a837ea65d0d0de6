"""A trainer uploads a post with one word changed and reviews the draft on a phone: the diff names
the card, the item and the line, before and after, in the card's own words."""

import pytest
from playwright.sync_api import expect

from app.cards.bank import bank_files
from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot

pytestmark = pytest.mark.browser


def test_a_one_word_change_reads_as_one_changed_line(phone):
    source = next(p for p in bank_files() if p.stem == "forklift").read_text(encoding="utf-8")
    assert "- 按厂区限速标志行驶，人车分道" in source
    changed = source.replace("- 按厂区限速标志行驶，人车分道", "- 按厂区限速标志低速行驶，人车分道", 1)
    log_in(phone, "DEMO2", "trainer")
    phone.wait_for_url("**/")
    phone.goto("/cards")
    phone.locator("input[type=file]").set_input_files(
        files=[{"name": "forklift.yaml", "mimeType": "application/yaml", "buffer": changed.encode("utf-8")}]
    )
    phone.get_by_role("button", name="上传并检查").click()
    phone.get_by_role("link", name="查看改动并发布").click()
    phone.wait_for_selector(".changes")
    change = phone.locator("li.change")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("岗位风险清单 R1")
    expect(change).to_contain_text("厂内行驶")
    line = change.locator("li.line")
    expect(line).to_have_count(1)
    expect(line.locator(".field")).to_have_text("管理措施")
    expect(line.locator("del")).to_contain_text("按厂区限速标志行驶，人车分道")
    expect(line.locator("ins")).to_contain_text("按厂区限速标志低速行驶，人车分道")
    expect(line.locator("ins mark")).to_have_text("低速")
    assert "{'" not in phone.locator("main").inner_text()
    assert_fits_the_phone(phone)
    screenshot(phone, "versions-diff")
