#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Array where Element == UInt8 {
    /// Whether these bytes are exactly `bytes` (nil counts as empty): the readers' caches of
    /// the last value seen compare a field's bytes this way on every row.
    @inline(__always)
    public func hasSameBytes(as bytes: UnsafeBufferPointer<UInt8>?) -> Bool {
        guard let bytes else { return isEmpty }
        guard count == bytes.count else { return false }
        return withUnsafeBufferPointer { own in own.count == 0 || memcmp(own.baseAddress!, bytes.baseAddress!, own.count) == 0 }
    }
}
