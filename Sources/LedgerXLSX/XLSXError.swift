/// Why reading or writing a workbook failed: what (the reason), where (the file and the part
/// inside the archive, when known).
public struct XLSXError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        // The zip container.
        case notAZipArchive
        case truncated
        case unsafeEntryName(String)
        case duplicateEntry(String)
        case tooManyEntries(count: Int, limit: Int)
        case entryTooLarge(size: UInt64, limit: UInt64)
        case totalSizeTooLarge(limit: UInt64)
        case compressionRatioTooHigh(limit: Int)
        case sizeMismatch(declared: UInt64, actual: UInt64)
        case badCRC(expected: UInt32, actual: UInt32)
        case corruptData(String)
        case unsupportedCompression(method: Int)
        case encryptedEntry
        case missingPart(String)
        // XML inside the parts.
        case doctypeRefused
        case externalEntityRefused
        case tooDeep(limit: Int)
        case malformedXML(String)
        // The workbook's content.
        case noSuchSheet(String)
        case badCellReference(String)
        case badSharedStringIndex(Int)
        case tooManySharedStrings(limit: Int)
        // Writing.
        case invalidSheetName(String, why: String)
        case duplicateSheetName(String)
        case cellTooLong(length: Int, limit: Int)
        case tooManyColumns(Int)
        case invalidNumber(String)
        case noSheetStarted
        case writerClosed
        case io(String)
        // CSV.
        case badCSV(line: Int, String)
    }

    /// The file on disk, when known.
    public var file: String?
    /// The part (zip entry) inside the workbook, when known.
    public var part: String?
    public var reason: Reason

    public init(_ reason: Reason, file: String? = nil, part: String? = nil) {
        self.reason = reason
        self.file = file
        self.part = part
    }

    public var description: String {
        var text = ""
        if let file { text += file + ": " }
        if let part { text += part + ": " }
        return text + reasonText
    }

    private var reasonText: String {
        switch reason {
        case .notAZipArchive: "not a zip archive (no end-of-central-directory record)"
        case .truncated: "archive is truncated"
        case .unsafeEntryName(let name): "entry name climbs out of the archive: \"\(name)\""
        case .duplicateEntry(let name): "entry appears twice: \"\(name)\""
        case .tooManyEntries(let count, let limit): "\(count) entries, more than the limit of \(limit)"
        case .entryTooLarge(let size, let limit): "entry inflates to \(size) bytes, more than the limit of \(limit)"
        case .totalSizeTooLarge(let limit): "archive inflates to more than the limit of \(limit) bytes"
        case .compressionRatioTooHigh(let limit): "compression ratio above the limit of \(limit):1 (zip bomb?)"
        case .sizeMismatch(let declared, let actual): "entry declares \(declared) bytes but holds \(actual)"
        case .badCRC(let expected, let actual):
            "CRC-32 mismatch: expected \(String(expected, radix: 16)), got \(String(actual, radix: 16))"
        case .corruptData(let why): "corrupt compressed data: \(why)"
        case .unsupportedCompression(let method): "unsupported compression method \(method)"
        case .encryptedEntry: "entry is encrypted"
        case .missingPart(let name): "missing part \"\(name)\""
        case .doctypeRefused: "XML with a DOCTYPE is refused (entities are never expanded)"
        case .externalEntityRefused: "XML refers to an external entity; refused"
        case .tooDeep(let limit): "XML nests deeper than \(limit) levels"
        case .malformedXML(let why): "malformed XML: \(why)"
        case .noSuchSheet(let name): "no sheet \"\(name)\""
        case .badCellReference(let ref): "bad cell reference \"\(ref)\""
        case .badSharedStringIndex(let index): "shared string index \(index) out of range"
        case .tooManySharedStrings(let limit): "shared strings exceed the limit of \(limit) bytes"
        case .invalidSheetName(let name, let why): "invalid sheet name \"\(name)\": \(why)"
        case .duplicateSheetName(let name): "sheet name \"\(name)\" already used"
        case .cellTooLong(let length, let limit): "cell text of \(length) characters exceeds Excel's \(limit)"
        case .tooManyColumns(let count): "\(count) columns, more than Excel's 16,384"
        case .invalidNumber(let text): "not a plain decimal number: \"\(text)\""
        case .noSheetStarted: "no sheet started"
        case .writerClosed: "workbook already closed"
        case .io(let why): why
        case .badCSV(let line, let why): "CSV line \(line): \(why)"
        }
    }
}
