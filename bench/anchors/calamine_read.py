#!/usr/bin/env python3
"""Anchor for the XLSX read benchmark: python-calamine (PyPI) reading every cell of a sheet.

    calamine_read.py FILE.xlsx [SHEET]

Touches every cell value (counts cells and text bytes) so that nothing is left unread, and
prints `rows cells text_chars` on stdout. bench/run checks the row count against ours.
"""
import sys

from python_calamine import CalamineWorkbook


def main() -> int:
    wb = CalamineWorkbook.from_path(sys.argv[1])
    sheet = wb.get_sheet_by_name(sys.argv[2]) if len(sys.argv) > 2 else wb.get_sheet_by_index(0)
    rows = cells = chars = 0
    for row in sheet.iter_rows():
        rows += 1
        for v in row:
            if v != "":
                cells += 1
                if isinstance(v, str):
                    chars += len(v)
    print(rows, cells, chars)
    return 0


if __name__ == "__main__":
    sys.exit(main())
