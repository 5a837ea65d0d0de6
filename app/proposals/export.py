"""Version signatures in the exported files, outside the card content so the content hash and the
re-import stay exactly as they were: YAML comment lines under the file's first line, and the
workbook's document properties (the reader ignores both; an extra sheet would be refused on import)."""

import io

from app.proposals.status import Signatures


def signature_lines(signed: Signatures) -> list[str]:
    """The version's signatures as short Chinese lines, for headers and comments."""
    lines = [
        f"第 {signed.number} 版",
        "编制（员工参与）：" + ("、".join(p.name for p in signed.compiled_by) or "无员工参与记录"),
        f"审核：{signed.reviewed_by or '未审核'}",
        f"批准：{signed.approved_by or '未批准'}",
        f"生效日期：{signed.effective_on.isoformat() if signed.effective_on else '未生效'}",
        f"下次评审：{signed.review_due_on.isoformat() if signed.review_due_on else '未定'}",
    ]
    if signed.change_reason:
        lines.append(f"修订原因：{signed.change_reason}")
    return [line.replace("\n", " ").replace("\r", " ") for line in lines]


def yaml_with_signatures(body: bytes, signed: Signatures) -> bytes:
    first, _, rest = body.partition(b"\n")
    comments = "".join(f"# {line}\n" for line in signature_lines(signed)).encode("utf-8")
    return first + b"\n" + comments + rest


def workbook_with_signatures(body: bytes, signed: Signatures) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body))
    book.properties.subject = f"第 {signed.number} 版"
    book.properties.description = "\n".join(signature_lines(signed))[:1000]
    book.properties.keywords = f"审核:{signed.reviewed_by or ''};批准:{signed.approved_by or ''}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
