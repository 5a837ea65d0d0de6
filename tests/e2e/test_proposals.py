"""Cards compiled with the workers, on phones: a worker proposes with a photo (shrunk on the phone),
the leader accepts it at the pre-shift meeting, the trainer merges it into a new version, the
manager approves, and the printed cards carry the signatures and dates."""

import struct
import zlib

import pytest
import yaml
from playwright.sync_api import expect

from tests.e2e.conftest import assert_fits_the_phone, log_in, screenshot

pytestmark = pytest.mark.browser

PROPOSAL = "钻机移位时有人站在钻杆下方指挥，建议在清单里写明指挥人员站位"


def camera_photo(width: int = 2400, height: int = 1800) -> bytes:
    """A large PNG, as a phone camera might hand over (the page must shrink it before sending)."""
    row = b"\x00" + bytes([90, 140, 60]) * width
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def new_context(browser, live_server):  # type: ignore[no-untyped-def]
    return browser.new_context(**browser.phone_profile, base_url=live_server, locale="zh-CN")


def test_a_proposal_from_the_phone_to_the_printed_card(browser, live_server):
    contexts = []
    try:
        # --- the worker proposes, with a photo -----------------------------------------------
        contexts.append(new_context(browser, live_server))
        worker = contexts[-1].new_page()
        log_in(worker, "DEMO", "worker01")  # 穿爆班, on the drilling post
        worker.wait_for_url("**/")
        post = next(p for p in worker.request.get("/api/posts").json() if p["code"] == "mine-drilling")
        worker.goto(f"/posts/{post['id']}")
        worker.get_by_role("link", name="对这张卡提建议").click()
        worker.locator("label.option", has_text="常见错误做法").click()
        worker.locator("#propose-document").select_option("risks")
        worker.locator("textarea[name=text]").fill(PROPOSAL)
        worker.locator("input[name=photo]").set_input_files(
            {"name": "camera.png", "mimeType": "image/png", "buffer": camera_photo()}
        )
        assert_fits_the_phone(worker)
        screenshot(worker, "proposal-worker-form")
        with worker.expect_request(lambda r: r.url.endswith(f"/api/posts/{post['id']}/proposals")) as sent:
            worker.get_by_role("button", name="提交建议").click()
        worker.wait_for_url("**/proposals?sent=*")
        expect(worker.locator(".notice")).to_contain_text("建议已提交")
        mine = worker.locator("#mine .proposal").first
        expect(mine).to_contain_text(PROPOSAL)
        expect(mine.locator("img.proposal-photo")).to_be_visible()
        photo = worker.request.get(mine.locator("img.proposal-photo").get_attribute("src") or "")
        assert photo.headers["content-type"] == "image/jpeg" and len(photo.body()) < 300_000  # shrunk on the phone
        assert b"image/png" not in (sent.value.post_data_buffer or b"")
        screenshot(worker, "proposal-worker-sent")
        assert_fits_the_phone(worker)

        # --- the leader accepts it at the pre-shift meeting -------------------------------------
        contexts.append(new_context(browser, live_server))
        leader = contexts[-1].new_page()
        log_in(leader, "DEMO", "leader")
        leader.wait_for_url("**/")
        leader.goto("/meetings/new")
        leader.locator("label.option", has_text="穿孔工").click()
        leader.get_by_role("button", name="开始班前会").click()
        leader.wait_for_selector(".meeting-code")
        item = leader.locator("#meeting-proposals .proposal", has_text=PROPOSAL)
        expect(item).to_be_visible()
        item.locator("input[name=note]").fill("班前会讨论同意：指挥人员站在钻机侧面安全位置")
        screenshot(leader, "proposal-leader-meeting")
        assert_fits_the_phone(leader)
        item.get_by_role("button", name="采纳", exact=True).click()
        expect(leader.locator("#meeting-proposals .proposal", has_text=PROPOSAL)).to_have_count(0)

        # --- the trainer merges it into a new version ------------------------------------------
        contexts.append(new_context(browser, live_server))
        trainer = contexts[-1].new_page()
        log_in(trainer, "DEMO", "trainer")
        trainer.wait_for_url("**/")
        trainer.goto(f"/cards/{post['id']}/merge")
        accepted = trainer.locator("label.option", has_text=PROPOSAL)
        expect(accepted).to_be_visible()
        draft = trainer.request.get(f"/api/posts/{post['id']}/proposals/draft.yaml").text()
        assert PROPOSAL in draft
        content = yaml.safe_load(draft)
        content["duties"].append(
            {
                "id": f"D{len(content['duties']) + 1}",
                "text": "我负责钻机移位时站在钻机侧面安全位置指挥，不站在钻杆下方",
                "basis": "GB 16423-2020 金属非金属矿山安全规程",
            }
        )
        edited = yaml.safe_dump(content, allow_unicode=True, sort_keys=False).encode("utf-8")
        for box in trainer.locator("input[name=proposal_ids]").all():
            box.uncheck()
        accepted.locator("input[type=checkbox]").check()
        trainer.locator("input[name=reason]").fill("采纳穿孔工建议：补充钻机移位时指挥人员站位")
        trainer.locator("input[name=file]").set_input_files(
            {"name": "mine-drilling.yaml", "mimeType": "application/yaml", "buffer": edited}
        )
        screenshot(trainer, "proposal-trainer-merge")
        trainer.get_by_role("button", name="生成新版本").click()
        trainer.wait_for_url("**/versions?number=*")
        number = int(trainer.url.rsplit("=", 1)[1])
        expect(trainer.locator(".signatures")).to_contain_text("李安全")
        expect(trainer.locator(".signatures")).to_contain_text("未批准")

        # --- the manager approves; the print shows the signatures -----------------------------
        contexts.append(new_context(browser, live_server))
        manager = contexts[-1].new_page()
        log_in(manager, "DEMO", "manager")
        manager.wait_for_url("**/")
        manager.goto("/proposals")
        manager.locator("#awaiting a", has_text=f"第 {number} 版").click()
        manager.get_by_role("button", name=f"批准第{number}版").click()
        expect(manager.locator(".signatures")).to_contain_text("王矿长")
        screenshot(manager, "proposal-manager-approved")
        assert_fits_the_phone(manager)

        worker.goto(f"/posts/{post['id']}")
        worker.locator("#signatures summary").click()
        expect(worker.locator("#signatures")).to_contain_text("已编制")
        screenshot(worker, "proposal-worker-post-signatures", full_page=False)
        worker.goto(f"/posts/{post['id']}/print")
        signatures = worker.locator(".sheet-signatures").first
        expect(signatures).to_contain_text("批准：王矿长")
        expect(signatures).to_contain_text("审核：李安全")
        expect(signatures).to_contain_text("复审 ")
        screenshot(worker, "proposal-print-signatures", full_page=False)
    finally:
        for context in contexts:
            context.close()


def test_a_text_proposal_written_offline_is_sent_once_when_the_signal_returns(browser, live_server):
    context = new_context(browser, live_server)
    try:
        page = context.new_page()
        log_in(page, "DEMO", "worker07")  # 穿爆班, on the drilling post
        page.wait_for_url("**/")
        post = next(p for p in page.request.get("/api/posts").json() if p["code"] == "mine-drilling")
        before = len(page.request.get("/api/me/proposals").json())
        page.goto(f"/posts/{post['id']}/propose")
        text = "夜班钻机照明灯罩破了，光线不够，建议清单里加一条开工前检查照明"
        context.set_offline(True)
        page.locator("textarea[name=text]").fill(text)
        page.locator("input[name=photo]").set_input_files(
            {"name": "camera.png", "mimeType": "image/png", "buffer": camera_photo(640, 480)}
        )
        page.get_by_role("button", name="提交建议").click()
        expect(page.locator("#propose-status")).to_contain_text("需要联网")  # a photo waits for the network
        page.locator("input[name=photo]").set_input_files([])
        page.locator("textarea[name=text]").fill(text)
        page.get_by_role("button", name="提交建议").click()
        expect(page.locator("#propose-status")).to_contain_text("联网后自动提交")
        assert page.evaluate("() => PostDrill.pending().filter(e => e.kind === 'proposal').length") == 1
        screenshot(page, "proposal-offline-queued", full_page=False)
        assert_fits_the_phone(page)
        context.set_offline(False)  # the page hears "online" and sends the queue
        page.wait_for_function("() => PostDrill.pending().length === 0", timeout=15_000)
        # sent twice (a lost answer): still one proposal
        entry = {
            "client_id": "replayed-once",
            "post_id": post["id"],
            "kind": "hazard",
            "document": "risks",
            "text": text,
        }
        page.evaluate(
            "(e) => { PostDrill.add({kind: 'proposal', person_id: PostDrill.personId(), label: 'x', body: e});"
            " PostDrill.add({kind: 'proposal', person_id: PostDrill.personId(), label: 'x', body: e}); }",
            entry,
        )
        page.wait_for_function("() => PostDrill.pending().length === 0", timeout=15_000)
        mine = page.request.get("/api/me/proposals").json()
        assert len(mine) == before + 2
        assert sum(1 for p in mine if p["client_id"] == "replayed-once") == 1
    finally:
        context.close()
