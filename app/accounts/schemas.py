from pydantic import BaseModel, Field

from app.inputs import RequestBody


class LoginIn(RequestBody):
    enterprise_code: str = Field(max_length=32, description="企业编码；监管人员填写辖区编码")
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=128)


class UserOut(BaseModel):
    id: int
    name: str
    role: str
    enterprise_id: int | None


class LoginOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    user: UserOut


class NamedRef(BaseModel):
    id: int
    code: str | None = None
    name: str


class EnterpriseOut(BaseModel):
    id: int
    code: str
    name: str
    industry: str
    time_zone: str = Field(description="IANA zone the enterprise's times and days are shown in, e.g. Asia/Shanghai")


class PostRef(BaseModel):
    id: int
    code: str
    name: str


class MeOut(UserOut):
    username: str
    enterprise: EnterpriseOut | None
    region: NamedRef | None
    department: NamedRef | None
    posts: list[PostRef]


PASSWORD_MIN = 8


def password_problem(password: str) -> str | None:
    """A plain-Chinese reason the password is not acceptable, or None."""
    if len(password) < PASSWORD_MIN:
        return f"密码至少 {PASSWORD_MIN} 位"
    if len(password) > 128:
        return "密码不能超过 128 位"
    if password.isdigit() or password.isalpha():
        return "密码需同时包含字母和数字"
    return None
