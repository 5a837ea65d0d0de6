"""What the reference bank promises for each post, beyond what the schema itself requires.

An enterprise's own post may be smaller; the reference cards we ship must be complete enough
to teach from.
"""

from app.cards.schema import Phase, PostContent

MIN_MISTAKES = 2
MINIMUMS = {"risks": 5, "duties": 5, "steps": 8, "checklist": 6, "scenarios": 3}


def reference_shortfalls(post: PostContent) -> list[str]:
    """Plain-Chinese reasons the post falls short of the reference-bank minimums (empty if none)."""
    counts = {
        "risks": len(post.risks),
        "duties": len(post.duties),
        "steps": len(post.operation.steps),
        "checklist": len(post.operation.checklist),
        "scenarios": len(post.emergency.scenarios),
    }
    labels = {
        "risks": "风险",
        "duties": "职责",
        "steps": "操作步骤",
        "checklist": "手指口述条目",
        "scenarios": "应急情景",
    }
    problems = [
        f"{labels[key]}只有 {counts[key]} 条，参考卡至少 {minimum} 条"
        for key, minimum in MINIMUMS.items()
        if counts[key] < minimum
    ]
    phases = {step.phase for step in post.operation.steps}
    missing = [phase.value for phase in Phase if phase not in phases]
    if missing:
        problems.append("操作卡缺少阶段：" + "、".join(missing))
    # Mistakes are the distractors and false statements of the quizzes: every risk, every step
    # with a key point and every emergency scenario carries at least two.
    thin = [risk.id for risk in post.risks if len(risk.mistakes) < MIN_MISTAKES]
    thin += [step.id for step in post.operation.steps if step.key_point and len(step.mistakes) < MIN_MISTAKES]
    thin += [scenario.id for scenario in post.emergency.scenarios if len(scenario.mistakes) < MIN_MISTAKES]
    if thin:
        problems.append(f"以下条目的常见错误做法少于 {MIN_MISTAKES} 条：" + "、".join(thin))
    if not post.standards:
        problems.append("没有列出引用的标准")
    problems += format_shortfalls(post)
    return problems


MIN_REPORT_ITEMS = 3


def format_shortfalls(post: PostContent) -> list[str]:
    """The columns the notices' risk lists and emergency cards carry: the schema leaves them
    optional (older versions lack them), the reference cards fill every one."""
    problems = []
    unheld = [risk.id for risk in post.risks if risk.control_level is None or risk.responsible is None]
    if unheld:
        problems.append("以下风险没有写管控层级或责任岗位：" + "、".join(unheld))
    nobody = [
        f"{scenario.id} 第{number}步"
        for scenario in post.emergency.scenarios
        for number, action in enumerate(scenario.actions, start=1)
        if not action.who
    ]
    if nobody:
        problems.append("以下处置步骤没有写谁去做：" + "、".join(nobody))
    fields = {
        "escape_route": "撤离路线",
        "muster_point": "集合点",
        "kit_location": "应急物资存放处",
    }
    for scenario in post.emergency.scenarios:
        missing = [label for name, label in fields.items() if not getattr(scenario, name)]
        if len(scenario.report_items) < MIN_REPORT_ITEMS:
            missing.append(f"报告内容（至少 {MIN_REPORT_ITEMS} 项）")
        if missing:
            problems.append(f"应急情景 {scenario.id} 缺少：" + "、".join(missing))
    return problems
