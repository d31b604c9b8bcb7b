"""The office's files: imports (roster, attendance, halls' figures) read from CSV or XLSX, and
the documents it prints (the score workbook, nomination forms, the notice, the dispute file)."""
