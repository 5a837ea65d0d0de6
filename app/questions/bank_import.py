"""A question bank in the common Chinese Excel layout (题型, 题干, 选项A–F, 答案, 解析, 维度, 来源)
becomes a post's hand-written questions: a new version of the post, checked like any card file."""

from datetime import datetime

from sqlmodel import Session

from app.cards import service as cards
from app.cards.models import Post, PostVersion
from app.cards.parsing import CardFileError, Problem, RawPost, validate
from app.org.models import Person

MAX_QUESTION_FILE_BYTES = 1024 * 1024


def import_question_bank(
    session: Session,
    *,
    post: Post,
    base: PostVersion,
    filename: str,
    content: bytes,
    actor: Person | None,
    now: datetime,
    publish: bool,
) -> tuple[cards.ImportOutcome | None, list[Problem]]:
    """Replace the hand-written questions of `base` with the sheet's; nothing is stored when any
    row has a problem."""
    from app.cards.excel import read_question_workbook  # openpyxl loads only when needed

    if not filename.lower().endswith(".xlsx"):
        return None, [Problem(filename, "", "题库只接受 Excel（.xlsx）文件")]
    if len(content) > MAX_QUESTION_FILE_BYTES:
        return None, [Problem(filename, "", f"文件超过 {MAX_QUESTION_FILE_BYTES // 1024} KB")]
    try:
        questions, locate, problems = read_question_workbook(filename, content)
    except CardFileError as error:
        return None, error.problems
    data = cards.content(base).model_dump(mode="json")
    data["questions"] = questions
    post_content, found = validate(filename, RawPost(data=data, locate=locate, problems=problems))
    if post_content is None:
        return None, found
    [outcome] = cards.import_posts(
        session,
        enterprise_id=post.enterprise_id,
        posts=[(post_content, filename)],
        actor=actor,
        now=now,
        publish=publish,
    )
    return outcome, []
