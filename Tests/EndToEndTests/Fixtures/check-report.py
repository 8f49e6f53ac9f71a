"""Opens a sendledger workbook with openpyxl and checks it against its JSONL twin.

usage: check-report.py FILE.xlsx FILE.jsonl

Every value of every sheet must equal the JSONL record at the same place (the Summary's
label/value rows are the header record's fields in order; every block and table row is the
next record), every total row must be the exact sum of the rows above it, table sheets must
have a frozen header and a filter, and a statement's or month report's totals must add up
(lines, channels, daily and bridge to the subtotal; subtotal + VAT to the total).
Prints "ok N" (records checked) or the differences, exit 1.
"""
import datetime
import json
import sys
from decimal import Decimal

import openpyxl

TOTAL = ("합계", "Total")
errors = []


def same(cell, want):
    if want is None:
        return cell is None
    if isinstance(want, bool):
        return cell is want
    if isinstance(want, int):
        return isinstance(cell, (int, float)) and not isinstance(cell, bool) and Decimal(repr(cell)) == want
    if isinstance(cell, datetime.datetime):
        if len(want) == 10:
            return cell == datetime.datetime.fromisoformat(want)
        return cell.isoformat() == want[:19]
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        try:
            return Decimal(repr(cell)) == Decimal(want)
        except Exception:
            return False
    return cell == want


def number(value):
    if value is None:
        return Decimal(0)
    if isinstance(value, str):
        return Decimal(value)
    return Decimal(repr(value))


def trim(row):
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return row


def check_total(where, rows, total, width):
    for i in range(1, width):
        got = total[i] if i < len(total) else None
        if got is None:
            continue
        want = sum((number(r[i] if i < len(r) else None) for r in rows), Decimal(0))
        if number(got) != want:
            errors.append(f"{where}: total of column {i + 1} is {got}, rows add up to {want}")


def main():
    xlsx, jsonl = sys.argv[1], sys.argv[2]
    records = [json.loads(line) for line in open(jsonl, encoding="utf-8")]
    wb = openpyxl.load_workbook(xlsx)
    header = records[0]
    queue = records[1:]
    pos = 0

    def take(where, row):
        nonlocal pos
        if pos >= len(queue):
            errors.append(f"{where}: row {row} has no JSONL record")
            return None
        rec = queue[pos]
        pos += 1
        values = [v for k, v in rec.items() if k != "record"]
        cells = list(row) + [None] * (len(values) - len(row))
        if len(cells) > len(values):
            errors.append(f"{where}: {len(cells)} cells for {len(values)} fields of {rec['record']}")
        for i, want in enumerate(values):
            if not same(cells[i], want):
                errors.append(f"{where}: field {list(rec)[i + 1]} of {rec['record']}: cell {cells[i]!r}, JSONL {want!r}")
        return rec

    # The Summary: title, label/value rows, blocks (title, header, rows, total), label/value rows.
    summary = wb.worksheets[0]
    rows = [trim(r) for r in summary.iter_rows(values_only=True)]
    fields = [v for k, v in header.items() if k != "record"]
    pairs = []
    i = 1
    while i < len(rows):
        row = rows[i]
        if not row:
            i += 1
            continue
        if len(row) == 1 and i + 1 < len(rows) and len(rows[i + 1]) > 2:  # a block: title, header
            title, columns = row[0], rows[i + 1]
            i += 2
            block = []
            while i < len(rows) and rows[i] and rows[i][0] not in TOTAL:
                block.append(rows[i])
                i += 1
            for r in block:
                take(f"{summary.title}/{title}", r)
            if i < len(rows) and rows[i] and rows[i][0] in TOTAL:
                check_total(f"{summary.title}/{title}", block, rows[i], len(columns))
                i += 1
            continue
        pairs.append(row[1] if len(row) > 1 else None)
        i += 1
    if len(pairs) != len(fields):
        errors.append(f"Summary: {len(pairs)} label/value rows for {len(fields)} header fields")
    for got, want, key in zip(pairs, fields, [k for k in header if k != "record"]):
        if not same(got, want):
            errors.append(f"Summary: {key}: cell {got!r}, JSONL {want!r}")

    # Table sheets: header row frozen and filtered, then one record per row, then a total row.
    for ws in wb.worksheets[1:]:
        if ws.freeze_panes != "A2":
            errors.append(f"{ws.title}: header not frozen ({ws.freeze_panes})")
        if not (ws.auto_filter.ref or "").startswith("A1:"):
            errors.append(f"{ws.title}: no filter")
        body = [trim(r) for r in ws.iter_rows(min_row=2, values_only=True)]
        total = body.pop() if body and body[-1] and body[-1][0] in TOTAL else None
        for r in body:
            take(ws.title, r)
        if total is not None:
            check_total(ws.title, body, total, ws.max_column)
    if pos != len(queue):
        errors.append(f"{len(queue) - pos} JSONL records not in the workbook (next: {queue[pos]['record']})")

    # The identities finance checks.
    by = {}
    for rec in records:
        by.setdefault(rec["record"], []).append(rec)

    def total_of(kind, field="amount", where=None):
        return sum((Decimal(r[field]) for r in by.get(kind, []) if where is None or where(r)), Decimal(0))

    if header["record"] == "statement":
        usage = Decimal(header["usage_subtotal"])
        for kind in ("line", "channel", "daily", "bridge"):
            if total_of(kind) != usage:
                errors.append(f"{kind} amounts add up to {total_of(kind)}, usage subtotal is {usage}")
        if total_of("adjustment") != Decimal(header["adjustment_subtotal"]):
            errors.append("adjustments do not add up to the adjustment subtotal")
        if usage + Decimal(header["adjustment_subtotal"]) != Decimal(header["subtotal"]):
            errors.append("usage + adjustments != subtotal")
        if Decimal(header["subtotal"]) + Decimal(header["vat"]) != Decimal(header["total"]):
            errors.append("subtotal + VAT != total")
        units = sum(r["units"] for r in by.get("line", []))
        if units != sum(r["units"] for r in by.get("daily", [])) or units != sum(r["units"] for r in by.get("bridge", [])):
            errors.append("daily or bridge units do not add up to the lines")
        if "detail" in by and len(by["detail"]) != header["messages"]:
            errors.append(f"{len(by['detail'])} detail rows for {header['messages']} messages")
    if header["record"] == "month":
        total = Decimal(header["total"])
        for kind in ("line", "daily", "bridge"):
            if total_of(kind) != total:
                errors.append(f"{kind} amounts add up to {total_of(kind)}, month total is {total}")
        for condition, key in (("all", "total"), ("campaign", "campaign_total"), ("one-time", "one_time_total")):
            got = total_of("channel", where=lambda r: r["condition"] == condition)
            if got != Decimal(header[key]):
                errors.append(f"channels of {condition} add up to {got}, {key} is {header[key]}")
        if "detail" in by and len(by["detail"]) != header["messages"]:
            errors.append(f"{len(by['detail'])} detail rows for {header['messages']} messages")

    if errors:
        print("\n".join(errors[:50]))
        sys.exit(1)
    print(f"ok {len(records)}")


main()
