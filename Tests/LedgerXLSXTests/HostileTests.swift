import Foundation
import Testing
@testable import LedgerXLSX

/// Crafted archives (Fixtures/hostile, made by make_fixtures.py): each refused with its reason.
@Suite("Hostile files are refused")
struct HostileTests {
    func hostile(_ name: String) -> String { fixture("hostile/\(name)") }

    /// Opens the workbook and reads every row of every sheet.
    func readEverything(_ path: String, limits: XLSXLimits = .default) throws {
        let reader = try XLSXReader(path: path, limits: limits)
        for sheet in reader.sheets { try reader.forEachRow(sheet: .index(sheet.index)) { _ in } }
    }

    func reason(_ name: String, limits: XLSXLimits = .default) -> XLSXError.Reason? {
        xlsxError { try readEverything(hostile(name), limits: limits) }?.reason
    }

    var bombLimits: XLSXLimits {
        var limits = XLSXLimits()
        limits.maxCompressionRatio = 100
        limits.ratioThreshold = 1 << 20
        return limits
    }

    @Test("the valid base of the crafted files reads")
    func valid() throws {
        #expect(try readAll(hostile("valid.xlsx")) == [XLSXRow(number: 1, cells: [.string("hello"), .number("1")])])
    }

    @Test("zip bomb: a compression ratio past the limit is refused from the directory")
    func bomb() {
        #expect(reason("bomb.xlsx", limits: bombLimits) == .compressionRatioTooHigh(limit: 100))
    }

    @Test("zip bomb whose headers lie about its size: stopped as soon as the data passes it")
    func lyingBomb() {
        guard case .sizeMismatch(4096, let actual)? = reason("bomb-lying.xlsx", limits: bombLimits) else {
            Issue.record("expected a size mismatch")
            return
        }
        #expect(actual < 1 << 20)
    }

    @Test("a part larger than the size limit")
    func partTooLarge() {
        var limits = XLSXLimits()
        limits.maxPartSize = 1 << 20
        #expect(reason("bomb.xlsx", limits: limits) == .entryTooLarge(size: 8_388_720, limit: 1 << 20))
        limits = XLSXLimits()
        limits.maxTotalSize = 1 << 20
        #expect(reason("bomb.xlsx", limits: limits) == .totalSizeTooLarge(limit: 1 << 20))
    }

    @Test("zip slip: names that climb out of the archive", arguments: [
        ("zip-slip.xlsx", "../../evil.sh"), ("zip-slip-absolute.xlsx", "/etc/cron.d/evil"),
    ])
    func zipSlip(file: String, name: String) {
        #expect(reason(file) == .unsafeEntryName(name))
    }

    @Test("more entries than the limit")
    func tooManyEntries() {
        var limits = XLSXLimits()
        limits.maxEntries = 50
        #expect(reason("too-many-entries.xlsx", limits: limits) == .tooManyEntries(count: 66, limit: 50))
    }

    @Test("a truncated archive")
    func truncated() {
        #expect(reason("truncated.xlsx") == .truncated)
    }

    @Test("an entry whose CRC-32 does not match")
    func badCRC() {
        guard case .badCRC(let expected, _)? = reason("bad-crc.xlsx") else {
            Issue.record("expected a CRC error, got \(String(describing: reason("bad-crc.xlsx")))")
            return
        }
        #expect(expected == 0xDEAD_BEEF)
    }

    @Test("XXE: an external entity naming file:///etc/passwd is never read", arguments: ["xxe.xlsx", "xxe-after-comment.xlsx"])
    func xxe(file: String) {
        let error = xlsxError { try readEverything(hostile(file)) }
        #expect(error?.reason == .doctypeRefused)
        #expect(error.map { !"\($0)".contains("root:") } ?? false)
    }

    @Test("billion laughs: entity declarations are refused before anything expands")
    func billionLaughs() {
        let error = xlsxError { try readEverything(hostile("billion-laughs.xlsx")) }
        #expect(error?.reason == .doctypeRefused)
        #expect(error?.part == "xl/sharedStrings.xml")
    }

    @Test("deep nesting stops at the depth limit")
    func deep() {
        #expect(reason("deep.xlsx") == .tooDeep(limit: 64))
    }

    @Test("a shared-string index out of range")
    func badSharedIndex() {
        #expect(reason("bad-shared-index.xlsx") == .badSharedStringIndex(7))
    }

    @Test("malformed XML gives libxml2's message with the part")
    func malformed() {
        let error = xlsxError { try readEverything(hostile("malformed.xlsx")) }
        guard case .malformedXML(let message)? = error?.reason else {
            Issue.record("expected malformed XML, got \(String(describing: error))")
            return
        }
        #expect(message.contains("line 1"))
        #expect(error?.part == "xl/worksheets/sheet1.xml")
    }

    @Test("the prolog guard reads comments and processing instructions and stops at the root")
    func prologGuard() {
        func scan(_ text: String) -> XLSXError.Reason? {
            var guardState = PrologGuard()
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer { guardState.scan($0) }
        }
        #expect(scan("<?xml version=\"1.0\"?><!-- <!DOCTYPE in a comment --><root><!DOCTYPE later/>") == nil)
        #expect(scan("<?xml version=\"1.0\"?>\n<!DOCTYPE x []><root/>") == .doctypeRefused)
        #expect(scan("<?pi ?>?><!--a--b--><!DOCTYPE") == .doctypeRefused)
        #expect(scan("\u{FEFF}<\0!\0D\0O\0C\0") == .doctypeRefused) // UTF-16-ish bytes
    }
}
