"""Reading an uploaded file with a size cap, shared by every import."""

from dataclasses import dataclass
from typing import Any

from fastapi import UploadFile

from app.errors import InvalidInput


@dataclass(frozen=True)
class UploadLimits:
    """What one import takes at most: bytes per file, files, and bytes in all."""

    file_bytes: int
    files: int
    total_bytes: int


def read_uploads(
    files: list[UploadFile], limits: UploadLimits
) -> tuple[list[tuple[str, bytes]], list[tuple[str, str]]]:
    """Every file's (name, bytes), and (name, reason) for each one refused: over the size limit,
    or past the total. Too many files are all refused unread, so checking them costs nothing."""
    if len(files) > limits.files:
        return [], [("", f"一次最多导入 {limits.files} 个文件，这次选了 {len(files)} 个，请分批导入")]
    read, refused = [], []
    total = 0
    for upload in files:
        name = upload.filename or "未命名文件"
        data = upload.file.read(limits.file_bytes + 1)
        if len(data) > limits.file_bytes:
            refused.append((name, f"超过 {limits.file_bytes // 1024} KB"))
            continue
        total += len(data)
        if total > limits.total_bytes:
            refused.append((name, f"这次上传的文件合计超过 {limits.total_bytes // 1024 // 1024} MB，请分批导入"))
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


def read_named_upload(file: UploadFile, limit: int, *, default_name: str) -> tuple[str, bytes]:
    """(name, bytes) of one uploaded file for a parser that names it in its messages; 422 past `limit`."""
    name = file.filename or default_name
    return name, read_upload(file, limit, where={"loc": ["body", "file"], "file": name})
