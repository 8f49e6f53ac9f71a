/// Writing text into XML the way Excel does: `<`, `>`, `&` as entities; characters XML 1.0
/// cannot carry (controls, CR, U+FFFE/U+FFFF) as `_xHHHH_`; and a literal `_xHHHH_` in the
/// text protected by escaping its underscore (`_x005F_`), so every string reads back the same.
enum XMLText {
    /// 1 for the bytes that need a second look.
    private static let special: [UInt8] = (0..<256).map { b in
        (b < 0x20 || b == 0x26 || b == 0x3C || b == 0x3E || b == 0x5F || b == 0xEF) ? 1 : 0
    }

    static func append(_ text: String, to out: ByteBuffer) {
        if let done: Void = text.utf8.withContiguousStorageIfAvailable({ append($0, to: out) }) { return done }
        var copy = text
        copy.withUTF8 { append($0, to: out) }
    }

    /// Whether the text needs `xml:space="preserve"` (leading or trailing white space).
    static func needsPreserve(_ text: String) -> Bool {
        func isSpace(_ b: UInt8?) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        return isSpace(text.utf8.first) || isSpace(text.utf8.last)
    }

    static func needsPreserve(_ bytes: UnsafeRawBufferPointer) -> Bool {
        func isSpace(_ b: UInt8?) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        return isSpace(bytes.first) || isSpace(bytes.last)
    }

    static func append(_ u: UnsafeBufferPointer<UInt8>, to out: ByteBuffer) {
        guard let base = u.baseAddress else { return }
        let n = u.count
        special.withUnsafeBufferPointer { table in
            var runStart = 0
            var i = 0
            while i < n {
                let b = u[i]
                if table[Int(b)] == 0 { i += 1; continue }
                out.append(base + runStart, count: i - runStart)
                switch b {
                case 0x3C: out.append("&lt;")
                case 0x3E: out.append("&gt;")
                case 0x26: out.append("&amp;")
                case 0x09, 0x0A: out.append(b)
                case 0x5F:
                    if i + 6 < n, u[i + 1] == UInt8(ascii: "x"), isHex(u[i + 2]), isHex(u[i + 3]), isHex(u[i + 4]),
                       isHex(u[i + 5]), u[i + 6] == 0x5F {
                        out.append("_x005F_")
                    } else {
                        out.append(b)
                    }
                case 0xEF:
                    if i + 2 < n, u[i + 1] == 0xBF, u[i + 2] == 0xBE || u[i + 2] == 0xBF {
                        out.append(u[i + 2] == 0xBE ? "_xFFFE_" : "_xFFFF_")
                        i += 2
                    } else {
                        out.append(b)
                    }
                default:
                    out.append("_x00")
                    out.append(hexDigit(b >> 4))
                    out.append(hexDigit(b & 15))
                    out.append(UInt8(ascii: "_"))
                }
                i += 1
                runStart = i
            }
            out.append(base + runStart, count: n - runStart)
        }
    }

    /// Attribute values: the text escapes plus the double quote.
    static func appendAttribute(_ text: String, to out: ByteBuffer) {
        for byte in text.utf8 {
            switch byte {
            case 0x22: out.append("&quot;")
            case 0x26: out.append("&amp;")
            case 0x3C: out.append("&lt;")
            case 0x3E: out.append("&gt;")
            case 0x09: out.append("&#9;")
            case 0x0A: out.append("&#10;")
            case 0x0D: out.append("&#13;")
            default: out.append(byte)
            }
        }
    }

    @inline(__always) static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    @inline(__always) static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 55 + v }

    /// Column letters for a 0-based column index: 0 -> A, 26 -> AA.
    @inline(__always) static func appendColumn(_ index: Int, to out: ByteBuffer) {
        if index < 26 {
            out.append(UInt8(65 + index))
        } else if index < 702 {
            out.append(UInt8(64 + index / 26))
            out.append(UInt8(65 + index % 26))
        } else {
            let rest = index - 702
            out.append(UInt8(65 + rest / 676))
            out.append(UInt8(65 + rest / 26 % 26))
            out.append(UInt8(65 + rest % 26))
        }
    }

    static func columnName(_ index: Int) -> String {
        let out = ByteBuffer(capacity: 8)
        appendColumn(index, to: out)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}
