"""Reading an uploaded file with a size cap, shared by every import."""

from typing import Any

from fastapi import UploadFile

from app.errors import InvalidInput


def read_uploads(files: list[UploadFile], limit: int) -> tuple[list[tuple[str, bytes]], list[tuple[str, str]]]:
    """Every file's (name, bytes), and (name, reason) for each one over the size limit."""
    read, refused = [], []
    for upload in files:
        name = upload.filename or "未命名文件"
        data = upload.file.read(limit + 1)
        if len(data) > limit:
            refused.append((name, f"超过 {limit // 1024} KB"))
        else:
            read.append((name, data))
    return read, refused


def read_upload(file: UploadFile, limit: int, *, where: dict[str, Any]) -> bytes:
    """The file's bytes, or 422 once it passes `limit` (read no further than that).
    `where` is the error item's location fields for this import's error shape."""
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput([{**where, "msg": f"{file.filename or '文件'}：超过 {limit // 1024 // 1024} MB"}])
    return data
