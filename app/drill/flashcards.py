"""Flashcards for the daily five-minute drill, made from a post's 两单两卡.

Pure and deterministic: the same PostContent always gives the same cards in the same order.

Kinds (`Flashcard.kind`):
- risk:        风险点 → 可能导致的事故类型 + 2–3 条关键措施
- step:        操作步骤 → 要点 (only steps that have a key point)
- prohibition: 操作步骤或应急情景里的一条禁止事项
- scenario:    应急情景 → 最初几步处置 (numbered, in order)
- mnemonic:    口诀填空, at most two per mnemonic
- duty:        岗位职责填空 (only duties with at least two clauses: a one-clause duty blanked
               leaves no cue, and "第N条是什么" tests numbering, not the duty)

`key` names what a card asks about and survives new versions: it is built from item ids, or from
a hash of the line itself where the list has no ids (prohibitions, mnemonics), never from a list
position. `digest` hashes what the worker sees, so a changed line restarts that card's memory and
an unchanged one keeps it across a re-import. `source` is a path `resolve_source` can read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from app.cards.lines import TRAILING_PUNCTUATION, shorten
from app.cards.schema import CONTROL_GROUPS, Mnemonic, PostContent, Risk, Scenario, Step
from app.questions.text import normalise


@dataclass(frozen=True)
class Flashcard:
    key: str
    kind: str
    front: str
    back: str
    source: str
    digest: str


KINDS = ("risk", "step", "prohibition", "scenario", "mnemonic", "duty")

# The hierarchy of controls: engineering before management before PPE; training and emergency
# measures only fill in when a risk has fewer than MAX_CONTROLS of those.
PREFERRED_GROUPS = ("engineering", "management", "ppe")
FALLBACK_GROUPS = ("emergency", "training")
assert set(PREFERRED_GROUPS + FALLBACK_GROUPS) == set(CONTROL_GROUPS)
MAX_CONTROLS = 3

MAX_CLOZES_PER_MNEMONIC = 2
BLANK = "____"

PROHIBITION_MARKERS = ("严禁", "禁止", "不准", "不得")
# Clauses with these characters carry the rule (先…再…, 不…, 必…) and are the ones worth blanking.
RULE_CHARACTERS = frozenset("先再后必不禁严勿莫别")
MNEMONIC_SEPARATORS = re.compile(r"([，、；。！？,;!?\s]+)")
# Duties list things with 、 inside one clause ("压力、温度、液位"), so only ， and ； separate.
DUTY_SEPARATORS = re.compile(r"([，；。,;]+)")
DUTY_LEAD_INS = ("我负责", "我要", "我")


def short_hash(text: str, length: int = 8) -> str:
    """A short stable hash of a line's normalised text, so spacing and punctuation edits do not
    change a key (they do change the digest, which hashes the text as shown)."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:length]


def card_digest(front: str, back: str) -> str:
    return hashlib.sha256(f"{front}\x1f{back}".encode()).hexdigest()[:16]


def _card(key: str, kind: str, front: str, back: str, source: str) -> Flashcard:
    return Flashcard(key=key, kind=kind, front=front, back=back, source=source, digest=card_digest(front, back))


def _clean(text: str) -> str:
    return text.strip().rstrip(TRAILING_PUNCTUATION)


# --- risks -----------------------------------------------------------------------------------


def key_controls(risk: Risk, limit: int = MAX_CONTROLS) -> list[str]:
    """The measures a worker should name first: the first of each preferred group in turn
    (engineering, management, PPE), then their second ones, …; fallback groups only to fill up."""
    picked: list[str] = []
    for groups in (PREFERRED_GROUPS, FALLBACK_GROUPS):
        lists = [getattr(risk.controls, group) for group in groups]
        for rank in range(max(map(len, lists), default=0)):
            for measures in lists:
                if rank < len(measures) and len(picked) < limit:
                    picked.append(_clean(measures[rank]))
    return picked


def risk_card(risk: Risk) -> Flashcard:
    measures = "\n".join(f"{number}. {measure}" for number, measure in enumerate(key_controls(risk), start=1))
    # Numbered lines, not "；"-joined: a measure may itself contain "；".
    if risk.accident_types_held:
        # Classes mapped from a 1986 name nobody has chosen for yet are not taught as fact: the
        # card asks only how to prevent (same card id, so its review history stays).
        return _card(
            f"risk:{risk.id}", "risk", f"风险点：{risk.point}。怎么防？", f"关键措施：\n{measures}", f"risks[{risk.id}]"
        )
    accidents = "、".join(accident.value for accident in risk.accident_types)
    front = f"风险点：{risk.point}。会导致什么事故？怎么防？"
    back = f"可能导致：{accidents}。\n关键措施：\n{measures}"
    return _card(f"risk:{risk.id}", "risk", front, back, f"risks[{risk.id}]")


# --- operation steps -------------------------------------------------------------------------


def key_point_card(step: Step) -> Flashcard | None:
    if step.key_point is None:
        return None
    front = f"“{shorten(step.text)}”——这一步的要点是什么？"
    return _card(f"step:{step.id}:key_point", "step", front, step.key_point, f"operation.steps[{step.id}].key_point")


def prohibited_action(prohibition: str) -> str:
    """What the prohibition forbids, said as an action: "严禁用铁器捣药" → "用铁器捣药". A compound
    line ("严禁单人进入，严禁盲目施救") is asked about by its first part; the back shows all of it."""
    action = prohibition
    for marker in PROHIBITION_MARKERS:
        if action.startswith(marker):
            action = action[len(marker) :]
            break
    for marker in PROHIBITION_MARKERS:
        for separator in "，；":
            action = action.split(separator + marker)[0]
    return _clean(action) or prohibition


def prohibition_cards(
    prohibitions: list[str], *, key_prefix: str, source_prefix: str, single_front: str, situation: str
) -> list[Flashcard]:
    """One card per prohibition. With one prohibition the front asks “what is forbidden here?”;
    with several that question would have several right answers (the worker could never tell
    which one the card wants), so each card instead names its action and asks whether it is allowed."""
    cards = []
    for index, prohibition in enumerate(prohibitions):
        if len(prohibitions) == 1:
            front = single_front
            back = prohibition
        else:
            front = f"{situation}，这件事能做吗：{prohibited_action(prohibition)}？"
            back = f"不能。{prohibition}"
        key = f"{key_prefix}:prohibition:{short_hash(prohibition)}"
        cards.append(_card(key, "prohibition", front, back, f"{source_prefix}.prohibitions[{index}]"))
    return cards


def step_cards(step: Step) -> list[Flashcard]:
    cards = [card for card in [key_point_card(step)] if card is not None]
    cards += prohibition_cards(
        step.prohibitions,
        key_prefix=f"step:{step.id}",
        source_prefix=f"operation.steps[{step.id}]",
        single_front=f"关于“{shorten(step.text)}”，严禁做什么？",
        situation=step.phase.value,
    )
    return cards


# --- emergency -------------------------------------------------------------------------------


def scenario_cards(scenario: Scenario) -> list[Flashcard]:
    front = f"发生“{scenario.title}”，最初几步怎么做？"
    # Who does each step is part of knowing the card (the notices' 谁去做), so the back says it.
    back = "\n".join(f"{number}. {_clean(action.line)}" for number, action in enumerate(scenario.actions, start=1))
    positions = ",".join(str(index) for index in range(len(scenario.actions)))
    source = f"emergency.scenarios[{scenario.id}]"
    cards = [_card(f"scenario:{scenario.id}:actions", "scenario", front, back, f"{source}.actions[{positions}]")]
    cards += prohibition_cards(
        scenario.prohibitions,
        key_prefix=f"scenario:{scenario.id}",
        source_prefix=source,
        single_front=f"发生“{scenario.title}”时，严禁做什么？",
        situation=f"发生“{scenario.title}”时",
    )
    return cards


# --- cloze (mnemonics and duties) ------------------------------------------------------------


def clauses(text: str, separators: re.Pattern[str]) -> list[str]:
    """The text split into clauses and the separators between them, alternating:
    even positions are clauses (possibly empty at the ends), odd positions separators."""
    return separators.split(text)


def blanked(parts: list[str], position: int, keep_prefix: str = "") -> str:
    shown = list(parts)
    shown[position] = keep_prefix + BLANK
    return "".join(shown)


def _rule_score(clause: str) -> tuple[bool, int]:
    return (any(char in RULE_CHARACTERS for char in clause), len(clause))


def cloze_positions(parts: list[str], limit: int = MAX_CLOZES_PER_MNEMONIC) -> list[int]:
    """Which clauses to blank: the best clause of the first half and the best of the second half
    (best = states a rule, then longest, then earliest), so the two cards test different parts
    of the mnemonic. Fewer than two clauses: nothing to blank without blanking everything."""
    candidates = [position for position in range(0, len(parts), 2) if len(parts[position].strip()) >= 2]
    if len(candidates) < 2:
        return []
    middle = (len(candidates) + 1) // 2
    halves = [candidates[:middle], candidates[middle:]][:limit]
    # max() keeps the first of equals: ties go to the earliest clause.
    return sorted(max(half, key=lambda p: _rule_score(parts[p])) for half in halves if half)


def mnemonic_cards(mnemonic: Mnemonic, index: int) -> list[Flashcard]:
    parts = clauses(mnemonic.text, MNEMONIC_SEPARATORS)
    text_hash = short_hash(mnemonic.text)
    cards = []
    for position in cloze_positions(parts):
        clause_number = position // 2
        front = f"口诀填空（{mnemonic.title}）：{blanked(parts, position)}"
        cards.append(
            _card(
                f"mnemonic:{text_hash}:cloze:{clause_number}", "mnemonic", front, mnemonic.text, f"mnemonics[{index}]"
            )
        )
    return cards


def duty_card(duty_id: str, text: str) -> Flashcard | None:
    """The duty with its longest clause blanked; the lead-in (我负责/我要) stays as the cue."""
    parts = clauses(text, DUTY_SEPARATORS)
    candidates = [position for position in range(0, len(parts), 2) if parts[position].strip()]
    if len(candidates) < 2:
        return None
    lead_in = next((lead for lead in DUTY_LEAD_INS if parts[0].startswith(lead)), "")

    def content_length(position: int) -> int:
        return len(parts[position]) - (len(lead_in) if position == 0 else 0)

    position = max(candidates, key=content_length)
    front = f"我的职责（填空）：{blanked(parts, position, lead_in if position == 0 else '')}"
    return _card(f"duty:{duty_id}", "duty", front, text, f"duties[{duty_id}]")


# --- the whole post --------------------------------------------------------------------------


def make_flashcards(post: PostContent) -> list[Flashcard]:
    """Every card of the post in card order: risks, duties, steps, scenarios, mnemonics.
    A key made twice (the same line written twice in one list) is kept once."""
    made: list[Flashcard] = [risk_card(risk) for risk in post.risks]
    made += [card for duty in post.duties if (card := duty_card(duty.id, duty.text)) is not None]
    for step in post.operation.steps:
        made += step_cards(step)
    for scenario in post.emergency.scenarios:
        made += scenario_cards(scenario)
    for index, mnemonic in enumerate(post.mnemonics):
        made += mnemonic_cards(mnemonic, index)
    seen: set[str] = set()
    unique = []
    for card in made:
        if card.key not in seen:
            seen.add(card.key)
            unique.append(card)
    return unique
