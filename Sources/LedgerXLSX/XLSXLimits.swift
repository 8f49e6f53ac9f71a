/// How much a workbook may make the reader do before it is refused. The defaults take the
/// largest sheets Excel can hold and stop zip bombs, entity tricks and runaway nesting early.
public struct XLSXLimits: Sendable, Equatable {
    /// Entries in the zip's central directory.
    public var maxEntries: Int = 10_000
    /// Inflated bytes of any one part.
    public var maxPartSize: UInt64 = 8 << 30
    /// Inflated bytes of all parts read, together.
    public var maxTotalSize: UInt64 = 16 << 30
    /// Inflated-to-compressed ratio, checked once a part has inflated past `ratioThreshold`.
    public var maxCompressionRatio: Int = 1_000
    public var ratioThreshold: UInt64 = 32 << 20
    /// Element nesting in any XML part (a sheet's deepest is about 7).
    public var maxXMLDepth: Int = 64
    /// Bytes of shared-string text kept in memory.
    public var maxSharedStringBytes: Int = 1 << 30

    public init() {}

    public static let `default` = XLSXLimits()
}
