import CLibXML2

/// Reads `sharedStrings.xml` into the arena with SAX callbacks: each `<si>` is the text of its
/// `<t>` elements (plain, or the runs of rich text), phonetic runs (`<rPh>`) left out.
final class SharedStringsParser: SAXFeederOwner {
    let feeder: SAXFeeder
    let arena: SharedStringArena
    let maxDepth: Int
    let byteLimit: Int
    private var start = 0
    private var depth = 0
    private var inString = false
    private var capturing = false
    private var inPhonetic = false

    init(feeder: SAXFeeder, arena: SharedStringArena, limits: XLSXLimits) {
        self.feeder = feeder
        self.arena = arena
        maxDepth = limits.maxXMLDepth
        byteLimit = min(limits.maxSharedStringBytes, Int(UInt32.max))
    }

    func parse() throws(XLSXError) {
        var sax = xmlSAXHandler()
        sax.startElementNs = sstStart
        sax.endElementNs = sstEnd
        sax.characters = sstCharacters
        sax.cdataBlock = sstCharacters
        sax.ignorableWhitespace = sstCharacters
        try feeder.start(handler: &sax, userData: Unmanaged.passUnretained(self).toOpaque())
        while try feeder.feed() {}
        arena.finish()
    }

    func start(_ n: UnsafePointer<UInt8>, _ count: Int, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        depth += 1
        if depth > maxDepth { feeder.stop(.tooDeep(limit: maxDepth)); return }
        if n[0] == UInt8(ascii: "s"), n[1] == UInt8(ascii: "i"), n[2] == 0 {
            start = arena.byteCount
            inString = true
        } else if n[0] == UInt8(ascii: "t"), n[1] == 0 {
            capturing = inString && !inPhonetic
        } else if n[0] == UInt8(ascii: "r"), n[1] == UInt8(ascii: "P"), n[2] == UInt8(ascii: "h"), n[3] == 0 {
            inPhonetic = true
        } else if n[0] == UInt8(ascii: "s"), n[1] == UInt8(ascii: "s"), n[2] == UInt8(ascii: "t"), n[3] == 0, let attributes {
            for i in 0..<count {
                guard let name = attributes[i * 5], strcmp8(name, "uniqueCount"),
                      let s = attributes[i * 5 + 3], let e = attributes[i * 5 + 4],
                      let unique = parseInt(UnsafeBufferPointer(start: s, count: e - s)) else { continue }
                arena.reserve(strings: min(unique, 1 << 22))
            }
        }
    }

    func end(_ n: UnsafePointer<UInt8>) {
        depth -= 1
        if n[0] == UInt8(ascii: "t"), n[1] == 0 {
            capturing = false
        } else if n[0] == UInt8(ascii: "s"), n[1] == UInt8(ascii: "i"), n[2] == 0 {
            arena.close(start: start)
            inString = false
        } else if n[0] == UInt8(ascii: "r"), n[1] == UInt8(ascii: "P") {
            inPhonetic = false
        }
    }

    func characters(_ p: UnsafePointer<UInt8>, _ n: Int) {
        guard capturing else { return }
        arena.append(p, count: n)
        if arena.byteCount > byteLimit { feeder.stop(.tooManySharedStrings(limit: byteLimit)) }
    }
}

private func sstStart(_ ctx: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
                      _ uri: UnsafePointer<xmlChar>?, _ nbNamespaces: Int32, _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
                      _ nbAttributes: Int32, _ nbDefaulted: Int32, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
    guard let ctx, let localname else { return }
    Unmanaged<SharedStringsParser>.fromOpaque(ctx).takeUnretainedValue().start(localname, Int(nbAttributes), attributes)
}

private func sstEnd(_ ctx: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
                    _ uri: UnsafePointer<xmlChar>?) {
    guard let ctx, let localname else { return }
    Unmanaged<SharedStringsParser>.fromOpaque(ctx).takeUnretainedValue().end(localname)
}

private func sstCharacters(_ ctx: UnsafeMutableRawPointer?, _ ch: UnsafePointer<xmlChar>?, _ len: Int32) {
    guard let ctx, let ch else { return }
    Unmanaged<SharedStringsParser>.fromOpaque(ctx).takeUnretainedValue().characters(ch, Int(len))
}
