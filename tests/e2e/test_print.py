"""Printing the 两单两卡 from a phone: the page states how many A5 pages come out, and Chromium's own
print to PDF (A5) gives exactly that many, for every reference post and for a post written at the
limits the card format allows (long lines, many measures, a long name). A sheet that overflowed its
page would add a page, so equal counts mean every card fits its pages."""

import re

import pytest
from playwright.sync_api import expect

from app.cards.bank import reference_bank
from app.cards.parsing import dump_yaml
from app.cards.schema import PostContent
from tests.e2e.conftest import ARTIFACTS, assert_fits_the_phone, log_in

pytestmark = pytest.mark.browser


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF as Chromium writes it: one page object each (`/Type /Page`, not `/Pages`)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


CROWDED_NAME = "破碎工（粗碎破碎站）及配套皮带、给料机、除尘设备巡检、清理与检修配合作业人员（含夜班、外来施工监护）"


def crowded_post() -> bytes:
    """A reference post pushed towards the format's limits, to test the page estimate."""
    base = next(p for p in reference_bank() if p.code == "mine-crushing").model_dump(mode="json")
    base["code"] = "print-crowded"
    base["name"] = CROWDED_NAME
    for n, risk in enumerate(base["risks"]):
        risk["hazard"] = ("；".join([risk["hazard"]] * 6))[:480]
        risk["controls"]["management"] += [
            f"第{n + 1}-{k}项：按 GB/T 33579-2017 lockout/tagout 上锁挂牌程序执行，能量隔离后用 multimeter 验电，"
            f"确认 zero-energy state 后方可作业，作业结束由本人解锁并签字确认（Ref. SOP-CRUSHER-{n:02d}-{k:02d}）"
            for k in range(4)
        ]
    for step in base["operation"]["steps"]:
        step["key_point"] = ("；".join([step.get("key_point") or step["text"]] * 4))[:400]
    for scenario in base["emergency"]["scenarios"]:
        scenario["actions"] = [
            {**a, "text": f"{a['text']}，并在现场记录时间、人员和处置经过，交接给到场的救援人员"}
            for a in scenario["actions"]
        ] * 2
    return dump_yaml(PostContent.model_validate(base))


def test_each_post_prints_the_pages_its_page_states(browser, live_server, phone):
    log_in(phone, "DEMO", "trainer")
    phone.wait_for_url("**/")
    phone.goto("/cards")
    phone.locator("input[type=file]").set_input_files(
        files=[{"name": "print-crowded.yaml", "mimeType": "application/yaml", "buffer": crowded_post()}]
    )
    phone.get_by_label("导入后立即发布").check()
    phone.get_by_role("button", name="上传并检查").click()
    expect(phone.locator(".notice")).to_contain_text("print-crowded")

    checked = {}
    for code in ("DEMO", "DEMO2"):
        context = browser.new_context(**browser.phone_profile, base_url=live_server, locale="zh-CN")
        page = context.new_page()
        try:
            log_in(page, code, "trainer")
            page.wait_for_url("**/")
            page.goto("/cards")
            post_ids = sorted({int(i) for i in re.findall(r'href="/posts/(\d+)/print"', page.content())})
            assert len(post_ids) >= 6
            for post_id in post_ids:
                page.goto(f"/posts/{post_id}/print")
                stated = int(re.search(r"共\s*(\d+)\s*页 A5", page.locator(".no-print").inner_text())[1])
                sheets = page.locator("article.a5").count()
                pdf = page.pdf(format="A5")
                name = page.locator("h1").inner_text()
                checked[name] = (stated, sheets, pdf_pages(pdf))
                if post_id == post_ids[0] or CROWDED_NAME in name:
                    # the PDFs to look at as a worker would (pdftoppm -png), and the phone's view
                    ARTIFACTS.mkdir(parents=True, exist_ok=True)
                    (ARTIFACTS / f"print-{code}-{post_id}.pdf").write_bytes(pdf)
                    assert_fits_the_phone(page)
                    page.screenshot(path=str(ARTIFACTS / f"print-{code}-{post_id}.png"))
        finally:
            context.close()
    assert len(checked) == 19  # the 18 reference posts and the crowded one
    print({name: counts[0] for name, counts in checked.items()})
    wrong = {name: counts for name, counts in checked.items() if len(set(counts)) != 1}
    assert wrong == {}, "stated pages, sheets on the page, PDF pages"
