"""What a worker sees on a phone during and after a practice: the verdict after 确定 on screen
without scrolling, no countdown in a practice nobody asked to time, results and the 错题本 in words
(option texts, not bare letters), and whole-number scores."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot
from tests.e2e.test_quiz import answer_current_question

pytestmark = pytest.mark.browser


def start_practice(phone, code: str, username: str) -> None:  # type: ignore[no-untyped-def]
    log_in(phone, code, username)
    phone.wait_for_url("**/")
    phone.goto("/quiz")
    phone.get_by_role("button", name="练习 10 题").first.click()
    phone.wait_for_selector("form.question")


def verdict_box(phone) -> dict:  # type: ignore[no-untyped-def]
    """Where the 答对了/答错了 heading is, against the visible part of the page."""
    return phone.evaluate(
        """() => {
            const verdict = document.querySelector("section.feedback h2");
            const box = verdict.getBoundingClientRect();
            // what is really drawn at the verdict's middle: not the sticky top bar or anything else
            const seen = document.elementFromPoint(box.left + box.width / 2, (box.top + box.bottom) / 2);
            return {top: box.top, bottom: box.bottom, viewport: window.innerHeight, scrolled: window.scrollY,
                    text: verdict.textContent, uncovered: verdict.contains(seen)};
        }"""
    )


def test_the_verdict_is_on_screen_after_confirming_a_long_question(phone):
    start_practice(phone, "DEMO", "worker21")
    long_pages = 0
    for number in range(1, 6):
        button = phone.locator("form.question button[type=submit]")
        # with the last feedback above it, the question runs past the bottom of the screen
        below_the_fold = phone.evaluate(
            "b => b.getBoundingClientRect().bottom > window.innerHeight", button.element_handle()
        )
        long_pages += below_the_fold
        answer_current_question(phone)  # Playwright scrolls down to 确定 first, as a thumb would
        expect(phone.locator(".progress-count")).to_have_text(f"{number}/10")
        # htmx scrolls when the swap settles (20 ms after it): measure what the worker then sees
        phone.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request')")
        phone.wait_for_timeout(100)
        box = verdict_box(phone)
        assert box["text"] in ("答对了", "答错了")
        assert box["top"] >= 0 and box["bottom"] <= box["viewport"], f"question {number}: verdict at {box}"
        assert box["uncovered"], f"question {number}: the verdict is under something: {box}"
        expect(phone.locator(".progress-count")).to_be_in_viewport()
        if number == 2:
            screenshot(phone, "practice-verdict", full_page=False)  # what the worker sees
    assert long_pages >= 3  # the case that matters was really exercised


def test_practice_has_no_countdown_and_results_speak_in_words(phone):
    start_practice(phone, "DEMO2", "worker22")
    assert phone.locator(".countdown").count() == 0 and "剩余" not in phone.locator("header.quiz-head").inner_text()
    for number in range(1, 11):
        answer_current_question(phone)
        expect(phone.locator(".progress-count")).to_have_text(f"{number}/10")
    phone.get_by_role("button", name="交卷").click()
    phone.wait_for_selector("h1.score")
    assert re.fullmatch(r"\d+ 分", phone.locator("h1.score").inner_text()), phone.locator("h1.score").inner_text()
    reviews = phone.locator("article.review")
    assert reviews.count() >= 1  # answer_current_question picks the first option: some are wrong
    for index in range(reviews.count()):
        text = reviews.nth(index).inner_text()
        # "正确答案：D. 先通风…" — the option's words after its letter, never a bare "D"
        assert re.search(r"正确答案：\s*\S+", text)
        assert not re.search(r"正确答案：[A-J](、[A-J])*\s", text), text
    assert_fits_the_phone(phone)
    screenshot(phone, "practice-result", full_page=False)
    reviews.first.scroll_into_view_if_needed()
    screenshot(phone, "practice-result-review", full_page=False)

    phone.goto("/quiz")
    history = phone.locator(".list-item small").first.inner_text()
    assert re.match(r"\d+ 分", history), history
    phone.get_by_role("link", name=re.compile("错题本")).first.click()
    phone.wait_for_selector("h1:has-text('错题本')")
    entries = phone.locator("article.notebook-entry")
    assert entries.count() == reviews.count()
    first = entries.first.inner_text()
    assert "正确答案" in first and "卡片原文" in first and "答错" in first
    assert_fits_the_phone(phone)
    screenshot(phone, "notebook", full_page=False)
