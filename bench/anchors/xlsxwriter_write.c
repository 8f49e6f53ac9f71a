/*
 * Anchor for the XLSX benchmarks: libxlsxwriter (Debian libxlsxwriter-dev) writing a CSV's
 * cells into one worksheet. bench/run compiles it on the fly:
 *     gcc -O2 -o bench/work/xlsxwriter_write bench/anchors/xlsxwriter_write.c -lxlsxwriter
 *
 *   xlsxwriter_write [--constant-memory] [--date-col N] IN.csv OUT.xlsx
 *
 * --constant-memory  the write benchmark's anchor: rows are flushed as they are written and
 *                    strings are inline (libxlsxwriter's constant-memory mode).
 * (default)          shared strings for every text cell (the whole sheet is kept in memory):
 *                    how bench/run makes the XLSX that the read benchmark reads, written by a
 *                    writer independent of ours.
 * --date-col N       0-based column whose `YYYY-MM-DD HH:MM:SS` values are written as real
 *                    date-times (format yyyy-mm-dd hh:mm:ss) instead of text.
 *
 * Cell typing matches `sendledger xlsx from-csv`: a field that is a plain decimal number
 * (-?digits[.digits], no leading zero unless it is the only integer digit) is a number, anything
 * else is text, an empty field is no cell. The header row is bold and frozen.
 * The CSV is RFC 4180: quoted fields with commas, doubled quotes and line breaks.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#define MAX_COLS 256

typedef struct {
    FILE *in;
    char *buf;          /* all fields of the current record, each NUL-terminated */
    size_t cap, len;
    size_t starts[MAX_COLS];
    int ncols;
} csv_reader;

static void push(csv_reader *r, char c) {
    if (r->len + 1 >= r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4096;
        r->buf = realloc(r->buf, r->cap);
        if (!r->buf) { perror("realloc"); exit(70); }
    }
    r->buf[r->len++] = c;
}

/* Reads one record; returns 0 at end of input. */
static int next_record(csv_reader *r) {
    int c = getc_unlocked(r->in);
    if (c == EOF) return 0;
    r->len = 0;
    r->ncols = 0;
    r->starts[r->ncols++] = 0;
    int quoted = 0;
    for (;; c = getc_unlocked(r->in)) {
        if (quoted) {
            if (c == EOF) break;
            if (c == '"') {
                int d = getc_unlocked(r->in);
                if (d == '"') { push(r, '"'); continue; }
                quoted = 0;
                c = d;
            } else { push(r, (char)c); continue; }
        }
        if (c == EOF) break;
        if (c == '"') { quoted = 1; continue; }
        if (c == ',') {
            push(r, '\0');
            if (r->ncols == MAX_COLS) { fprintf(stderr, "too many columns\n"); exit(65); }
            r->starts[r->ncols++] = r->len;
            continue;
        }
        if (c == '\r') continue;
        if (c == '\n') break;
        push(r, (char)c);
    }
    push(r, '\0');
    return 1;
}

static int is_number(const char *s) {
    const char *p = s;
    if (*p == '-') p++;
    if (!isdigit((unsigned char)*p)) return 0;
    if (*p == '0' && isdigit((unsigned char)p[1])) return 0;
    while (isdigit((unsigned char)*p)) p++;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return 0;
        while (isdigit((unsigned char)*p)) p++;
    }
    return *p == '\0' && (p - s) <= 20;
}

static int parse_datetime(const char *s, lxw_datetime *dt) {
    int y, mo, d, h, mi, se;
    char tail;
    if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &tail) != 6) return 0;
    dt->year = y; dt->month = mo; dt->day = d; dt->hour = h; dt->min = mi; dt->sec = se;
    return 1;
}

int main(int argc, char **argv) {
    int constant_memory = 0, date_col = -1, argi = 1;
    while (argi < argc && strncmp(argv[argi], "--", 2) == 0) {
        if (strcmp(argv[argi], "--constant-memory") == 0) constant_memory = 1;
        else if (strcmp(argv[argi], "--date-col") == 0 && argi + 1 < argc) date_col = atoi(argv[++argi]);
        else { fprintf(stderr, "unknown option %s\n", argv[argi]); return 64; }
        argi++;
    }
    if (argc - argi != 2) {
        fprintf(stderr, "usage: xlsxwriter_write [--constant-memory] [--date-col N] IN.csv OUT.xlsx\n");
        return 64;
    }
    csv_reader r = {0};
    r.in = fopen(argv[argi], "rb");
    if (!r.in) { perror(argv[argi]); return 66; }
    static char inbuf[1 << 20];
    setvbuf(r.in, inbuf, _IOFBF, sizeof inbuf);

    lxw_workbook_options opts = {.constant_memory = (uint8_t)constant_memory, .tmpdir = NULL,
                                 .use_zip64 = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(argv[argi + 1], &opts);
    if (!wb) { fprintf(stderr, "cannot create %s\n", argv[argi + 1]); return 73; }
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Sheet1");
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    lxw_format *datefmt = workbook_add_format(wb);
    format_set_num_format(datefmt, "yyyy-mm-dd hh:mm:ss");
    worksheet_freeze_panes(ws, 1, 0);

    lxw_row_t row = 0;
    long cells = 0;
    while (next_record(&r)) {
        if (row >= LXW_ROW_MAX) { fprintf(stderr, "more than %d rows\n", LXW_ROW_MAX); return 65; }
        for (int col = 0; col < r.ncols; col++) {
            const char *f = r.buf + r.starts[col];
            if (*f == '\0') continue;
            lxw_error err;
            lxw_datetime dt;
            if (row == 0) err = worksheet_write_string(ws, row, (lxw_col_t)col, f, bold);
            else if (col == date_col && parse_datetime(f, &dt))
                err = worksheet_write_datetime(ws, row, (lxw_col_t)col, &dt, datefmt);
            else if (is_number(f)) err = worksheet_write_number(ws, row, (lxw_col_t)col, strtod(f, NULL), NULL);
            else err = worksheet_write_string(ws, row, (lxw_col_t)col, f, NULL);
            if (err) { fprintf(stderr, "row %u col %d: %s\n", row, col, lxw_strerror(err)); return 70; }
            cells++;
        }
        row++;
    }
    fclose(r.in);
    lxw_error err = workbook_close(wb);
    if (err) { fprintf(stderr, "workbook_close: %s\n", lxw_strerror(err)); return 70; }
    fprintf(stderr, "xlsxwriter_write: %u rows, %ld cells%s\n", row, cells,
            constant_memory ? " (constant memory)" : " (shared strings)");
    free(r.buf);
    return 0;
}
