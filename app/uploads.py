"""Reading an uploaded file with a size cap, shared by every import."""

from typing import Any

from fastapi import UploadFile

from app.errors import InvalidInput


def read_upload(file: UploadFile, limit: int, *, where: dict[str, Any]) -> bytes:
    """The file's bytes, or 422 once it passes `limit` (read no further than that).
    `where` is the error item's location fields for this import's error shape."""
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput([{**where, "msg": f"{file.filename or '文件'}：超过 {limit // 1024 // 1024} MB"}])
    return data
