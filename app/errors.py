"""The few errors services and routes raise, and how they are answered: JSON for /api, a Chinese
page for the browser. Every error body is {"detail": "<clear message>", ...}."""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("postdrill")


class ErrorBody(BaseModel):
    detail: str
    errors: list[dict[str, Any]] | None = None


class ResourceNotFound(HTTPException):
    """Missing, or another tenant's: the two are indistinguishable on purpose."""

    def __init__(self, what: str = "资源") -> None:
        super().__init__(status_code=404, detail=f"未找到该{what}")


class Forbidden(HTTPException):
    def __init__(self, detail: str = "您的角色无权进行此操作") -> None:
        super().__init__(status_code=403, detail=detail)


class Conflict(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(status_code=409, detail=detail)


class NotAuthenticated(HTTPException):
    def __init__(self, detail: str = "请先登录") -> None:
        super().__init__(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


class InvalidInput(HTTPException):
    """422 with every problem listed; `errors` items name their place (loc, or row/column, or file)."""

    def __init__(self, errors: list[dict[str, Any]], detail: str = "输入有误，未作任何保存") -> None:
        super().__init__(status_code=422, detail=detail)
        self.errors = errors


class TooManyAttempts(HTTPException):
    def __init__(self, retry_after_s: int) -> None:
        wait = f"{retry_after_s} 秒" if retry_after_s < 60 else f"{-(-retry_after_s // 60)} 分钟"
        super().__init__(
            status_code=429,
            detail=f"登录失败次数过多，请 {wait}后再试",
            headers={"Retry-After": str(retry_after_s)},
        )
        self.retry_after_s = retry_after_s


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route, so the document lists the errors it really gives."""
    descriptions = {
        400: "请求格式错误",
        401: "未登录或登录已过期",
        403: "角色无权操作",
        404: "不存在，或属于其他单位",
        409: "状态冲突",
        422: "输入不合法",
        429: "尝试次数过多",
    }
    return {code: {"description": descriptions[code], "model": ErrorBody} for code in codes}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or "text/html" not in request.headers.get("accept", "")


ZH_MESSAGES = {
    "missing": "必填",
    "string_too_short": "不能为空或太短",
    "string_too_long": "太长",
    "string_pattern_mismatch": "格式不正确",
    "enum": "不是可选的值",
    "literal_error": "不是可选的值",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为是/否",
    "greater_than_equal": "太小",
    "less_than_equal": "太大",
    "too_short": "条目太少",
    "too_long": "条目太多",
    "list_type": "应为列表",
    "string_type": "应为文字",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "格式不正确",
    "dict_type": "应为对象",
    "extra_forbidden": "不认识的字段",
    "datetime_parsing": "不是有效的时间",
    "datetime_from_date_parsing": "不是有效的时间",
    "timezone_aware": "时间需带时区",
}


def zh_message(error: Mapping[str, Any]) -> str:
    """A plain-Chinese message for one pydantic error; our own validators already speak Chinese."""
    kind = error.get("type", "")
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return ZH_MESSAGES.get(kind, str(error.get("msg", "")))


def validation_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"loc": list(error.get("loc", ())), "msg": zh_message(error)} for error in errors]


def install_error_handlers(app: FastAPI) -> None:
    from app.web import render_error_page

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        errors = validation_errors(exc.errors())
        if _wants_json(request):
            return JSONResponse({"detail": "输入不合法", "errors": errors}, status_code=422)
        return render_error_page(request, 422, "输入不合法：" + "；".join(e["msg"] for e in errors))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if _wants_json(request):
            body: dict[str, Any] = {"detail": exc.detail}
            if isinstance(exc, InvalidInput):
                body["errors"] = exc.errors
            return JSONResponse(body, status_code=exc.status_code, headers=headers)
        if exc.status_code == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return render_error_page(request, exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        if _wants_json(request):
            return JSONResponse({"detail": "服务器内部错误，请稍后再试"}, status_code=500)
        return render_error_page(request, 500, "服务器内部错误，请稍后再试")
