"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.accounts.models import LoginFailure
from app.cards.models import Post, PostVersion
from app.org.models import Department, Enterprise, Person, PersonPost, Region

__all__ = ["Department", "Enterprise", "LoginFailure", "Person", "PersonPost", "Post", "PostVersion", "Region"]
