"""A worker on a phone: logging in, a wrong password, and the throttle's message."""

import pytest

from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot

pytestmark = pytest.mark.browser


def test_worker_logs_in_on_a_phone_and_sees_their_home(phone):
    phone.goto("/")
    assert phone.url.endswith("/login?next=/")
    assert_fits_the_phone(phone)
    screenshot(phone, "login-phone")
    log_in(phone, "DEMO", "worker01")
    phone.wait_for_url("**/")
    assert phone.get_by_role("heading", name="我的岗位").is_visible()
    assert "演示石灰岩矿" in phone.content()
    assert phone.locator(".topbar .who").inner_text().startswith("刘志强")
    assert_fits_the_phone(phone)
    screenshot(phone, "home-worker-phone")
    phone.get_by_role("button", name="退出").click()
    phone.wait_for_url("**/login")


def test_wrong_password_shows_the_chinese_error(phone):
    log_in(phone, "DEMO", "worker02", "wrong-password1")
    alert = phone.get_by_role("alert")
    assert alert.inner_text() == "企业编码、用户名或密码错误"
    assert phone.get_by_label("企业编码").input_value() == "DEMO"  # what was typed is kept
    screenshot(phone, "login-wrong-password")


def test_throttling_shows_its_message(phone):
    for _ in range(5):
        log_in(phone, "DEMO", "worker29", "wrong-password1")
    log_in(phone, "DEMO", "worker29")  # the right password, but this phone must wait now
    message = phone.get_by_role("alert").inner_text()
    assert "登录失败次数过多" in message and "秒后再试" in message
    assert_fits_the_phone(phone)
    screenshot(phone, "login-throttled")


def test_trainer_sees_the_roster_and_prints_join_codes(phone):
    log_in(phone, "DEMO2", "trainer")
    phone.wait_for_url("**/")
    phone.get_by_role("link", name="人员名单").click()
    assert phone.get_by_role("heading", name="人员名单").is_visible()
    assert phone.locator("table.roster tbody tr").count() == 33
