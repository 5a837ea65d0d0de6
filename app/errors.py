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

    def __init__(self, what: str = "资源", *, detail: str | None = None) -> None:
        super().__init__(status_code=404, detail=detail or f"未找到该{what}")


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


DESCRIPTIONS = {
    400: "请求内容无法解析",
    401: "未登录或登录已过期",
    403: "角色无权操作",
    404: "不存在，或属于其他单位",
    409: "状态冲突",
    422: "输入不合法",
    429: "尝试次数过多",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route, so the document lists the errors it really gives."""
    return {code: {"description": DESCRIPTIONS[code], "model": ErrorBody} for code in codes}


def document_errors(app: FastAPI) -> None:
    """Make the OpenAPI document describe what the handlers below really send: every 422 is an
    ErrorBody (FastAPI would document its own HTTPValidationError shape, which this app never
    sends), and every operation that takes a body may answer 400 when the body cannot be parsed at
    all (not UTF-8, a broken multipart). One place, so no route can forget either."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = build()
        error_body = {"$ref": "#/components/schemas/ErrorBody"}
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {
                        "description": DESCRIPTIONS[422],
                        "content": {"application/json": {"schema": error_body}},
                    }
                if "requestBody" in operation and "400" not in responses:
                    responses["400"] = {
                        "description": DESCRIPTIONS[400],
                        "content": {"application/json": {"schema": error_body}},
                    }
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("ErrorBody", ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}"))
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


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
    "bool_type": "应为 true 或 false",
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


# What Starlette and FastAPI say on their own, in the app's language (our errors already speak it).
FRAMEWORK_DETAILS = {
    "There was an error parsing the body": "请求内容无法解析：请发送 UTF-8 编码的 JSON，或完整的表单",
    "Not Found": "没有这个地址",
    "Method Not Allowed": "这个地址不支持该请求方法",
}


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path. Starlette answers 405 with the methods of the
    first route whose path matched, but GET /api/people and POST /api/people are two routes."""
    path = request.url.path
    routes = [*request.app.routes, *getattr(request.app.state, "routes", [])]  # the app's own, the routers'
    return sorted(
        {
            method
            for route in routes
            if getattr(route, "path_regex", None) is not None and route.path_regex.match(path)
            for method in getattr(route, "methods", None) or ()
        }
    )


def install_error_handlers(app: FastAPI) -> None:
    from app.web import render_error_page

    document_errors(app)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        errors = validation_errors(exc.errors())
        if _wants_json(request):
            return JSONResponse({"detail": "输入不合法", "errors": errors}, status_code=422)
        return render_error_page(request, 422, "输入不合法：" + "；".join(e["msg"] for e in errors))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405 and (methods := allowed_methods(request)):
            headers = {**(headers or {}), "Allow": ", ".join(methods)}
        detail = FRAMEWORK_DETAILS.get(exc.detail, exc.detail)
        if _wants_json(request):
            body: dict[str, Any] = {"detail": detail}
            if isinstance(exc, InvalidInput):
                body["errors"] = exc.errors
            return JSONResponse(body, status_code=exc.status_code, headers=headers)
        if exc.status_code == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return render_error_page(request, exc.status_code, str(detail), headers=headers)

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        if _wants_json(request):
            return JSONResponse({"detail": "服务器内部错误，请稍后再试"}, status_code=500)
        return render_error_page(request, 500, "服务器内部错误，请稍后再试")
