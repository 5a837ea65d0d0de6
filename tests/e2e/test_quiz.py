"""On a phone: a full practice quiz with feedback after every question, and an assessment that
shows nothing until it is handed in, then the result with per-dimension bars."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot

pytestmark = pytest.mark.browser


def answer_current_question(page) -> None:  # type: ignore[no-untyped-def]
    """Answer whatever question is on screen (not necessarily right: the flow is what is tested)."""
    form = page.locator("form.question")
    kind = form.locator(".qtype").inner_text()
    if kind.startswith("填空"):
        form.get_by_label("填写答案").fill("答案")
    elif kind.startswith("排序"):
        selects = form.locator("select[name=order_pos]")
        for index in range(selects.count()):
            selects.nth(index).select_option(str(index + 1))
    else:
        form.locator("label.option").first.click()
    form.locator("button[type=submit]").click()


def test_a_full_practice_quiz_on_a_phone(phone):
    log_in(phone, "DEMO", "worker02")
    phone.wait_for_url("**/")
    phone.get_by_role("link", name="练习与考试").click()
    phone.get_by_role("button", name="练习 10 题").first.click()
    phone.wait_for_selector("form.question")
    assert_fits_the_phone(phone)
    screenshot(phone, "quiz-question")
    url = phone.url
    for number in range(1, 11):
        answer_current_question(phone)
        expect(phone.locator(".progress-count")).to_have_text(f"{number}/10")  # the swap has happened
        assert phone.locator("section.feedback").count() == 1
        assert phone.locator(".quote").first.inner_text().startswith("卡片原文")
        if number == 1:
            screenshot(phone, "quiz-feedback")
    assert phone.url == url  # htmx swapped fragments: no full reload between questions
    phone.get_by_role("button", name="交卷").click()
    phone.wait_for_selector("h1.score")
    assert phone.locator(".bar").count() == 4
    assert_fits_the_phone(phone)
    screenshot(phone, "quiz-result")


def test_an_assessment_shows_no_answers_until_handed_in(phone):
    log_in(phone, "DEMO2", "worker03")
    phone.wait_for_url("**/")
    phone.goto("/quiz")
    phone.get_by_role("button", name="考试 20 题").first.click()
    phone.wait_for_selector("form.question")
    countdown = phone.locator(".countdown").inner_text()
    assert countdown.startswith("剩余 ")
    for number in range(1, 4):
        answer_current_question(phone)
        expect(phone.locator(".progress-count")).to_have_text(f"{number}/20")
        assert phone.locator("section.feedback").count() == 0
    phone.reload()  # a lost connection: the same attempt comes back with its answers kept
    assert phone.locator(".progress-count").inner_text() == "3/20"
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="交卷").click()
    phone.wait_for_selector("h1.score")
    assert "合格线 80 分" in phone.content()
    screenshot(phone, "assessment-result")
