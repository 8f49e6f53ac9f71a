import CLibXML2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libxml2's `xmlTextReader` over an inflating zip entry: one node at a time, never the whole
/// part in memory. Hardened: no network, no entity substitution, no DTD loading; a DOCTYPE in
/// the prolog is refused before libxml2 sees it; nesting is capped.
final class XMLStream {
    enum NodeType: Int32 {
        case element = 1, text = 3, cdata = 4, entityReference = 5, documentType = 10
        case whitespace = 13, significantWhitespace = 14, endElement = 15
        case other = -1
    }

    private let reader: xmlTextReaderPtr
    private let source: XMLSource
    private let maxDepth: Int
    private(set) var nodeType: NodeType = .other
    let part: String

    init(_ stream: ZipEntryStream, limits: XLSXLimits, file: String) throws(XLSXError) {
        _ = XMLStream.setUp
        part = stream.entry.name
        source = XMLSource(stream: stream, file: file)
        maxDepth = limits.maxXMLDepth
        let options = Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_COMPACT.rawValue)
            | Int32(XML_PARSE_NOERROR.rawValue) | Int32(XML_PARSE_NOWARNING.rawValue)
        // Never XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD or XML_PARSE_HUGE.
        let context = Unmanaged.passUnretained(source).toOpaque()
        guard let reader = xmlReaderForIO(xmlStreamRead, xmlStreamClose, context, nil, nil, options) else {
            throw XLSXError(.malformedXML("cannot create XML reader"), file: file, part: part)
        }
        self.reader = reader
        xmlTextReaderSetStructuredErrorHandler(reader, xmlStreamError, context)
    }

    deinit { xmlFreeTextReader(reader) }

    /// One-time process setup: a parser init and an external-entity loader that refuses
    /// everything (defence in depth: `XML_PARSE_NONET` alone still lets file:// through).
    static let setUp: Bool = {
        xmlInitParser()
        xmlSetExternalEntityLoader(refuseExternalEntity)
        return true
    }()

    /// Advances to the next node; false at the end of the document.
    @inline(__always) func read() throws(XLSXError) -> Bool {
        let status = xmlTextReaderRead(reader)
        if status == 1 {
            let raw = xmlTextReaderNodeType(reader)
            nodeType = NodeType(rawValue: raw) ?? .other
            if nodeType == .element, Int(xmlTextReaderDepth(reader)) >= maxDepth {
                throw fail(.tooDeep(limit: maxDepth))
            }
            if nodeType == .documentType { throw fail(.doctypeRefused) }
            if nodeType == .entityReference { throw fail(.externalEntityRefused) }
            return true
        }
        if let error = source.error { throw error }
        if status == 0 { return false }
        let message = source.message ?? "parse error"
        if message.contains("failed to load external entity") { throw fail(.externalEntityRefused) }
        if message.contains("Excessive depth") || message.contains("depth") && message.contains("exceed") {
            throw fail(.tooDeep(limit: maxDepth))
        }
        throw fail(.malformedXML(message))
    }

    func fail(_ reason: XLSXError.Reason) -> XLSXError { XLSXError(reason, file: source.file, part: part) }

    /// The node's local name (no prefix), NUL-terminated, owned by libxml2 until the next read.
    @inline(__always) var localName: UnsafePointer<UInt8> {
        xmlTextReaderConstLocalName(reader) ?? ("" as StaticString).utf8Start
    }

    @inline(__always) var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }
    @inline(__always) var depth: Int { Int(xmlTextReaderDepth(reader)) }

    /// The current text node's (or attribute's) value, NUL-terminated.
    @inline(__always) var value: UnsafePointer<UInt8>? { xmlTextReaderConstValue(reader) }

    /// Walks the current element's attributes: name and value pointers valid inside the body.
    @inline(__always) func forEachAttribute(_ body: (UnsafePointer<UInt8>, UnsafePointer<UInt8>) throws(XLSXError) -> Void) throws(XLSXError) {
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            if let name = xmlTextReaderConstLocalName(reader), let value = xmlTextReaderConstValue(reader) {
                try body(name, value)
            }
        }
        xmlTextReaderMoveToElement(reader)
    }

    /// The attributes of the current element as Strings (small parts only).
    func attributes() -> [String: String] {
        var result: [String: String] = [:]
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            if let name = xmlTextReaderConstLocalName(reader), let value = xmlTextReaderConstValue(reader) {
                result[String(cString: name)] = String(cString: value)
            }
        }
        xmlTextReaderMoveToElement(reader)
        return result
    }

    var name: String { String(cString: localName) }
    var isText: Bool {
        switch nodeType {
        case .text, .cdata, .whitespace, .significantWhitespace: true
        default: false
        }
    }
}

/// The context libxml2's callbacks receive: the entry stream, the prolog guard, the first error.
final class XMLSource {
    let stream: ZipEntryStream
    let file: String
    var error: XLSXError?
    var message: String?
    private var guardState = PrologGuard()

    init(stream: ZipEntryStream, file: String) {
        self.stream = stream
        self.file = file
    }

    func fill(_ buffer: UnsafeMutablePointer<UInt8>, _ capacity: Int) -> Int32 {
        do {
            let n = try stream.read(into: buffer, capacity: capacity)
            if !guardState.done, let reason = guardState.scan(UnsafeBufferPointer(start: buffer, count: n)) {
                error = XLSXError(reason, file: file, part: stream.entry.name)
                return -1
            }
            return Int32(n)
        } catch {
            self.error = error
            return -1
        }
    }
}

/// Scans the bytes before the root element and refuses any `<!DOCTYPE` (and so every entity
/// declaration) before the parser sees it. NUL bytes are skipped so UTF-16 text is seen too.
struct PrologGuard {
    private enum State { case prolog, lt, ltBang, ltBangDash, comment, commentDash, commentDashDash, pi, piQuestion }
    private var state = State.prolog
    private(set) var done = false

    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> XLSXError.Reason? {
        for byte in bytes where byte != 0 {
            switch state {
            case .prolog: if byte == UInt8(ascii: "<") { state = .lt }
            case .lt:
                if byte == UInt8(ascii: "!") { state = .ltBang }
                else if byte == UInt8(ascii: "?") { state = .pi }
                else { done = true; return nil }
            case .ltBang:
                if byte == UInt8(ascii: "-") { state = .ltBangDash } else { return .doctypeRefused }
            case .ltBangDash:
                if byte == UInt8(ascii: "-") { state = .comment } else { return .doctypeRefused }
            case .comment: if byte == UInt8(ascii: "-") { state = .commentDash }
            case .commentDash: state = byte == UInt8(ascii: "-") ? .commentDashDash : .comment
            case .commentDashDash:
                if byte == UInt8(ascii: ">") { state = .prolog } else if byte != UInt8(ascii: "-") { state = .comment }
            case .pi: if byte == UInt8(ascii: "?") { state = .piQuestion }
            case .piQuestion:
                if byte == UInt8(ascii: ">") { state = .prolog } else if byte != UInt8(ascii: "?") { state = .pi }
            }
        }
        return nil
    }
}

private func xmlStreamRead(_ context: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ length: Int32) -> Int32 {
    guard let context, let buffer, length > 0 else { return -1 }
    let source = Unmanaged<XMLSource>.fromOpaque(context).takeUnretainedValue()
    return buffer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) { source.fill($0, Int(length)) }
}

private func xmlStreamClose(_ context: UnsafeMutableRawPointer?) -> Int32 { 0 }

private func xmlStreamError(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    guard let context, let error else { return }
    let source = Unmanaged<XMLSource>.fromOpaque(context).takeUnretainedValue()
    guard source.message == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
    var text = error.pointee.message.map { String(cString: $0) } ?? "error \(error.pointee.code)"
    while text.hasSuffix("\n") { text.removeLast() }
    source.message = "line \(error.pointee.line): \(text)"
}

private func refuseExternalEntity(_ url: UnsafePointer<CChar>?, _ id: UnsafePointer<CChar>?, _ context: xmlParserCtxtPtr?) -> xmlParserInputPtr? {
    nil
}
