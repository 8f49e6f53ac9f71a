#!/usr/bin/env python3
"""Writes a malformed variant of a workbook: edit-xlsx.py SRC DST OLD NEW [OLD NEW ...].
Each OLD is the whole text of a shared string (the <t> content) and becomes NEW everywhere;
the other parts of the zip are copied as they are."""
import sys
import zipfile

src, dst, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "xl/sharedStrings.xml":
            text = data.decode("utf-8")
            for old, new in zip(pairs[0::2], pairs[1::2]):
                needle = ">" + old + "<"
                if needle not in text:
                    sys.exit(f"{src}: no shared string {old!r}")
                text = text.replace(needle, ">" + new + "<")
            data = text.encode("utf-8")
        zout.writestr(item, data)
