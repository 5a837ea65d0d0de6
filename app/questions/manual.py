"""Hand-written questions (a post file's `questions:`) as the same Question the generator makes."""

from app.cards.schema import JUDGE_ANSWERS, OPTION_LETTERS, ManualQuestion, PostContent
from app.questions.model import JUDGE_FALSE, JUDGE_TRUE, Dimension, Option, Question, QuestionType
from app.questions.sources import resolve_source

FAMILY = "manual"


def manual_question(post: PostContent, written: ManualQuestion) -> Question:
    kind = QuestionType(written.type)
    if kind == QuestionType.judge:
        options = (Option(JUDGE_TRUE, "正确"), Option(JUDGE_FALSE, "错误"))
        answer: tuple[str, ...] = (JUDGE_TRUE if written.answer[0] == JUDGE_ANSWERS[0] else JUDGE_FALSE,)
    else:
        options = tuple(Option(OPTION_LETTERS[index], text) for index, text in enumerate(written.options))
        answer = tuple(sorted(written.answer)) if kind == QuestionType.multi else tuple(written.answer)
    quote = (resolve_source(post, written.source) if written.source else None) or ""
    return Question(
        key=f"{FAMILY}:{written.id}",
        family=FAMILY,
        type=kind,
        stem=written.stem,
        options=options,
        answer=answer,
        explanation=written.explanation or "",
        dimension=Dimension(written.dimension),
        source=written.source or f"questions[{written.id}]",
        quote=quote or written.explanation or written.stem,
    )


def manual_questions(post: PostContent) -> list[Question]:
    return [manual_question(post, written) for written in post.questions]
