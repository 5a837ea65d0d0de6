"""Templates, and rendering a whole page or just an htmx fragment from the same template."""

import hashlib
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import object_session

from app import clock
from app.org.models import ROLE_LABELS, Person, Role
from app.org.service import time_zone_of
from app.security import csrf_token

APP_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = APP_DIR / "templates"
STATIC_DIR = APP_DIR / "static"
HTMX_PATH = "vendor/htmx-2.0.11/htmx.min.js"
# The htmx SSE extension (npm htmx-ext-sse 2.2.4, for htmx 2.x), for the live competition screens.
SSE_PATH = "vendor/htmx-ext-sse-2.2.4/sse.min.js"

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


@lru_cache(maxsize=256)
def _static_version(path: str) -> str:
    file = STATIC_DIR / path
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.is_file() else "0"


def static_url(path: str) -> str:
    """A cache-busting URL: the file's hash in the query lets phones cache it for a year."""
    return f"/static/{path}?v={_static_version(path)}"


def role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


def whole_score(score: float | None) -> str:
    """A score as people read it: "30", not "30.0". Rounded down, so a shown score never reaches
    the (whole-number) pass mark when the real one falls short of it: 79.6 shows 79, and fails."""
    return "—" if score is None else str(math.floor(score))


templates.env.globals.update(static_url=static_url, htmx_path=HTMX_PATH, sse_path=SSE_PATH, role_label=role_label)
templates.env.filters["score"] = whole_score
clock.install(templates.env)


def page_time_zone(person: Any) -> str:
    """The zone a page shows times in: the reader's enterprise's (looked up in the request's own
    session, which loaded the person), else the default."""
    session = object_session(person) if isinstance(person, Person) else None
    if session is None:
        return clock.DEFAULT_TIME_ZONE
    return time_zone_of(session, person.enterprise_id).key


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    person: Any = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page; templates check `partial` to return only their fragment to htmx requests."""
    values: dict[str, Any] = {
        "csrf_token": csrf_token(request),
        "person": person,
        "layout": "partial.html" if is_htmx(request) else "base.html",
        clock.TEMPLATE_ZONE: page_time_zone(person),
    }
    values.update(context or {})
    return templates.TemplateResponse(request, template, values, status_code=status_code, headers=headers)


ERROR_TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持的操作",
    409: "操作冲突",
    413: "文件太大",
    422: "输入有误",
    429: "操作太频繁",
    500: "服务器出错了",
}


def render_error_page(
    request: Request, status_code: int, message: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    title = ERROR_TITLES.get(status_code, "出错了")
    return render(
        request,
        "error.html",
        {"status_code": status_code, "title": title, "message": message},
        status_code=status_code,
        headers=headers,
    )
