"""The rates where people read them, at phone size: the leader's team with each person's status,
the manager's 应知应会 page, the regulator's table of enterprises opening one enterprise."""

import re

import pytest

from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot

pytestmark = pytest.mark.browser


def test_leader_sees_each_team_member_and_what_they_lack(phone):
    log_in(phone, "DEMO", "leader")
    phone.wait_for_url("**/")
    team = phone.locator(".team-member")
    assert team.count() > 5
    assert "未考核合格" in team.first.inner_text() or "应知✓" in team.first.inner_text()
    assert_fits_the_phone(phone)
    screenshot(phone, "home-leader-team-status")
    phone.get_by_role("link", name="班组应知应会详情").click()
    phone.wait_for_url("**/insight")
    assert phone.get_by_role("heading", name="谁还缺什么", exact=False).is_visible()
    assert_fits_the_phone(phone)
    screenshot(phone, "insight-leader-team")


def test_manager_opens_who_lacks_what(phone):
    log_in(phone, "DEMO", "manager")
    phone.wait_for_url("**/")
    assert phone.get_by_text("应知应会率").first.is_visible()
    phone.get_by_role("link", name="看谁还缺什么", exact=False).click()
    phone.wait_for_url("**/insight")
    assert phone.get_by_role("heading", name="按岗位").is_visible()
    assert phone.locator("#missing .list-item").count() > 0
    assert_fits_the_phone(phone)
    screenshot(phone, "insight-manager")
    screenshot(phone, "insight-manager-first-screen", full_page=False)
    phone.get_by_role("link", name="打印汇总").click()
    phone.wait_for_url("**/insight/print?*")
    assert phone.get_by_role("heading", name="两单两卡应知应会汇总", exact=False).is_visible()
    screenshot(phone, "insight-print-summary")


def test_regulator_reads_the_region_and_opens_an_enterprise(phone):
    log_in(phone, "DEMO-R", "regulator")
    phone.wait_for_url("**/")
    rows = phone.locator(".region .team-member")
    assert rows.count() == 3
    assert_fits_the_phone(phone)
    screenshot(phone, "home-regulator-region")
    rows.first.get_by_role("link").click()
    phone.wait_for_url("**/insight?enterprise_id=*")
    assert phone.get_by_role("link", name="返回辖区企业").is_visible()
    assert_fits_the_phone(phone)
    screenshot(phone, "insight-regulator-enterprise")


def test_regulator_spot_checks_a_worker_on_the_phone(phone):
    log_in(phone, "DEMO-R", "regulator")
    phone.wait_for_url("**/")
    phone.goto("/spot-checks")
    assert_fits_the_phone(phone)
    phone.get_by_role("button", name="随机抽人抽题").click()
    phone.wait_for_url("**/spot-checks/*")
    screenshot(phone, "spot-check-question")
    for _ in range(5):
        form = phone.locator("form.question")
        if form.locator("input[type=radio]").count():
            form.locator("input[type=radio]").first.check()
        elif form.locator("input[type=checkbox]").count():
            form.locator("input[type=checkbox]").first.check()
        elif form.locator("select").count():
            for index in range(form.locator("select").count()):
                form.locator("select").nth(index).select_option(str(index + 1))
        else:
            form.locator("input[type=text]").fill("不知道")
        form.get_by_role("button", name="下一题").click()
        phone.wait_for_load_state()
    assert "5 道题都已作答" in phone.content()
    phone.get_by_role("button", name="结束抽查，出结果").click()
    phone.wait_for_url("**/spot-checks/*")
    # answers were picked blindly: the result is graded either way, and says which
    assert re.fullmatch(r"\d+(\.\d)? 分 · (不)?合格", phone.locator(".result h1").inner_text())
    assert_fits_the_phone(phone)
    screenshot(phone, "spot-check-result")
