"""Card proposals (一线员工辨风险): what a worker on a post says should change in its cards, how the
team decided it (at a pre-shift meeting or not), and which card version merged it.

The people who took part in a version (who proposed, who discussed) are copied onto the version
when it is made (`VersionParticipant`), so the record an inspector reads does not change when a
proposal or a meeting is later tidied away.
"""

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime


class Proposal(SQLModel, table=True):
    __tablename__ = "proposal"
    # A queued (offline) proposal is sent again until the phone hears back: its client_id makes the
    # second send find the first instead of storing it twice.
    __table_args__ = (UniqueConstraint("author_id", "client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    post_version: int = Field(description="the version the worker was reading")
    author_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    client_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=12)  # hazard | control | step | mistake | other
    document: str = Field(max_length=12)  # risks | duties | operation | emergency
    line: str | None = Field(default=None, max_length=40, description="card line id, e.g. R2")
    text: str = Field(max_length=1000)
    has_photo: bool = Field(default=False)
    status: str = Field(default="open", max_length=10, index=True)  # open | accepted | rejected | merged
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    decided_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    note: str | None = Field(default=None, max_length=500)
    # The pre-shift meeting it was discussed at: its attendees discussed it.
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", ondelete="SET NULL")
    merged_version_id: int | None = Field(default=None, foreign_key="post_version.id", ondelete="SET NULL")


class ProposalPhoto(SQLModel, table=True):
    """The photo, in the database beside its proposal: stored in the same transaction (never half
    saved), served only through the proposal's tenancy check, small (resized on the phone)."""

    __tablename__ = "proposal_photo"

    proposal_id: int = Field(foreign_key="proposal.id", primary_key=True, ondelete="CASCADE")
    media_type: str = Field(max_length=20)
    width: int
    height: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class VersionParticipant(SQLModel, table=True):
    """A person who took part in compiling a card version, as they were when it was merged."""

    __tablename__ = "version_participant"
    __table_args__ = (UniqueConstraint("version_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="post_version.id", index=True, ondelete="CASCADE")
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    name: str = Field(max_length=40)
    role: str = Field(max_length=12)
    took_part: str = Field(max_length=10)  # proposed | discussed
