"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.accounts.models import LoginFailure
from app.cards.models import Post, PostVersion
from app.contest.models import Competition, CompetitionPaper, Entry
from app.drill.models import (
    ChecklistConfirmation,
    ChecklistRun,
    DrillPreference,
    Flashcard,
    FlashcardMemory,
    FlashcardReview,
    RecallSnapshot,
)
from app.meeting.models import Meeting, MeetingAttendee
from app.org.models import Department, Enterprise, Person, PersonPost, Region
from app.proposals.models import Proposal, ProposalPhoto, VersionParticipant
from app.questions.models import QuestionOverride
from app.quiz.models import NotebookEntry, QuizAttempt
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from app.spotcheck.models import SpotCheck

__all__ = [
    "ChecklistConfirmation",
    "ChecklistRun",
    "Competition",
    "CompetitionPaper",
    "Department",
    "DrillPreference",
    "Enterprise",
    "Entry",
    "Flashcard",
    "FlashcardMemory",
    "FlashcardReview",
    "LoginFailure",
    "Meeting",
    "MeetingAttendee",
    "NotebookEntry",
    "Person",
    "PersonPost",
    "Post",
    "PostVersion",
    "Proposal",
    "ProposalPhoto",
    "QuestionOverride",
    "QuizAttempt",
    "RecallSnapshot",
    "Region",
    "Round",
    "RoundAnswer",
    "RoundQuestion",
    "SpotCheck",
    "VersionParticipant",
]
