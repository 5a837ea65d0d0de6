from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response

from app.cards import service
from app.cards.models import Post, PostVersion
from app.cards.parsing import CARD_UPLOAD, Problem, dump_yaml
from app.cards.schemas import ImportAnswer, ImportedPost, PostDetail, PostSummary, VersionOut
from app.cards.views import post_detail, post_summaries
from app.context import ClockDep
from app.db import SessionDep
from app.errors import InvalidInput, ResourceNotFound, error_responses
from app.inputs import Id
from app.org.models import Person, Role
from app.proposals import export, status
from app.security import CurrentPerson, RequireRole, TenantScope
from app.uploads import read_upload, read_uploads

router = APIRouter(prefix="/api", tags=["cards"])
CardEditor = Annotated[Person, Depends(RequireRole(Role.trainer, Role.manager))]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def visible_post(session: SessionDep, scope: TenantScope, post_id: Id) -> Post:
    post = service.get(session, scope=scope, post_id=post_id)
    if post is None:
        raise ResourceNotFound("岗位")
    return post


VisiblePost = Annotated[Post, Depends(visible_post)]


def shown_version_or_404(session: SessionDep, post: Post, scope: TenantScope) -> PostVersion:
    stored = service.shown_version(session, post, scope=scope)
    if stored is None:
        raise ResourceNotFound("岗位")
    return stored


@router.get("/posts", response_model=list[PostSummary], responses=error_responses(401))
def list_posts(person: CurrentPerson, scope: TenantScope, session: SessionDep) -> list[PostSummary]:
    return post_summaries(session, person=person, scope=scope, posts=service.list_for(session, scope=scope))


@router.get("/posts/{post_id}", response_model=PostDetail, responses=error_responses(401, 404))
def get_post(post: VisiblePost, scope: TenantScope, session: SessionDep, clock: ClockDep) -> PostDetail:
    return post_detail(session, post, shown_version_or_404(session, post, scope), now=clock())


@router.get("/posts/{post_id}/versions", response_model=list[VersionOut], responses=error_responses(401, 403, 404))
def list_versions(post: VisiblePost, editor: CardEditor, session: SessionDep) -> list[VersionOut]:
    return [
        VersionOut(
            number=v.number,
            content_hash=v.content_hash,
            source=v.source,
            created_at=v.created_at.isoformat(),
            published_at=v.published_at.isoformat() if v.published_at else None,
            published=v.number == post.published_version,
        )
        for v in service.versions_of(session, post)
    ]


@router.post(
    "/posts/{post_id}/versions/{number}/publish", response_model=PostSummary, responses=error_responses(401, 403, 404)
)
def publish(
    post: VisiblePost, number: Id, editor: CardEditor, scope: TenantScope, session: SessionDep, clock: ClockDep
) -> PostSummary:
    if service.publish_version(session, post=post, number=number, now=clock()) is None:
        raise ResourceNotFound("版本")
    session.commit()
    return post_summaries(session, person=editor, scope=scope, posts=[post])[0]


@router.post("/cards/import", response_model=ImportAnswer, responses=error_responses(401, 403, 422))
def import_cards(
    editor: CardEditor,
    session: SessionDep,
    clock: ClockDep,
    file: Annotated[
        list[UploadFile],
        File(
            description=f".yaml/.yml 或 .xlsx，一个文件一个岗位；可多个（最多 {CARD_UPLOAD.files} 个）",
            json_schema_extra={"minItems": 1, "maxItems": CARD_UPLOAD.files},
        ),
    ],
    publish: Annotated[bool, Query(description="导入后立即发布（默认）；false 则存为草稿待审")] = True,
) -> ImportAnswer:
    assert editor.enterprise_id is not None
    files, refused = read_uploads(file, CARD_UPLOAD)
    outcomes, problems = service.import_files(
        session,
        enterprise_id=editor.enterprise_id,
        files=files,
        refused=[Problem(n, "", m) for n, m in refused],
        actor=editor,
        now=clock(),
        publish=publish,
    )
    if problems:
        raise InvalidInput([p.as_dict() for p in problems], detail=f"发现 {len(problems)} 处问题，未导入任何内容")
    session.commit()
    return ImportAnswer(posts=[imported(o) for o in outcomes])


def imported(outcome: service.ImportOutcome) -> ImportedPost:
    return ImportedPost(
        code=outcome.post.code,
        post_id=outcome.post.id or 0,
        version=outcome.version,
        status=outcome.status,
        created=outcome.status == "created",
        updated=outcome.status == "updated",
        published=outcome.published,
        warnings=[warning.as_dict() for warning in outcome.warnings],
    )


@router.get(
    "/cards/export",
    responses={**error_responses(401, 404, 422), 200: {"content": {"application/yaml": {}, XLSX_TYPE: {}}}},
)
def export_cards(
    scope: TenantScope,
    session: SessionDep,
    post_id: Id,
    format: Literal["yaml", "xlsx"] = "yaml",
    version: Id | None = None,
) -> Response:
    post = visible_post(session, scope, post_id)
    stored = service.version(session, post, version) if version else service.shown_version(session, post, scope=scope)
    if stored is None or (version and version != post.published_version and scope.role not in service.EDITOR_ROLES):
        raise ResourceNotFound("版本")
    post_content = service.content(stored)
    filename = f"{post.code}-v{stored.number}.{format}"
    signed = status.signatures(session, stored)
    if format == "yaml":
        body = export.yaml_with_signatures(dump_yaml(post_content), signed)
    else:
        from app.cards.excel import write_workbook  # openpyxl loads only when a workbook is asked for

        body = export.workbook_with_signatures(write_workbook(post_content), signed)
    media = "application/yaml; charset=utf-8" if format == "yaml" else XLSX_TYPE
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/cards/template.xlsx", responses={**error_responses(401, 403), 200: {"content": {XLSX_TYPE: {}}}})
def card_template(editor: CardEditor) -> Response:
    from app.cards.excel import template_workbook

    return Response(
        template_workbook(),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="two-lists-two-cards-template.xlsx"'},
    )


@router.post(
    "/posts/{post_id}/questions/import", response_model=ImportedPost, responses=error_responses(401, 403, 404, 422)
)
def import_question_bank(
    post: VisiblePost,
    editor: CardEditor,
    session: SessionDep,
    clock: ClockDep,
    file: Annotated[UploadFile, File(description="Excel 题库：题型、题干、选项A–F、答案、解析、维度、来源")],
    publish: Annotated[bool, Query(description="导入后立即发布（默认）")] = True,
) -> ImportedPost:
    """Replace the post's hand-written questions with the workbook's, as a new version of the post."""
    from app.questions.bank_import import MAX_QUESTION_FILE_BYTES
    from app.questions.bank_import import import_question_bank as import_bank

    base = service.version(session, post, post.latest_version)
    if base is None:
        raise ResourceNotFound("岗位")
    name = file.filename or "题库.xlsx"
    content = read_upload(file, MAX_QUESTION_FILE_BYTES, where={"file": name, "location": ""})
    outcome, problems = import_bank(
        session, post=post, base=base, filename=name, content=content, actor=editor, now=clock(), publish=publish
    )
    if outcome is None:
        raise InvalidInput([p.as_dict() for p in problems], detail=f"发现 {len(problems)} 处问题，未导入任何题目")
    session.commit()
    return imported(outcome)


@router.get("/questions/template.xlsx", responses={**error_responses(401, 403), 200: {"content": {XLSX_TYPE: {}}}})
def question_bank_template(editor: CardEditor) -> Response:
    from app.cards.excel import question_template_workbook

    return Response(
        question_template_workbook(),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="question-bank-template.xlsx"'},
    )
