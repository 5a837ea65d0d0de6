"""The printable cards are laid out on A5 sheets before printing (app/cards/printing.py): each card
starts a sheet, no sheet holds more than its page can, and the page states the true sheet count.
tests/e2e/test_print.py checks the count against Chromium's own PDF."""

import re

from app.cards import printing
from app.cards.bank import reference_bank
from tests.factories import MINIMAL_POST, minimal_post


def body_height(content) -> float:
    return max(
        printing.CONTENT_HEIGHT
        - printing.header_height(printing.sheet_title(content.name, card), ("企业 · 第1版", "本卡第 9/9 页"))
        for card in printing.CARDS
    )


def test_every_card_starts_a_sheet_and_no_sheet_is_overfull():
    for content in reference_bank():
        plan = printing.plan(content, enterprise_name="演示石灰岩矿（露天）", version=3, dispatch_phone="023-1")
        assert all(pages >= 1 for _, pages in plan.pages_per_card())
        assert plan.total == len(plan.sheets) == sum(pages for _, pages in plan.pages_per_card())
        for sheet in plan.sheets:
            assert sheet.blocks, (content.code, sheet.card, sheet.page)
            assert sum(block.height for block in sheet.blocks) <= body_height(content)
        cards = [sheet.card for sheet in plan.sheets]
        assert cards == sorted(cards, key=printing.CARDS.index)  # card by card, in order


def long_post():
    data = minimal_post().model_dump(mode="json")
    data["risks"] = [
        {
            **data["risks"][0],
            "id": f"R{n}",
            "point": f"风险点{n}",
            "controls": {"management": [f"措施{n}-{k}" * 20 for k in range(6)]},
        }
        for n in range(1, 13)
    ]
    data["operation"]["steps"] = [{"id": f"S{n}", "phase": "作业中", "text": f"第{n}步操作" * 12} for n in range(1, 40)]
    return minimal_post(**{k: data[k] for k in ("risks", "operation")})


def test_long_cards_continue_on_more_sheets_with_their_names():
    plan = printing.plan(long_post(), enterprise_name="企业", version=1)
    risk_sheets = [s for s in plan.sheets if s.card == "岗位风险清单"]
    operation_sheets = [s for s in plan.sheets if s.card == "岗位操作卡"]
    assert len(risk_sheets) > 1 and len(operation_sheets) > 1
    assert [(s.page, s.pages) for s in operation_sheets] == [
        (n, len(operation_sheets)) for n in range(1, len(operation_sheets) + 1)
    ]
    # a sheet that goes on with 作业中 says so, and no risk is split while it fits on one sheet
    assert operation_sheets[1].blocks[0].text == "作业中（续）"
    for sheet in risk_sheets:
        assert sheet.blocks[0].style == "item" and "（续）" not in sheet.blocks[0].text
    for sheet in plan.sheets:
        assert sum(block.height for block in sheet.blocks) <= printing.CONTENT_HEIGHT


def test_a_long_list_is_continued_not_cut():
    measures = [f"第{k}条管理措施" + "按规定执行并签字确认" * 8 for k in range(20)]
    blocks = list(printing._listed("small", "管理", measures))
    assert len(blocks) > 1 and all(b.height <= printing.LONGEST_BLOCK for b in blocks)
    assert blocks[1].runs[0].text == "管理（续）："
    assert "".join(b.runs[1].text for b in blocks).count("第") == 20


def test_the_print_page_states_the_sheets_it_holds(client, world):
    page = client.get(
        f"/posts/{world.a.post.id}/print", headers={**world.auth(world.a.people["worker"]), "accept": "text/html"}
    )
    assert page.status_code == 200
    stated = int(re.search(r'data-pages="(\d+)"', page.text)[1])
    plan = printing.plan(minimal_post(), enterprise_name="企业ENTA", version=1)
    assert stated == plan.total == page.text.count('<article class="a5 sheet"')
    assert f'共 <strong id="print-pages" data-pages="{stated}">{stated}</strong> 页 A5' in page.text
    assert MINIMAL_POST["risks"][0]["point"] in page.text
