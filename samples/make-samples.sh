#!/bin/sh
# Makes the vendor sample reports under samples/inbox/ from the UTF-8 sources in
# samples/sources/, the way users get them:
#   - XLSX written by a spreadsheet program (LibreOffice headless converting the CSV: shared
#     strings, styles, date cells where the console shows dates);
#   - Sendon's CSV in CP949 with CRLF line ends (iconv);
#   - Godomall's per-recipient CSV in UTF-8 with a BOM and a title above the header.
# Needs soffice (apt-get install -y libreoffice-calc-nogui) and iconv. Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/sources"
inbox="$here/inbox"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# CSV (UTF-8, comma, double quote, first line 1) to XLSX; the sheet is named after the file.
to_xlsx() { # source.csv sheet-name target.xlsx
    mkdir -p "$tmp/conv" "$(dirname "$3")"
    cp "$1" "$tmp/conv/$2.csv"
    soffice --headless --infilter="CSV:44,34,76,1" --convert-to xlsx --outdir "$tmp/conv" "$tmp/conv/$2.csv" >/dev/null 2>&1
    mv "$tmp/conv/$2.xlsx" "$3"
    rm -f "$tmp/conv/$2.csv"
}

crlf() { sed 's/$/\r/' "$1"; }

mkdir -p "$inbox/sendon/acme" "$inbox/sendon-xlsx/hanbit" "$inbox/channeltalk/acme" "$inbox/channeltalk-jsonl/hanbit" \
    "$inbox/ktcommunis/acme" "$inbox/ktcommunis-list/acme" "$inbox/godomall/hanbit" "$inbox/godomall-recipients/hanbit"

# Sendon: CSV in CP949 (what Korean Excel saves), CRLF.
crlf "$src/sendon-result-acme-2026-10.csv" | iconv -f UTF-8 -t CP949 > "$inbox/sendon/acme/sendon-result-2026-10.csv"
# Sendon: the Excel download.
to_xlsx "$src/sendon-result-hanbit-2026-10.csv" "발송결과" "$inbox/sendon-xlsx/hanbit/sendon-result-2026-10.xlsx"
# Channel Talk: XLSX with a title above the header, sheet 외부전송내역.
to_xlsx "$src/channeltalk-acme-2026-10.csv" "외부전송내역" "$inbox/channeltalk/acme/channeltalk-2026-10.xlsx"
# Channel Talk: the JSONL download, as is.
cp "$src/channeltalk-hanbit-2026-10.jsonl" "$inbox/channeltalk-jsonl/hanbit/channeltalk-2026-10.jsonl"
# KT Communis: detail view and list view (a summary), Excel.
to_xlsx "$src/ktcommunis-detail-acme-2026-10.csv" "발송결과상세" "$inbox/ktcommunis/acme/ktcommunis-detail-2026-10.xlsx"
to_xlsx "$src/ktcommunis-list-acme-2026-10.csv" "대량발송결과" "$inbox/ktcommunis-list/acme/ktcommunis-list-2026-10.xlsx"
# Godomall: per-send totals (a summary), Excel; per-recipient results, CSV UTF-8 with BOM.
to_xlsx "$src/godomall-sends-hanbit-2026-10.csv" "모바일메시지내역" "$inbox/godomall/hanbit/godomall-sends-2026-10.xlsx"
{ printf '\357\273\277'; crlf "$src/godomall-recipients-hanbit-2026-10.csv"; } > "$inbox/godomall-recipients/hanbit/godomall-recipients-2026-10.csv"
# Two more report shapes, to show a new vendor is a new profile only.
if [ -f "$src/nhncloud-sms-acme-2026-10.json" ]; then
    mkdir -p "$inbox/nhncloud-sms/acme"
    gzip -n -c "$src/nhncloud-sms-acme-2026-10.json" > "$inbox/nhncloud-sms/acme/nhncloud-sms-2026-10.json.gz"
fi
if [ -f "$src/smpp-receipts-hanbit-2026-10.log" ]; then
    mkdir -p "$inbox/smpp-receipts/hanbit"
    cp "$src/smpp-receipts-hanbit-2026-10.log" "$inbox/smpp-receipts/hanbit/smpp-receipts-2026-10.log"
fi
echo "samples written under $inbox"
