/// The shared-string table in one byte arena: all strings' UTF-8 back to back and their end
/// offsets, 4 bytes a string. A String is made per use (no allocation up to 15 bytes of UTF-8);
/// after parsing the arena is never written, so row producers on other threads share it.
final class SharedStringArena: @unchecked Sendable {
    // Filled while parsing through `fill`, behind a pointer (no exclusivity checks per byte);
    // read-only afterwards.
    private struct Storage {
        var bytes: [UInt8] = []
        var ends: [UInt32] = []
    }
    private let storage: UnsafeMutablePointer<Storage>

    init() {
        storage = .allocate(capacity: 1)
        storage.initialize(to: Storage())
    }

    deinit {
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    var bytes: [UInt8] { storage.pointee.bytes }
    var byteCount: Int { storage.pointee.bytes.count }

    var count: Int { storage.pointee.ends.count }

    func reserve(strings: Int) {
        storage.pointee.ends.reserveCapacity(strings)
    }

    /// Closes the current string (everything appended since the last close).
    func close(start: Int) {
        let s = storage
        if XLSXEscapes.containsEscape(s.pointee.bytes, from: start) {
            let decoded = XLSXEscapes.decode(Array(s.pointee.bytes[start...]))
            s.pointee.bytes.removeSubrange(start...)
            s.pointee.bytes.append(contentsOf: decoded)
        }
        s.pointee.ends.append(UInt32(s.pointee.bytes.count))
    }

    func append(_ pointer: UnsafePointer<UInt8>, count: Int) {
        storage.pointee.bytes.append(contentsOf: UnsafeBufferPointer(start: pointer, count: count))
    }

    func finish() {}

    /// The UTF-8 of string `index` (which must exist), without making a String.
    @inline(__always) func withBytes<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let s = storage
        let start = index == 0 ? 0 : Int(s.pointee.ends[index - 1])
        let end = Int(s.pointee.ends[index])
        return s.pointee.bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    func string(at index: Int) -> String? {
        guard index >= 0, index < storage.pointee.ends.count else { return nil }
        return withBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }
}

/// Excel's `_xHHHH_` escapes for characters XML cannot carry (and `_x005F_` for a literal
/// underscore before such a pattern).
enum XLSXEscapes {
    static func containsEscape(_ bytes: [UInt8], from start: Int) -> Bool {
        var i = start
        let n = bytes.count
        while i + 6 < n {
            if bytes[i] == 0x5F, bytes[i + 1] == UInt8(ascii: "x") { return true }
            i += 1
        }
        return false
    }

    static func decode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            if bytes[i] == 0x5F, i + 6 < n, bytes[i + 1] == UInt8(ascii: "x"), bytes[i + 6] == 0x5F,
               let value = hex(bytes[i + 2], bytes[i + 3], bytes[i + 4], bytes[i + 5]) {
                let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
                i += 7
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    static func decode(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        return String(decoding: decode(Array(text.utf8)), as: UTF8.self)
    }

    private static func hex(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> UInt32? {
        var value: UInt32 = 0
        for byte in [a, b, c, d] {
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }
}
