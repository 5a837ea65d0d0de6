"""What every family shares: the generation context (post, peers, seeded randomness), building
questions of each type from a source path, picking distractors, and reading card lines for the
few things families must know about them (a condition, a rule that holds throughout, a prohibition).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property
from math import log

from app.cards.schema import MistakePair, PostContent, TwinAsk, wrong_text
from app.questions.model import JUDGE_FALSE, JUDGE_TRUE, Option, Question, QuestionType
from app.questions.sources import card_label, dimension_of, resolve_source
from app.questions.text import NUMBER, bigrams, normalise, similar
from app.questions.wording import FIGURE, register, sounding

OPTION_KEYS = "ABCDEFGHIJ"
BLANK = "____"
JUDGE_OPTIONS = (Option(JUDGE_TRUE, "正确"), Option(JUDGE_FALSE, "错误"))


@dataclass(frozen=True)
class Context:
    """One generation run. Randomness comes only from `rng(key)`: seeded by the seed and the
    question key, so a question's options depend neither on which other questions were generated
    before it nor on lines of the post it does not use."""

    post: PostContent
    peers: tuple[PostContent, ...]
    seed: int

    def rng(self, key: str) -> random.Random:
        # Seeded by the question's key, not the post's content: a new card version draws the same
        # options for a line it leaves alone, so the trainer's approval of that question holds.
        return random.Random(f"{self.seed}:{key}")

    @cached_property
    def peers_with_foreign_terms(self) -> list[tuple[PostContent, set[str]]]:
        """Each peer with the word pieces that name its work (name, risk points) and never occur
        on this post's cards: a peer line containing one is about something this post does not
        do, so it cannot be argued to be right for this post."""
        own = vocabulary(self.post)
        return [(peer, domain_terms(peer) - own) for peer in self.peers]

    @cached_property
    def peers_with_foreign_step_terms(self) -> list[tuple[PostContent, set[str]]]:
        """The same, also counting what recurs in the peer's operation steps: key points name
        equipment ("货叉", "滑块") more often than they name the post."""
        own = vocabulary(self.post)
        return [(peer, domain_terms(peer, with_steps=True) - own) for peer in self.peers]

    @cached_property
    def right_practices(self) -> list[str]:
        """The post's right lines that read as practices: a wrong option or a false statement
        similar() to one of them is true here, and is never offered."""
        return [line for line in self.post.right_lines() if reads_as_practice(line)]

    @cached_property
    def unasked_twins(self) -> frozenset[str]:
        """Source paths of the right twins their pair keeps from being asked (`ask: wrong`): never a
        true statement nor the key of a choice, only the line that explains their mistake."""
        owners = (
            ("risks", self.post.risks),
            ("operation.steps", self.post.operation.steps),
            ("operation.checklist", self.post.operation.checklist),
            ("emergency.scenarios", self.post.emergency.scenarios),
        )
        return frozenset(
            f"{path}[{owner.id}].mistakes[{index}].right"
            for path, items in owners
            for owner in items
            for index, mistake in enumerate(owner.mistakes)
            if isinstance(mistake, MistakePair) and mistake.ask == TwinAsk.wrong
        )

    @cached_property
    def mistakes(self) -> frozenset[str]:
        return frozenset(normalise(text) for _, text in self.post.mistake_lines())

    def true_here(self, text: str) -> bool:
        """A wrong practice that is a right line of this post, so it cannot be offered as wrong."""
        return true_on_card(text, self.right_practices, self.mistakes)

    def wrong_practices(self, texts: Iterable[str]) -> list[str]:
        """Wrong options fit to offer: not true here, and not worded so that they sound wrong
        ("冒险…", "擅自…": forbidden acts as the card's rules name them)."""
        return [text for text in texts if not self.true_here(text) and not sounding(text)[0]]

    def quote(self, source: str) -> str:
        text = resolve_source(self.post, source)
        if text is None:  # a family built a path that does not exist: a bug, not a card problem
            raise ValueError(f"{self.post.code}: no card line at {source}")
        return text


def question_key(family: str, source: str, variant: str | None = None) -> str:
    return f"{family}:{source}" + (f":{variant}" if variant else "")


def cite(source: str) -> str:
    return card_label(source)


# ---------------------------------------------------------------------------------------------
# Distractors


def distinct_texts(texts: Iterable[str]) -> list[str]:
    """One text per normalised form, in a fixed order that does not depend on where they came from
    (so the order of `peers` never changes the questions)."""
    by_form: dict[str, str] = {}
    for text in sorted(texts):
        by_form.setdefault(normalise(text), text)
    return [by_form[form] for form in sorted(by_form)]


def pick_distractors(
    rng: random.Random,
    tiers: Sequence[Iterable[str]],
    *,
    rights: Sequence[str],
    count: int,
    avoid: Sequence[str] = (),
    caps: Sequence[int | None] = (),
) -> list[str]:
    """Up to `count` wrong options, from the first tier first (at most `caps[i]` from tier i). A
    candidate is refused when it is similar() to a right answer, to anything in `avoid` (texts that
    would make it arguably right), or to a distractor already taken (two options saying the same
    thing give the answer away).

    Whether `count` can be reached is decided on the candidates in a fixed order, so it never
    depends on the seed: the same questions exist for every seed, only their options differ."""
    pools = [distinct_texts(tier) for tier in tiers]
    canonical = _take(pools, rights=rights, count=count, avoid=avoid, caps=caps)
    if len(canonical) < count:
        return canonical
    shuffled = [rng.sample(pool, len(pool)) for pool in pools]
    seeded = _take(shuffled, rights=rights, count=count, avoid=avoid, caps=caps)
    return seeded if len(seeded) == count else canonical


# Two wrong options that say the same act in other words ("带电用水扑救电气火灾" and "电气设备着火，
# 带电用水枪扑救") tell the guesser both are wrong: half the word pieces of the shorter in common.
ALIKE_SHARE = 0.5
ALIKE_MIN_PIECES = 4


def alike(a: str, b: str) -> bool:
    grams_a, grams_b = bigrams(a), bigrams(b)
    common = len(grams_a & grams_b)
    return similar(a, b) or (common >= ALIKE_MIN_PIECES and common / min(len(grams_a), len(grams_b)) >= ALIKE_SHARE)


# Four characters in a row (after normalise) make a phrase: "打磨车间外", "保持平躺不动", "上锁挂牌".
PHRASE = 4


def phrases(text: str) -> frozenset[str]:
    folded = normalise(text)
    return frozenset(folded[i : i + PHRASE] for i in range(len(folded) - PHRASE + 1))


def odd_one_out(first: str, second: str, rights: Sequence[str]) -> bool:
    """Two wrong options share a phrase that no right answer has: the right one is the odd one out
    ("打磨车间外" in both right ways of a "find the wrong way" choice, the key beside the dust
    collector; "停机断电、上锁挂牌" twice): blind reviews 21–23 named it in six choices."""
    shared = phrases(first) & phrases(second)
    return bool(shared - set().union(*(phrases(right) for right in rights)))


def _take(
    pools: Sequence[Sequence[str]],
    *,
    rights: Sequence[str],
    count: int,
    avoid: Sequence[str],
    caps: Sequence[int | None],
) -> list[str]:
    chosen: list[str] = []
    for index, pool in enumerate(pools):
        cap = caps[index] if index < len(caps) else None
        taken = 0
        for text in pool:
            if len(chosen) == count or (cap is not None and taken == cap):
                break
            if any(similar(text, other) for other in (*rights, *avoid)) or any(alike(text, c) for c in chosen):
                continue
            if any(odd_one_out(text, c, rights) for c in chosen):
                continue
            chosen.append(text)
            taken += 1
    return chosen


# ---------------------------------------------------------------------------------------------
# Question builders: each takes the source path and quotes the card from it, so quote and path
# cannot disagree.


def choice_question(
    ctx: Context,
    *,
    family: str,
    source: str,
    stem: str,
    rights: Sequence[str],
    distractors: Sequence[str],
    explanation: str,
    variant: str | None = None,
) -> Question:
    """Single choice when one option is right, multiple choice when several are; options shuffled."""
    key = question_key(family, source, variant)
    texts = [*rights, *distractors]
    if len({normalise(text) for text in texts}) != len(texts):
        raise ValueError(f"{key}: options repeat after normalising")
    rng = ctx.rng(key)
    order = list(range(len(texts)))
    rng.shuffle(order)
    options = tuple(Option(OPTION_KEYS[position], texts[index]) for position, index in enumerate(order))
    right_keys = sorted(OPTION_KEYS[position] for position, index in enumerate(order) if index < len(rights))
    return Question(
        key=key,
        family=family,
        type=QuestionType.single if len(rights) == 1 else QuestionType.multi,
        stem=stem,
        options=options,
        answer=tuple(right_keys),
        explanation=explanation,
        dimension=dimension_of(source),
        source=source,
        quote=ctx.quote(source),
    )


def judge_question(
    ctx: Context, *, family: str, source: str, statement: str, true: bool, explanation: str, variant: str | None = None
) -> Question:
    return Question(
        key=question_key(family, source, variant),
        family=family,
        type=QuestionType.judge,
        stem=statement,
        options=JUDGE_OPTIONS,
        answer=(JUDGE_TRUE if true else JUDGE_FALSE,),
        explanation=explanation,
        dimension=dimension_of(source),
        source=source,
        quote=ctx.quote(source),
    )


def order_question(
    ctx: Context, *, family: str, source: str, stem: str, items: Sequence[str], explanation: str
) -> Question:
    """Options are the items in a shuffled order that is never the right one nor its reverse; the
    answer is every option key in card order."""
    key = question_key(family, source)
    rng = ctx.rng(key)
    order = list(range(len(items)))
    rng.shuffle(order)
    # never shown in the right order, nor in exactly the reverse of it (a guesser would try both)
    while order == sorted(order) or (len(order) > 2 and order == sorted(order, reverse=True)):
        order = order[1:] + order[:1]
    options = tuple(Option(OPTION_KEYS[position], items[index]) for position, index in enumerate(order))
    key_of_item = {index: OPTION_KEYS[position] for position, index in enumerate(order)}
    return Question(
        key=key,
        family=family,
        type=QuestionType.order,
        stem=stem,
        options=options,
        answer=tuple(key_of_item[index] for index in range(len(items))),
        explanation=explanation,
        dimension=dimension_of(source),
        source=source,
        quote=ctx.quote(source),
    )


def fill_question(
    ctx: Context,
    *,
    family: str,
    source: str,
    stem: str,
    blank: str,
    explanation: str,
    variant: str,
    also: Sequence[str] = (),
) -> Question:
    """Accepted answers: the blanked words as written first, then their normalised form (the quiz
    compares after normalising; the second spelling is for people and exports that do not), then
    `also` (e.g. the number with its unit, "5分钟"), each form once."""
    accepted: list[str] = []
    for text in (blank, normalise(blank), *also):
        if text and text not in accepted:
            accepted.append(text)
    return Question(
        key=question_key(family, source, variant),
        family=family,
        type=QuestionType.fill,
        stem=stem,
        options=(),
        answer=tuple(accepted),
        explanation=explanation,
        dimension=dimension_of(source),
        source=source,
        quote=ctx.quote(source),
    )


# ---------------------------------------------------------------------------------------------
# Reading card lines

PROHIBITION_MARKERS = ("严禁", "禁止", "不准", "不得")
PROHIBITION_CLAUSE = re.compile(r"(?:^|[，；,;])\s*(严禁|禁止|不准|不得)")

# A line that applies only when something happens ("火势扩大时…", "伤员在爆区外的，…", "发现盲炮…",
# "进入受料仓处理前，…") has no fixed place in a sequence, and is not "the first step" for everyone.
CONDITION = re.compile(
    r"(?<![同及随临按准定适小平])时(?!间)|如果|若|否则|有则|一旦|的[，,；;]|前[，,]"
    r"|发现|出现|听到|遇|中断|突然|必要|^发生|^如[果有遇]"
    # what happens to people or the fire decides whether these apply at all
    r"|有人受伤|有人烧伤|有人烫伤|有人被|伤势|伤情|出血的|出血时|怀疑|无意识|无呼吸|呼吸心跳停止|火势|扩大|控制不住|无法|不了"
)
# An action that starts with a short label and a colon is one branch of several ("眼睛溅入：…",
# "皮肤接触：…"): branches have no order between them.
BRANCH_LABEL = re.compile(r"^[^，；：,;:]{1,8}[：:]")
# A line that holds throughout a phase ("保持通风", "监护人全程在场") has no place in an order either.
THROUGHOUT = (
    "保持",
    "全程",
    "随时",
    "始终",
    "持续",
    "按时",
    "定时",
    "注意",
    "巡检",
    "巡查",
    "监视",
    "每",
    "只有",
    "不离开",
)
# The first clause keeps its closing mark, so "伤员在爆区外的，" still reads as a condition.
FIRST_CLAUSE = re.compile(r"^[^，；：,;:]*[，；：,;:]?")


def is_conditional(text: str) -> bool:
    return CONDITION.search(text) is not None


def starts_conditional(text: str) -> bool:
    """The line's first clause is a condition: the whole line applies only in that case
    ("电力起爆发生盲炮时，立即切断电源…"). A fallback after the main action
    ("立即切断电源；无法断电时用绝缘物挑开电线") does not count."""
    first = FIRST_CLAUSE.match(text)
    return is_conditional(first.group() if first else text)


def holds_throughout(text: str) -> bool:
    return any(word in text for word in THROUGHOUT)


def is_sequence_step(text: str) -> bool:
    """A step that happens once at its place in the work, so its position on the card is provable."""
    return not is_conditional(text) and not holds_throughout(text)


def is_sequence_action(text: str) -> bool:
    """An emergency action with a fixed place in the card's order: not conditional from its first
    clause (which also covers "断电时同时…", done at the same time as another action) and not one
    labelled branch of several."""
    return not starts_conditional(text) and not BRANCH_LABEL.match(text)


def prohibition_objects(text: str) -> list[str]:
    """What a prohibition line forbids, one per clause: "严禁单人进入泄漏区处置，严禁盲目施救" →
    ["单人进入泄漏区处置", "盲目施救"]. Empty when the line does not start with a prohibition word."""
    if not text.startswith(PROHIBITION_MARKERS):
        return []
    starts = [(match.start(1), match.end(1)) for match in PROHIBITION_CLAUSE.finditer(text)]
    objects = []
    for index, (_, end) in enumerate(starts):
        stop = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        clause = text[end:stop].rstrip("，；,;。 ")
        if clause:
            objects.append(clause)
    return objects


def runs(flags: Sequence[bool]) -> list[range]:
    """Maximal runs of consecutive True positions."""
    found: list[range] = []
    start = None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            found.append(range(start, index))
            start = None
    return found


def windows(run: range, *, smallest: int = 3, largest: int = 5) -> list[range]:
    """Split a run into windows of `smallest`..`largest` items, as even as possible; none if short."""
    if len(run) < smallest:
        return []
    count = -(-len(run) // largest)
    size, extra = divmod(len(run), count)
    found = []
    start = run.start
    for index in range(count):
        length = size + (1 if index < extra else 0)
        found.append(range(start, start + length))
        start += length
    return [window for window in found if len(window) >= smallest]


# ---------------------------------------------------------------------------------------------
# What a post talks about


def text_lines(post: PostContent) -> list[tuple[str, str]]:
    """Every line a worker reads on the cards, as (source path, text), in card order. Titles,
    points and bases are included; fill families choose which of these they use."""
    lines: list[tuple[str, str]] = []
    for index, mnemonic in enumerate(post.mnemonics):
        lines.append((f"mnemonics[{index}]", mnemonic.text))
    for risk in post.risks:
        base = f"risks[{risk.id}]"
        lines += [(f"{base}.point", risk.point), (f"{base}.hazard", risk.hazard)]
        lines += [(f"{base}.controls.{group}[{index}]", text) for group, index, text in risk.controls.all()]
    for duty in post.duties:
        lines.append((f"duties[{duty.id}]", duty.text))
    for step in post.operation.steps:
        base = f"operation.steps[{step.id}]"
        lines.append((base, step.text))
        if step.key_point:
            lines.append((f"{base}.key_point", step.key_point))
        lines += [(f"{base}.prohibitions[{index}]", text) for index, text in enumerate(step.prohibitions)]
    for item in post.operation.checklist:
        base = f"operation.checklist[{item.id}]"
        lines += [(f"{base}.point_at", item.point_at), (f"{base}.say", item.say)]
    for scenario in post.emergency.scenarios:
        base = f"emergency.scenarios[{scenario.id}]"
        lines.append((f"{base}.title", scenario.title))
        lines += [(f"{base}.signs[{index}]", text) for index, text in enumerate(scenario.signs)]
        lines += [(f"{base}.actions[{index}]", text) for index, text in enumerate(scenario.action_texts)]
        lines += [(f"{base}.prohibitions[{index}]", text) for index, text in enumerate(scenario.prohibitions)]
    return lines


def vocabulary(post: PostContent) -> set[str]:
    """Every character bigram used anywhere on the post's cards."""
    grams: set[str] = set(bigrams(post.name))
    for _, text in text_lines(post):
        grams |= bigrams(text)
    return grams


# Word pieces that name no particular work ("粉尘涉爆岗位", "危险化学品仓库管理员", "设备运行").
GENERIC_NAME_PIECES = {
    "岗位",
    "作业",
    "业人",
    "人员",
    "管理",
    "理员",
    "操作",
    "作工",
    "司机",
    "危险",
    "安全",
    "设备",
    "运行",
    "检查",
    "现场",
    "工作",
    "系统",
}


def recurring_pieces(texts: Iterable[str]) -> set[str]:
    """Word pieces used in two or more of the texts (a piece used once, like "带病" in
    "车辆带病运行", may be any post's word)."""
    counts: dict[str, int] = {}
    for text in texts:
        for gram in bigrams(text):
            counts[gram] = counts.get(gram, 0) + 1
    return {gram for gram, count in counts.items() if count >= 2}


def domain_terms(post: PostContent, *, with_steps: bool = False) -> set[str]:
    """Word pieces naming the post's own work: those of its name, those that recur in its risk
    points, and (`with_steps`) those that recur in its operation steps ("货叉", "滑块", "装药")."""
    terms = set(bigrams(post.name)) | recurring_pieces(risk.point for risk in post.risks)
    if with_steps:
        terms |= recurring_pieces(step.text for step in post.operation.steps)
    return terms - GENERIC_NAME_PIECES


def is_foreign(text: str, terms: set[str]) -> bool:
    return bool(bigrams(text) & terms)


# ---------------------------------------------------------------------------------------------
# Practices: right lines and wrong ways of working in one plain form


# A right line that states a rule ("严禁…", "不能只关阀门") is not a practice: offered next to
# practices it would stand out by its form, so it is never a key or a true statement as it is.
RULE_WORDS = (*PROHIBITION_MARKERS, "不能", "不要", "不许")
# Leading modal words are dropped so that right and wrong practices read alike ("必须先通风" →
# "先通风"); "应急" is a word, not a modal.
LEADING_MODAL = re.compile(r"^(必须|应当|务必|须|应(?![急用变]))")


# A line that gives a purpose ("防止碎石掉入孔内") says why, not what to do.
PURPOSE_OPENINGS = ("防止", "避免", "以免", "以防")


def reads_as_practice(text: str) -> bool:
    return not any(word in text for word in RULE_WORDS) and not text.startswith(PURPOSE_OPENINGS)


# Right lines that make poor keys and true statements: a phone call everybody makes anyway
# (拨打120), a rule that defers to another document (按规定/按规程/按制度) with nothing in it to
# know, the enterprise's training duty (培训…), and truisms about equipment (保持完好) that cannot
# be false. Two blind reviews and the learning guesser found them right every time: no mistake is
# ever phrased that way.
NOTHING_TO_KNOW = ("拨打", "按规定", "按规程", "按设计", "按制度", "按要求", "培训", "保持完好", "完好有效")


# A mistake's right twin said as a true statement tests the card only when it holds a fact a worker
# must know from the card: anyone calls "戴好安全帽，系好安全带" or "立即停机，报告班组长" 正确
# (blind reviews 7–8). What counts as such a fact, each by a plain word test on the twin alone:
ORDER_FACT = "顺序"
SPECIFIC_FACTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # a number or class: "不超过容积的80%", "12伏", "D类灭火剂", "两人"
    ("数字", FIGURE),
    # an order: "先抽空再关阀", "降压后再打开", "全部撤出后，拆除盲板", "改气割前，重新审批"
    (ORDER_FACT, re.compile(r"先|再(?!生)|然后|之后|直到|才|[后前][，,]")),
    # who does it: "由持证电工…", "有资质单位", "监护人", "操作工本人"
    ("谁来做", re.compile(r"由|持证|资质|操作证|专人|专职|监护|指挥人员|信号工|司索|爆破员|安全员|本人")),
    # with what: "用试纸或检漏仪", "用铁钩", "不用水"; not "用手", "用于", "用电", nor "停用" (the plain
    # safe act of PLAIN_SAFE_ACTS: "停用，由持证电工更换" counted as a tool, sweep 4)
    ("用什么", re.compile(r"(?<!停)用(?![手于电时完后过力心])")),
    # where, which way, how often, how far: "侧面", "上风向", "门架后倾", "自上而下", "每趟", "逐挡", "不超过",
    # "货物朝向上坡"
    (
        "位置方向",
        re.compile(
            r"侧面|侧方|上风|下风|上方|下方|后倾|前倾|外侧|内侧|对面|远离|以外|之外|以内|不超过|至少|每|逐|朝向"
            r"|自上而下|自下而上"
        ),
    ),
)


def specific_fact(text: str, contrast: str = "") -> str | None:
    """The kind of card fact `text` holds (SPECIFIC_FACTS), or None when it holds none: a right
    twin without one is asked in its wrong form only (judge_statements).
    With `contrast` (the mistake the twin answers), an order counts only when the mistake states an
    order too ("先关瓶阀，再关焊炬阀门" beside "先关焊炬阀门，再关瓶阀"): a twin that only puts
    "…后，再…" before what its mistake skips ("等人员撤离后再合闸" beside "喊话示警后合闸") holds no
    order a worker must learn, and "再" would mark the true statements (blind review 9: 8 of 16 true
    statements had it, none of 23 false ones)."""
    for kind, pattern in SPECIFIC_FACTS:
        if kind == ORDER_FACT and contrast and not pattern.search(contrast):
            continue
        if pattern.search(text):
            return kind
    return None


def true_on_card(text: str, practices: Sequence[str], mistakes: frozenset[str]) -> bool:
    """`text` is a right line of the card (`practices`). A mistake the card writes down (normalised
    in `mistakes`) is a right line with one thing changed ("发现裂缝，装完本车后停铲" beside "发现
    裂缝立即停铲"): the card says it is wrong, so only a mistake that says the whole of a right line
    counts; any other text counts when it is similar() to one."""
    if normalise(text) in mistakes:
        return any(says_all_of(text, line) for line in practices)
    return any(similar(text, line) for line in practices)


def says_all_of(text: str, line: str) -> bool:
    """`text` says all that `line` says: the same words, or every one of them and more."""
    return normalise(line) in normalise(text)


def mistake_lines(base: str, mistakes: Sequence[str | MistakePair]) -> list[tuple[str, str]]:
    """Each mistake of the item at `base` as (source path, text)."""
    return [(f"{base}.mistakes[{index}]", wrong_text(mistake)) for index, mistake in enumerate(mistakes)]


def twin_lines(base: str, mistakes: Sequence[str | MistakePair]) -> list[tuple[str, str, str]]:
    """Each right twin of the item's mistakes as (source path, twin, the mistake it answers)."""
    return [
        (f"{base}.mistakes[{index}].right", mistake.right, mistake.wrong)
        for index, mistake in enumerate(mistakes)
        if isinstance(mistake, MistakePair)
    ]


def twin_choices(
    ctx: Context,
    *,
    family: str,
    stem: str,
    twins: Sequence[tuple[str, str, str]],
    wrongs: Sequence[str],
    lines: Sequence[tuple[str, str]],
) -> Iterable[Question]:
    """下列做法正确的是？ once per right twin (twin_lines) of an item: the twin among the item's other
    mistakes, explained by the card line of `lines` it follows. Not a twin that only adds a plain
    safe act to its mistake: as the key it is "the one option that stops, reports or calls the
    electrician" (reviews 14–22 on these choices), found by its tone like its true statement."""
    for source, twin, mistake in twins:
        if source in ctx.unasked_twins or adds_a_plain_safe_act(twin, mistake):
            continue
        question = practice_choice(
            ctx,
            family=family,
            source=source,
            stem=stem,
            right=twin,
            wrongs=wrongs,
            contrast=mistake,
            explanation=twin_explanation(source, twin, lines, topic=stem, contrast=mistake),
        )
        if question is not None:
            yield question


def twin_basis(
    twin: str, lines: Sequence[tuple[str, str]], *, topic: str = "", contrast: str = ""
) -> tuple[str, str] | None:
    """The card line a twin follows (the one sharing most word pieces with it), or None. A line
    that shares only the situation the twin and its mistake (`contrast`) have in common
    ("双手操作按钮") is not why the twin is right (blind review 8 Q18): it must share a piece of
    what the twin does differently."""
    if contrast and differ_in_figures_only(twin, contrast):
        return figure_basis(twin, lines, topic=topic)
    differs = bigrams(twin) - bigrams(contrast) if contrast else set()
    return closest_line(
        twin,
        [(line_source, text) for line_source, text in lines if not differs or differs & bigrams(text)],
        CLOSE_LINE_PIECES,
        topic=topic,
        focus=differs,
    )


FIGURE_SIGN = "$"


def without_figures(text: str) -> str:
    """`text` with every number written as one sign ("$", kept by normalise as a symbol, where "#"
    is punctuation it drops; a "%" after it is dropped as punctuation): "一氧化碳25毫克" and
    "…30毫克" read alike."""
    return normalise(NUMBER.sub(FIGURE_SIGN, text))


def differ_in_figures_only(twin: str, mistake: str) -> bool:
    """A threshold pair: the same act at two readings or distances ("相距11米，继续钻进" /
    "相距9米，…")."""
    return twin != mistake and without_figures(twin) == without_figures(mistake)


def figure_basis(twin: str, lines: Sequence[tuple[str, str]], *, topic: str = "") -> tuple[str, str] | None:
    """The card line holding the limit a threshold twin keeps: its own figure ("25毫克") is on no
    line, so it is the figured line with the twin's figure in the same unit or after the same word
    ("$毫", "的$") that shares most of the rest, else the figured line sharing most of the twin
    ("氧含量19.8%" beside "氧含量在19.5%～23.5%之间"). Without it the explanation could not show
    the limit (sweep 3: "only 写明的正确做法")."""
    figured = [(source, without_figures(text)) for source, text in lines if NUMBER.search(text)]
    units = {piece for piece in bigrams(without_figures(twin)) if FIGURE_SIGN in piece}
    found = closest_line(
        without_figures(twin),
        [(source, text) for source, text in figured if units & bigrams(text)],
        1,  # each of them holds a figure as the twin does; the most alike wins
        topic=without_figures(topic),
        focus=units,
    ) or closest_line(without_figures(twin), figured, CLOSE_RULE_PIECES, topic=without_figures(topic))
    if found is None:
        return None
    return next((source, text) for source, text in lines if source == found[0])


def twin_explanation(
    source: str, twin: str, lines: Sequence[tuple[str, str]], *, topic: str = "", contrast: str = ""
) -> str:
    """Why the twin at `source` is right, for a reader who has not seen it (a choice's key): the
    card line it follows, then the twin; with no such line, the card item the twin is written on."""
    basis = twin_basis(twin, lines, topic=topic, contrast=contrast)
    if basis is None:
        return f"{cite(source)}写明的正确做法：{twin}。"
    if says_all_of(basis[1], twin):  # the twin says the line itself: quoted once (review 11b, pattern 7)
        return f"{cite(basis[0])}：{basis[1]}。"
    return f"{cite(basis[0])}：{basis[1]}。正确做法：{twin}。"


def true_twin_explanation(
    source: str, twin: str, lines: Sequence[tuple[str, str]], *, topic: str = "", contrast: str
) -> str:
    """Why a true statement made of a twin is right, for a reader who has just read the twin: the
    card line it follows and the common mistake it corrects. Repeating the twin after "正确做法："
    taught nothing (reviews 36a and 36b, both pattern 3 or 5)."""
    basis = twin_basis(twin, lines, topic=topic, contrast=contrast)
    rule = f"{cite(basis[0])}：{basis[1]}。" if basis is not None else f"这是{cite(source)}写明的正确做法。"
    return f"{rule}现场常见的错误做法是：{contrast}。"


def worth_asking(text: str) -> bool:
    return not any(word in text for word in NOTHING_TO_KNOW)


NEGATION_CHARACTERS = re.compile("[不未没无]")


def negates(wrong: str, right: str) -> bool:
    """`wrong` is `right` with a 不/未 put in ("相邻带电部位加绝缘隔板" → "…不加绝缘隔板"): the
    reviewers' "key negated" option, which gives both itself and the key away."""
    more_negations = len(NEGATION_CHARACTERS.findall(wrong)) > len(NEGATION_CHARACTERS.findall(right))
    return more_negations and alike(NEGATION_CHARACTERS.sub("", wrong), NEGATION_CHARACTERS.sub("", right))


NEGATED_CLAUSE = re.compile(r"(?:^|[，；,;、])[^，；,;、不未没]{0,6}[不未没]([^，；,;、]+)")
# a clause (or a 、-separated part of one) whose "不…" says this much of what the mistake does
# names the mistake; the "不" may follow a few words of its own ("急停按钮不复位", review 28)
NAMED_PIECES = 2


def names_its_wrong(twin: str, mistake: str) -> bool:
    """The twin says, in a clause of its own, that it does not do what its mistake does ("手拉葫芦
    挂在专用吊点，不挂在临时焊接的角钢上" beside "…挂在临时焊接的角钢上"): said true, it states its own
    answer (review 23b, Q15 and Q18), so it is asked in its wrong form only. Only the mistake's own
    act counts, not the words both share."""
    if not mistake:
        return False
    for clause in NEGATED_CLAUSE.finditer(twin):
        rest = twin[: clause.start()] + twin[clause.end() :]
        differs = bigrams(mistake) - bigrams(rest)
        if len(bigrams(clause.group(1)) & differs) >= NAMED_PIECES:
            return True
    return False


# What every worker calls right without knowing the card: stop, report, send for repair, stop
# using it until it is mended. Blind reviews 12–23 (each statement matched to its twin as the bank
# stood when the sample was drawn): true statements whose twin adds one of these to its mistake were
# valid for 43 % of the reviewers' verdicts (n = 42), the other true twins for 74 % (n = 406); the
# mistakes of such pairs, said false, were as good as the rest (84 % and 82 %), so they stay. A
# broader list (断电, 由, 确认, 撤, 换 …) also caught twins that teach a fact ("换持有效证件的电工来
# 干", 16a and 16b valid) and left the bank's step statements too few true ones to balance.
PLAIN_SAFE_ACTS = ("停用", "报告", "报修", "停机", "停车", "修好")


def added_words(twin: str, mistake: str) -> str:
    """What `twin` says that its mistake does not: the inserted and replaced runs of characters."""
    left, right = normalise(mistake), normalise(twin)
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    return "".join(right[j1:j2] for tag, _, _, j1, j2 in matcher.get_opcodes() if tag in ("replace", "insert"))


def adds_a_plain_safe_act(twin: str, mistake: str) -> bool:
    """The twin puts right its mistake with an act anyone calls right (PLAIN_SAFE_ACTS): said true,
    it is answered by its tone, so it is asked in its wrong form only (judge_statements), and it is
    no key of "下列做法正确的是？" (twin_choices)."""
    added = added_words(twin, mistake) if mistake else ""
    return any(act in added for act in PLAIN_SAFE_ACTS)


def as_practice(text: str) -> str:
    return LEADING_MODAL.sub("", text.strip()).rstrip("。；;，, ")


def forbidden_practices(lines: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """What rule lines forbid, as wrong practices with their line's path: ("…prohibitions[0]",
    "严禁用纯氧通风换气") → ("…prohibitions[0]", "用纯氧通风换气"). Only lines that are a prohibition
    as a whole (one clause) count: a forbidden clause cut out of a longer line may lose its sense."""
    found = []
    for source, text in lines:
        objects = prohibition_objects(text)
        if len(objects) == 1:
            found.append((source, objects[0]))
    return found


def wrong_note(distractors: Sequence[str]) -> str:
    return "其余选项是现场常见的错误做法。" if distractors else ""


def judge_statements(
    ctx: Context,
    *,
    family: str,
    where: str,
    rights: Sequence[tuple[str, str]],
    wrongs: Sequence[tuple[str, str]],
    right_way: str,
    rules: Sequence[tuple[str, str]] = (),
    also_right: Sequence[tuple[str, str]] = (),
    label: str | None = None,
) -> Iterable[Question]:
    """One plain statement per practice: "判断：{where}{practice}。", 正确 for the card's right lines
    that read as practices, 错误 for its wrong ways of working. One form for both truths, so only
    knowing the card tells them apart. `rights`/`wrongs`/`rules` are (source path, text); each
    question's source is its own line. A false statement is explained by the right line or the
    prohibition (`rules`) it breaks (`also_right`: more right lines that may be it, not stated
    themselves); `right_way` (what the card says instead) when none is close.
    `label` is the item's own name when `where` already gives it, so a line starting with it
    ("检查工作面：…") does not say it twice."""
    mistakes = dict(wrongs)
    statements = [
        (source, text, True)
        for source, text in rights
        if reads_as_practice(text)
        and worth_asking(text)
        and source not in ctx.unasked_twins
        # a twin true by common sense, one that names its wrong or one that adds a plain safe act to
        # it is asked in its wrong form only
        and (
            not source.endswith(".right")
            or (
                specific_fact(text, contrast=mistakes.get(source.removesuffix(".right"), "")) is not None
                and not names_its_wrong(text, mistakes.get(source.removesuffix(".right"), ""))
                and not adds_a_plain_safe_act(text, mistakes.get(source.removesuffix(".right"), ""))
            )
        )
    ]
    statements += [
        (source, text, False)
        for source, text in wrongs
        if not ctx.true_here(text) and not any(negates(text, line) for _, line in rights)
    ]
    own_twins = {source.removesuffix(".right"): (source, text) for source, text in rights if source.endswith(".right")}
    for source, text, true in statements:
        if true:
            explanation = right_explanation(
                source,
                text,
                [*also_right, *rules],
                topic=where,
                contrast=mistakes.get(source.removesuffix(".right"), ""),
            )
        elif source in own_twins:
            # the mistake's own twin is the right way in the same situation: the one line that
            # explains it (a prohibition sharing its words may be one the statement keeps)
            explanation = twin_reason(*own_twins[source])
        else:
            explanation = wrong_explanation(text, [*rights, *also_right], rules, right_way)
        yield judge_question(
            ctx,
            family=family,
            source=source,
            statement=f"判断：{where}{statement_text(text, label)}。",
            true=true,
            explanation=explanation,
        )


def twin_reason(twin_source: str, twin: str) -> str:
    return f"错误。这是现场常见的错误做法。{cite(twin_source)}写明的正确做法：{twin}。"


def right_explanation(
    source: str, text: str, card_lines: Sequence[tuple[str, str]], *, topic: str = "", contrast: str = ""
) -> str:
    """Why a true statement is true: its card line; for a mistake's right twin, the card line the
    twin follows (the twin itself is the card's example, not its rule) and `contrast`, its mistake."""
    if source.endswith(".right"):
        if not contrast:
            return "正确。" + twin_explanation(source, text, card_lines, topic=topic)
        return "正确。" + true_twin_explanation(source, text, card_lines, topic=topic, contrast=contrast)
    return f"正确。{cite(source)}：{text}。"


MIN_STATEMENT = 4


def is_when(label: str) -> bool:
    """A label that is a time ("动火前", "破碎机卡大块时"), not a step's name ("稳车")."""
    return label.endswith(("前", "时", "后"))


def statement_text(text: str, label: str | None) -> str:
    """A card line as the practice of a statement: without a leading duty word, without the item's
    name when the setting already gives it, and a branch label ("眼睛溅入：…") read as its case
    ("眼睛溅入，…") rather than a heading in mid-sentence."""
    practice = as_practice(text)
    if label and practice.startswith(label):
        rest = practice[len(label) :]
        if rest[:1] in ("：", ":"):
            practice = rest[1:]
        elif is_when(label) and len(rest.lstrip("，,")) >= MIN_STATEMENT:
            # a time the setting already says ("（炮孔钻完后）炮孔钻完后…": full-pool review)
            practice = rest.lstrip("，,")
    branch = BRANCH_LABEL.match(practice)
    if branch:
        practice = branch.group()[:-1] + "，" + practice[branch.end() :]
    return practice


def wrong_explanation(
    wrong: str, rights: Sequence[tuple[str, str]], rules: Sequence[tuple[str, str]], right_way: str
) -> str:
    """Why a wrong practice is wrong: the prohibition it breaks and the right line it is the wrong
    version of (the ones sharing the most word pieces with it), not the whole list of the item's
    lines; `right_way` when none is close. Raising the alarm is never the reason (it is on every
    card, and "报告班组长" read beside "先报告班组长再断电" seems to support the wrong one)."""
    reasons = [
        line
        for lines, least in ((rules, CLOSE_RULE_PIECES), (rights, CLOSE_LINE_PIECES))
        if (line := closest_line(wrong, lines, least)) is not None
    ]
    if not reasons:
        return f"错误。这是现场常见的错误做法。{right_way}"
    by_card: dict[str, list[str]] = {}
    for source, text in reasons:
        # a twin is the card's own example of the right way, not one of its rules: said as such
        by_card.setdefault(f"{cite(source)}写明的正确做法" if source.endswith(".right") else cite(source), []).append(
            text
        )
    return "错误。这是现场常见的错误做法。" + "".join(
        f"{card}：{'；'.join(texts)}。" for card, texts in by_card.items()
    )


def closest_line(
    wrong: str,
    lines: Sequence[tuple[str, str]],
    least: int,
    *,
    topic: str = "",
    focus: set[str] | frozenset[str] = frozenset(),
) -> tuple[str, str] | None:
    """The line sharing the most telling word pieces with `wrong` (at least `least` of them): a
    piece the question's setting already names ("触电" in "发生“有人触电”时") tells nothing, and a
    piece many lines have tells less than one only a few have ("切断"), so each shared piece counts
    by how rare it is among the lines.
    With `focus` (the pieces a twin does differently from its mistake), the line sharing most of
    those wins first: "炮烟在坑底散尽后，从上风方向进入检查" is right because "炮烟未散尽不得进入爆区",
    not because of the rescue line that shares more of the setting ("从上风方向施救"; review 18 Q16)."""
    # what a twin does differently counts even where the setting names it ("炮烟" in the point
    # "爆破后的炮烟", for "炮烟在坑底散尽后…")
    pieces = (bigrams(wrong) - bigrams(topic)) | focus
    candidates = [(source, text, pieces & bigrams(text)) for source, text in lines if not REPORTING_LINE.search(text)]
    spread = Counter(piece for _, _, shared in candidates for piece in shared)

    def weight(shared: set[str]) -> float:
        return sum(log((len(candidates) + 1) / spread[piece]) for piece in shared)

    scored = [
        (weight(shared & focus), weight(shared), source, text)
        for source, text, shared in candidates
        if len(shared) >= least
    ]
    if not scored:
        return None
    *_, source, text = max(scored)
    return source, text


CLOSE_LINE_PIECES = 3
CLOSE_RULE_PIECES = 2
REPORTING_LINE = re.compile(r"^(立即)?(大声)?(呼救|呼喊|报告|拨打)")


def practice_choice(
    ctx: Context,
    *,
    family: str,
    source: str,
    stem: str,
    right: str,
    wrongs: Sequence[str],
    explanation: str,
    contrast: str | None = None,
) -> Question | None:
    """下列做法正确的是？ with `right` (a line of the card, or a mistake's twin) among up to three of
    `wrongs` (the same item's mistakes, already passed through ctx.wrong_practices); None when
    fewer than two wrong options are left. `contrast`, the mistake `right` is the twin of, is never
    one of the options: the twin and its mistake say the same act with one detail changed, so the
    pair stands out and a test-wise reader narrows the choice to it (blind review 11b found the pair
    in 7 of 7 single choices; review 11a called it a mild cue). The other mistakes of the same item
    are near misses of the same work without pointing at the key."""
    if not worth_asking(right):
        return None
    # `wrongs` have passed ctx.wrong_practices: none is true here; one alike the key is still
    # refused, since a look-alike pair points at the answer
    others = [text for text in wrongs if text != contrast and not negates(text, right) and not alike(text, right)]
    avoid = [contrast] if contrast else []
    # the wrongs that sound as careful as the key first (the half-measures: "停铲后在驾驶室内报告"),
    # so that the key is not the one option that stops, reports or waits (wording.register)
    careful = [text for text in others if register(text) >= register(right)]
    tiers = [careful, [text for text in others if text not in careful]]
    distractors = pick_distractors(ctx.rng(f"{family}:{source}"), tiers, rights=[right], count=3, avoid=avoid)
    if len(distractors) < 2:
        return None
    return choice_question(
        ctx,
        family=family,
        source=source,
        stem=stem,
        rights=[right],
        distractors=distractors,
        explanation=explanation + wrong_note(distractors),
    )
