#!/usr/bin/env python3
"""Builds the XLSX fixtures the reader tests open. Run once from this folder and commit the
results; the tests never run this script.

    python3 make_fixtures.py     # needs openpyxl; LibreOffice (soffice) and libxlsxwriter optional

- openpyxl.xlsx, openpyxl-1904.xlsx: written by openpyxl (shared strings, rich text, dates,
  custom formats, a hidden sheet, gaps, the 1904 date system).
- libreoffice.xlsx: openpyxl.xlsx opened and saved again by LibreOffice headless, so the
  formulas carry cached values (number, string, boolean, error) in LibreOffice's own XML.
- libxlsxwriter.xlsx: written by libxlsxwriter in constant-memory mode (inline strings).
- hostile/*.xlsx: crafted archives every one of which the reader must refuse.
"""
import datetime, os, shutil, struct, subprocess, tempfile, zipfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXED = (1980, 1, 1, 0, 0, 0)


def openpyxl_book(path, epoch1904=False):
    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    wb = openpyxl.Workbook()
    if epoch1904:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Data"
    ws.append(["name", "amount", "ratio", "date", "when", "flag", "note"])
    ws.append(["SMS", 1234567, 0.125, datetime.date(2026, 11, 25), datetime.datetime(2026, 11, 25, 13, 45, 7), True, "plain"])
    ws.append(["한글", -0.5, None, datetime.date(2024, 2, 29), datetime.datetime(1999, 12, 31, 23, 59, 59), False,
               CellRichText(TextBlock(InlineFont(b=True), "bold"), " and plain")])
    ws["C2"].number_format = "0.00%"
    ws["D2"].number_format = "yyyy-mm-dd"
    ws["D3"].number_format = 'yyyy"년" m"월" d"일"'
    ws["E2"].number_format = "dd/mm/yyyy hh:mm:ss"
    ws["E3"].number_format = "[$-412]yyyy-mm-dd AM/PM h:mm:ss"
    ws["B5"] = 42
    ws["B5"].number_format = "#,##0"
    ws["A6"] = "=B2*2"
    ws["B6"] = '=A2&"x"'
    ws["C6"] = "=1/0"
    ws["D6"] = "=1>0"
    ws["G6"] = "line1\nline2 _x0041_ <&>"
    second = wb.create_sheet("Second")
    second["A1"] = "only"
    second["C1"] = 3.25
    hidden = wb.create_sheet("Hidden")
    hidden["A1"] = "secret"
    hidden.sheet_state = "hidden"
    wb.save(path)


def libxlsxwriter_book(path):
    source = r'''
#include "xlsxwriter.h"
int main(int argc, char **argv) {
    lxw_workbook_options options = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(argv[1], &options);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Stream");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    worksheet_write_string(ws, 0, 0, "id", NULL);
    worksheet_write_string(ws, 0, 1, "label", NULL);
    worksheet_write_string(ws, 0, 2, "value", NULL);
    worksheet_write_string(ws, 0, 3, "day", NULL);
    for (int r = 1; r <= 3; r++) {
        worksheet_write_number(ws, r, 0, r, NULL);
        worksheet_write_string(ws, r, 1, r == 2 ? "둘" : "label", NULL);
        worksheet_write_number(ws, r, 2, r * 1.5, NULL);
        lxw_datetime d = {2026, 1, r, 0, 0, 0};
        worksheet_write_datetime(ws, r, 3, &d, date);
    }
    worksheet_write_boolean(ws, 5, 4, 1, NULL);
    return workbook_close(wb);
}
'''
    with tempfile.TemporaryDirectory() as tmp:
        c = os.path.join(tmp, "w.c")
        exe = os.path.join(tmp, "w")
        open(c, "w").write(source)
        subprocess.run(["cc", c, "-o", exe, "-lxlsxwriter"], check=True)
        subprocess.run([exe, path], check=True)


def libreoffice_resave(source, path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to",
                        "xlsx:Calc MS Excel 2007 XML", "--outdir", tmp, source], check=True, capture_output=True)
        shutil.copy(os.path.join(tmp, os.path.basename(source)), path)


# Hostile archives -------------------------------------------------------------------------

CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/></Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
           '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
SHEET = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1</v></c></row></sheetData></worksheet>')
SST = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
       '<si><t>hello</t></si></sst>')


def parts(**overrides):
    p = {"[Content_Types].xml": CT, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": WB,
         "xl/_rels/workbook.xml.rels": WB_RELS, "xl/worksheets/sheet1.xml": SHEET, "xl/sharedStrings.xml": SST}
    p.update(overrides)
    return p


def write_zip(path, entries, level=9):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data.encode() if isinstance(data, str) else data, compresslevel=level)


def patch_sizes(path, name, uncompressed=None, crc=None):
    """Rewrites an entry's CRC or uncompressed size in both its headers (a lying archive)."""
    data = bytearray(open(path, "rb").read())
    raw = name.encode()
    i = 0
    while True:
        i = data.find(raw, i + 1)
        if i < 0:
            break
        if data[i - 30:i - 26] == b"PK\x03\x04":
            base = i - 30
            if crc is not None: struct.pack_into("<I", data, base + 14, crc)
            if uncompressed is not None: struct.pack_into("<I", data, base + 22, uncompressed)
        if data[i - 46:i - 42] == b"PK\x01\x02":
            base = i - 46
            if crc is not None: struct.pack_into("<I", data, base + 16, crc)
            if uncompressed is not None: struct.pack_into("<I", data, base + 24, uncompressed)
    open(path, "wb").write(bytes(data))


def hostile(folder):
    os.makedirs(folder, exist_ok=True)
    j = lambda n: os.path.join(folder, n)
    write_zip(j("valid.xlsx"), parts())
    # 8 MiB of blanks inside a sheet: a ratio near 1000:1.
    bomb = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + " " * (8 << 20) + "</sheetData></worksheet>"
    write_zip(j("bomb.xlsx"), parts(**{"xl/worksheets/sheet1.xml": bomb}))
    write_zip(j("bomb-lying.xlsx"), parts(**{"xl/worksheets/sheet1.xml": bomb}))
    patch_sizes(j("bomb-lying.xlsx"), "xl/worksheets/sheet1.xml", uncompressed=4096)
    write_zip(j("zip-slip.xlsx"), parts(**{"../../evil.sh": "#!/bin/sh\necho pwned\n"}))
    write_zip(j("zip-slip-absolute.xlsx"), parts(**{"/etc/cron.d/evil": "* * * * * root true\n"}))
    write_zip(j("too-many-entries.xlsx"), parts(**{f"xl/media/x{i}.bin": "" for i in range(60)}))
    full = open(j("valid.xlsx"), "rb").read()
    open(j("truncated.xlsx"), "wb").write(full[: len(full) // 2])
    write_zip(j("bad-crc.xlsx"), parts())
    patch_sizes(j("bad-crc.xlsx"), "xl/worksheets/sheet1.xml", crc=0xDEADBEEF)
    xxe = ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>')
    write_zip(j("xxe.xlsx"), parts(**{"xl/sharedStrings.xml": xxe}))
    # The same with the DOCTYPE after a comment, to be sure the prolog guard reads comments.
    write_zip(j("xxe-after-comment.xlsx"), parts(**{"xl/worksheets/sheet1.xml": xxe.replace("<!DOCTYPE", "<!-- a<b --><!DOCTYPE")}))
    laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    prev = "lol"
    for k in range(1, 10):
        laughs += f'<!ENTITY lol{k} "' + f"&{prev};" * 10 + '">'
        prev = f"lol{k}"
    laughs += ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
    write_zip(j("billion-laughs.xlsx"), parts(**{"xl/sharedStrings.xml": laughs}))
    deep = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
            + "<r>" * 5000 + "</r>" * 5000 + "</is></c></row></sheetData></worksheet>")
    write_zip(j("deep.xlsx"), parts(**{"xl/worksheets/sheet1.xml": deep}))
    write_zip(j("bad-shared-index.xlsx"), parts(**{"xl/worksheets/sheet1.xml": SHEET.replace("<v>0</v>", "<v>7</v>")}))
    write_zip(j("malformed.xlsx"), parts(**{"xl/worksheets/sheet1.xml": SHEET.replace("</row>", "")}))


def handmade(path):
    """What strict or unusual writers do: prefixed SpreadsheetML elements, rows and cells
    without references, an ISO date cell (t="d"), a formula's cached string, CDATA, an inline
    rich string with a phonetic run, an absolute relationship target, differently cased part."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    wb = (f'<?xml version="1.0" encoding="UTF-8"?><x:workbook xmlns:x="{ns}" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
          '<x:workbookPr date1904="false"/><x:sheets><x:sheet name="Prefixed" sheetId="7" r:id="rId9"/></x:sheets></x:workbook>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/Data.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}"><si><t>first</t></si>'
           '<si><r><t>ri</t></r><r><rPr><b/></rPr><t xml:space="preserve">ch </t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></si></sst>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{ns}"><x:sheetData>'
             '<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="d"><x:v>2026-11-25T10:00:00</x:v></x:c></x:row>'
             '<x:row><x:c t="str"><x:f>A1&amp;"!"</x:f><x:v>first!</x:v></x:c><x:c><x:v><![CDATA[12.5]]></x:v></x:c>'
             '<x:c t="inlineStr"><x:is><x:r><x:t>in</x:t></x:r><x:r><x:t>line</x:t></x:r><x:rPh><x:t>no</x:t></x:rPh></x:is></x:c></x:row>'
             '<x:row r="5"><x:c r="C5" t="e"><x:v>#N/A</x:v></x:c><x:c t="b"><x:v>0</x:v></x:c></x:row>'
             '</x:sheetData></x:worksheet>')
    write_zip(path, {"[Content_Types].xml": CT, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": wb,
                     "xl/_rels/workbook.xml.rels": rels, "xl/worksheets/Data.xml": sheet, "xl/SharedStrings.xml": sst})


def main():
    os.chdir(HERE)
    openpyxl_book("openpyxl.xlsx")
    openpyxl_book("openpyxl-1904.xlsx", epoch1904=True)
    if shutil.which("soffice") or shutil.which("libreoffice"):
        libreoffice_resave("openpyxl.xlsx", "libreoffice.xlsx")
    if os.path.exists("/usr/include/xlsxwriter.h"):
        libxlsxwriter_book("libxlsxwriter.xlsx")
    hostile("hostile")
    handmade("handmade.xlsx")


if __name__ == "__main__":
    main()
