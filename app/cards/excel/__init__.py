"""Excel (.xlsx) card files: one post per workbook, one sheet per document, Chinese headers in
row 1, the way enterprises keep their 两单两卡 tables.

Reading gives the same plain dict a YAML file gives, plus a `locate` that names sheet, row and
column for a schema error, so `parsing.validate` reports Excel mistakes exactly as YAML ones.
Writing uses the same column definitions, so an exported workbook re-imports to the same content
hash, and the blank template and its 填写说明 come from the very same definitions.

Hand-written questions sit in an optional sheet 题库, in the layout enterprise question banks
already use (编号 | 题型 | 题干 | 选项A…F | 答案 | 解析 | 维度 | 来源). The same sheet read on its
own (`read_question_workbook`) takes in a question bank received from elsewhere.

One job per module: `values` (cell text ↔ data), `layout` (sheets and columns), `read`,
`locate` (schema errors → sheet/row/column) and `write`.
"""

from app.cards.excel.read import read_question_workbook, read_workbook
from app.cards.excel.write import question_template_workbook, template_workbook, write_workbook

__all__ = [
    "question_template_workbook",
    "read_question_workbook",
    "read_workbook",
    "template_workbook",
    "write_workbook",
]
