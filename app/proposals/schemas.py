"""Shapes of the proposal API's requests and answers."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.inputs import Id, RequestBody


class ProposalOut(BaseModel):
    id: int
    post_id: int
    post_name: str
    post_version: int
    kind: str
    kind_label: str
    document: str
    document_label: str
    line: str | None
    text: str
    has_photo: bool
    photo_url: str | None
    author: str
    author_id: int
    created_at: str
    status: Literal["open", "accepted", "rejected", "merged"]
    status_label: str
    decided_by: str | None
    decided_at: str | None
    note: str | None
    meeting_id: int | None
    merged_version: int | None
    client_id: str | None


class DecisionIn(RequestBody):
    model_config = ConfigDict(extra="forbid", strict=True)

    status: Literal["accepted", "rejected"]
    note: str | None = Field(default=None, max_length=500, description="采纳/不采纳的说明；不采纳时必填")
    meeting_id: Id | None = Field(default=None, description="在哪次班前会上讨论的：到会的人记为参与讨论")


class ReviewIn(RequestBody):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500, description="修订原因")


class ApproveIn(RequestBody):
    model_config = ConfigDict(extra="forbid", strict=False)

    review_due_on: date | None = Field(default=None, description="下次评审日期；默认批准之日起一年")


class ParticipantOut(BaseModel):
    name: str
    role: str
    took_part: Literal["proposed", "discussed"]


class GapOut(BaseModel):
    code: str
    label: str


class CompileStatusOut(BaseModel):
    post_id: int
    compiled: bool
    version: int | None
    review_due_on: date | None
    missing: list[GapOut]


class SignaturesOut(BaseModel):
    post_id: int
    version: int
    compiled_by: list[str]
    participants: list[ParticipantOut]
    worker_participants: int
    created_by: str | None
    reviewed_by: str | None
    reviewed_at: str | None
    approved_by: str | None
    approved_at: str | None
    effective_on: date | None
    review_due_on: date | None
    change_reason: str | None
    merged_proposals: list[int]
    published: bool
