import Foundation
import LedgerCore
import LedgerIngest
import LedgerStore

extension Vendors {
    /// `vendors check --canonical-jsonl`: every record of the file as one canonical JSONL line
    /// (the keys and order of the canonical format, absent fields left out, so `ingest` reads
    /// the output back), or for a summary profile every summary row; then each reject on stderr.
    /// The same file gives the same bytes (instants in UTC, recipients masked, no hash).
    static func canonicalLines(profile: VendorProfile, file: String, context: FileContext) throws -> ExitStatus {
        let source = ProfileRecordSource(profile: profile, source: try ByteSources.open(path: file), context: context)
        var out: [UInt8] = []
        var rejected = 0
        func flush() {
            FileHandle.standardOutput.write(Data(out))
            out.removeAll(keepingCapacity: true)
        }
        do {
            try source.read { result in
                switch result {
                case .record(let record): CanonicalLine.append(record, to: &out)
                case .summary(let summary): CanonicalLine.append(summary, to: &out)
                case .rejected(let error):
                    rejected += 1
                    FileHandle.standardError.write(Data("rejected \(error)\n".utf8))
                }
                if out.count > 1 << 16 { flush() }
            }
        } catch {
            flush()
            FileHandle.standardError.write(Data("unreadable \(file): \(error)\n".utf8))
            return .someInputRejected
        }
        flush()
        return rejected > 0 ? .someInputRejected : .done
    }
}

/// One JSON object a line, fields in a fixed order.
enum CanonicalLine {
    static func append(_ r: DeliveryRecord, to out: inout [UInt8]) {
        var fields: [(String, Value)] = [
            ("vendor", .text(r.vendor)), ("account", .text(r.account)), ("message_id", .text(r.messageID)),
        ]
        if let v = r.batchID { fields.append(("batch_id", .text(v))) }
        fields.append(("sent_at", .text(r.sentAt.description)))
        if let v = r.completedAt { fields.append(("completed_at", .text(v.description))) }
        fields += [("channel", .text(r.channel.description)), ("status", .text(r.status.rawValue)), ("refundable", .bool(r.refundable))]
        if let v = r.reasonCode { fields.append(("reason_code", .text(v))) }
        if let v = r.reasonText { fields.append(("reason_text", .text(v))) }
        fields.append(("units", .number(r.units)))
        if let v = r.category { fields.append(("category", .text(v))) }
        if let v = r.sender { fields.append(("sender", .text(v))) }
        if let v = r.recipient { fields.append(("recipient", .text(v))) }
        if let v = r.fallbackOf { fields.append(("fallback_of", .text(v))) }
        if let v = r.vendorCost { fields.append(("vendor_cost", .text(v.description))) }
        append(fields, to: &out)
    }

    /// A summary row: its grain and key, the counts the vendor shows, and its row in the file.
    static func append(_ s: VendorSummaryRow, to out: inout [UInt8]) {
        var fields: [(String, Value)] = [
            ("summary", .text(s.grain.kind)), ("key", .text(s.grain.key)), ("vendor", .text(s.vendor)), ("account", .text(s.account)),
        ]
        let counts: [(String, Int64?)] = [("total", s.total), ("success", s.success), ("failure", s.failure),
                                          ("fallback_success", s.fallbackSuccess), ("fallback_failure", s.fallbackFailure)]
        for (key, value) in counts { if let value { fields.append((key, .number(value))) } }
        if let amount = s.amount { fields.append(("amount", .text(amount.description))) }
        fields.append(("row", .number(Int64(s.source.row))))
        append(fields, to: &out)
    }

    enum Value { case text(String), number(Int64), bool(Bool) }

    static func append(_ fields: [(String, Value)], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .text(let text): appendString(text, to: &out)
            case .number(let number): out.append(contentsOf: String(number).utf8)
            case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
            }
        }
        out.append(contentsOf: "}\n".utf8)
    }

    /// A JSON string: quotes, backslashes and control characters escaped; the rest as UTF-8.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
