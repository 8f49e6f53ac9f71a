#!/usr/bin/env python3
"""Writes the hostile inputs too large (or too binary) to commit into a folder, for
Tests/EndToEndTests/HostileInputTests.swift. Deterministic; takes about a second.

    python3 make_large.py OUTDIR

- xlsx/bomb-ratio.xlsx      a 48 MiB sheet of blanks deflated ~1000:1 (past the ratio limit)
- xlsx/bomb-lying.xlsx      the same, its headers claiming 4 KiB (stopped when the data passes it)
- xlsx/bomb-part-size.xlsx  a ZIP64 directory declaring a 9 GiB sheet (past the 8 GiB part limit)
- xlsx/bomb-total-size.xlsx three 6 GiB parts declared (past the 16 GiB total limit)
- xlsx/too-many-entries.xlsx 10,006 entries (past the limit of 10,000)
- csv/cell-10mb.csv         a canonical row whose reason_text is 10 MiB
- csv/columns-100k.csv      a canonical row with 100,000 columns
- csv/bomb.csv.gz           a gzip of 1 GiB of blanks (one endless row: refused at the row limit)
- jsonl/deep.jsonl          a canonical JSONL line nested 100,000 arrays deep
- json/bomb.json.gz         a JSON document followed by 1 GiB of blanks, gzip'd (refused past 256 MiB)
- json/deep.json            an NHN Cloud JSON document nested 100,000 arrays deep
"""
import os, struct, sys, zlib

CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/></Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET_HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = '</sheetData></worksheet>'

HEADER = ("vendor,account,message_id,batch_id,sent_at,completed_at,channel,status,refundable,reason_code,"
          "reason_text,units,category,sender,recipient,fallback_of,vendor_cost\n")


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def write_zip(path, entries, declared=None, declared_compressed=None):
    """entries: [(name, bytes)]; declared: {name: uncompressed size to claim} (a lying or
    ZIP64 directory; sizes past 32 bits are written as ZIP64 extras); declared_compressed:
    {name: compressed size the central directory claims}."""
    declared = declared or {}
    declared_compressed = declared_compressed or {}
    out, central = bytearray(), bytearray()
    for name, data in entries:
        raw = name.encode()
        packed = deflate(data)
        crc = zlib.crc32(data)
        size = declared.get(name, len(data))
        small = min(size, 0xFFFFFFFF) if size < 0xFFFFFFFF else 0xFFFFFFFF
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(packed), small, len(raw), 0) + raw + packed
        extra = struct.pack("<HHQ", 1, 8, size) if small == 0xFFFFFFFF else b""
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45 if extra else 20, 0, 8, 0, 0x21, crc,
                               declared_compressed.get(name, len(packed)), small,
                               len(raw), len(extra), 0, 0, 0, 0, offset) + raw + extra
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0)
    with open(path, "wb") as f:
        f.write(out)


def book(sheet_xml):
    return [("[Content_Types].xml", CT.encode()), ("_rels/.rels", ROOT_RELS.encode()), ("xl/workbook.xml", WB.encode()),
            ("xl/_rels/workbook.xml.rels", WB_RELS.encode()), ("xl/worksheets/sheet1.xml", sheet_xml)]


def main(outdir):
    for sub in ("xlsx", "csv", "jsonl", "json"):
        os.makedirs(os.path.join(outdir, sub), exist_ok=True)
    j = lambda *p: os.path.join(outdir, *p)
    blanks = (SHEET_HEAD + " " * (48 << 20) + SHEET_TAIL).encode()
    write_zip(j("xlsx", "bomb-ratio.xlsx"), book(blanks))
    write_zip(j("xlsx", "bomb-lying.xlsx"), book(blanks), declared={"xl/worksheets/sheet1.xml": 4096})
    small = (SHEET_HEAD + SHEET_TAIL).encode()
    write_zip(j("xlsx", "bomb-part-size.xlsx"), book(small), declared={"xl/worksheets/sheet1.xml": 9 << 30})
    parts = book(small) + [(f"xl/media/big{i}.bin", b"\0" * 1024) for i in range(3)]
    # Each part below the part limit and at a plausible ratio (600:1 claimed), together past the total.
    write_zip(j("xlsx", "bomb-total-size.xlsx"), parts, declared={f"xl/media/big{i}.bin": 6 << 30 for i in range(3)},
              declared_compressed={f"xl/media/big{i}.bin": 10 << 20 for i in range(3)})
    write_zip(j("xlsx", "too-many-entries.xlsx"), book(small) + [(f"m/{i}", b"") for i in range(10_001)])

    good = "sendon,acme,H-CELL-1,,2026-10-15T10:00:00+09:00,,SMS,FAILED,true,E1,{},1,,,,,\n"
    with open(j("csv", "cell-10mb.csv"), "w") as f:
        f.write(HEADER + good.format("x" * (10 << 20)) + good.replace("H-CELL-1", "H-CELL-2").format("short"))
    with open(j("csv", "columns-100k.csv"), "w") as f:
        f.write(HEADER + ",".join(["x"] * 100_000) + "\n")
    # 1 GiB of blanks after the header: one 64 MiB gzip member written 16 times (concatenated
    # members are one gzip stream), so making it stays fast; 1 MiB on disk.
    import gzip
    member = gzip.compress(b" " * (64 << 20), compresslevel=9, mtime=0)
    with open(j("csv", "bomb.csv.gz"), "wb") as raw:
        raw.write(gzip.compress(HEADER.encode(), mtime=0))
        for _ in range(16):
            raw.write(member)
    # The same trick for a JSON document (parsed whole, so refused past 256 MiB).
    with open(j("json", "bomb.json.gz"), "wb") as raw:
        raw.write(gzip.compress(b'{"body":{"data":[]}}', mtime=0))
        for _ in range(16):
            raw.write(member)
    with open(j("jsonl", "deep.jsonl"), "w") as f:
        f.write('{"vendor":' + "[" * 100_000 + "]" * 100_000 + "}\n")
    with open(j("json", "deep.json"), "w") as f:
        f.write('{"body":{"data":' + "[" * 100_000 + "]" * 100_000 + "}}\n")


if __name__ == "__main__":
    main(sys.argv[1])
