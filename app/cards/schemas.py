"""Shapes of the card API's answers (the content itself is schema.PostContent)."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, computed_field

from app.cards.schema import CheckItem, Duty, Mnemonic, Risk, Scenario, Standard, Step
from app.proposals.schemas import CompileStatusOut


class RiskOut(Risk):
    """A risk as the API gives it: with the colour of its level (API.md), which the stored content
    leaves to the level itself."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def colour(self) -> str:
        return self.level.colour


class PostSummary(BaseModel):
    id: int
    code: str
    name: str
    industry: str
    key_post: bool
    compiled: bool
    version: int | None  # the version the caller reads
    latest_version: int
    published_version: int | None
    mine: bool  # the caller works on this post


class OperationOut(BaseModel):
    steps: list[Step]
    checklist: list[CheckItem]
    mnemonic: str  # the post's first mnemonic, as API.md names it
    mnemonics: list[Mnemonic]


class EmergencyOut(BaseModel):
    scenarios: list[Scenario]
    dispatch_phone: str | None  # the number behind every contact that has no phone of its own


class PostDetail(BaseModel):
    id: int
    code: str
    name: str
    version: int
    published: bool
    industry: str
    sector: str | None
    area: str | None
    key_post: bool
    compiled: bool
    content_hash: str
    risks: list[RiskOut]
    duties: list[Duty]
    operation: OperationOut
    emergency: EmergencyOut
    mnemonics: list[Mnemonic]
    standards: list[Standard]
    # The version's signatures (app/proposals): who compiled it with the workers, reviewed, approved.
    compiled_by: list[str]
    reviewed_by: str | None
    approved_by: str | None
    effective_on: date | None
    review_due_on: date | None
    change_reason: str | None
    compile_status: CompileStatusOut


class ImportedPost(BaseModel):
    code: str
    post_id: int
    version: int
    status: Literal["created", "updated", "unchanged"]
    created: bool
    updated: bool
    published: bool
    # Located notes that did not block the import: GB/T 6441-1986 accident classes whose GB 6441-2025
    # class a person must choose (those lines get no accident-type question until re-saved).
    warnings: list[dict[str, str]] = []


class ImportAnswer(BaseModel):
    posts: list[ImportedPost]


class VersionOut(BaseModel):
    number: int
    content_hash: str
    source: str | None
    created_at: str
    published_at: str | None
    published: bool
