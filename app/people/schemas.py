from pydantic import BaseModel, Field

from app.inputs import RequestBody
from app.org.models import Role


class PersonIn(RequestBody):
    username: str = Field(pattern=r"^[A-Za-z0-9_.\-]{2,40}$", description="工号/用户名，企业内唯一")
    name: str = Field(min_length=1, max_length=40)
    role: Role = Field(strict=False)
    department: str | None = Field(default=None, max_length=60, description="班组名称，不存在时自动创建")
    post_codes: list[str] = Field(default_factory=list, max_length=50)
    phone: str | None = Field(default=None, pattern=r"^1[3-9][0-9]{9}$|^[0-9-]{7,20}$")


class PersonCreated(BaseModel):
    id: int
    join_url: str


class ImportResult(BaseModel):
    created: int
    updated: int


class PersonOut(BaseModel):
    id: int
    username: str
    name: str
    role: str
    department: str | None
    post_codes: list[str]
    phone: str | None
    activated: bool
