import FuzzSupport
import LedgerIngest
import LedgerXLSX

/// The CSV paths of ingest: the byte-span reader with a delimiter, quote, row limit and read
/// size chosen by the first bytes, then the canonical CSV and JSONL readers on the rest, then
/// `xlsx from-csv` (the XLSX module's own CSV reader and the writer).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard size >= 4 else { return 0 }
    let control = UnsafeBufferPointer(start: data, count: 4)
    let body = Array(UnsafeBufferPointer(start: data + 4, count: size - 4))
    let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 9, UInt8(ascii: "|"), 0xFF]
    let quotes: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "'"), 0xFE]
    var limits = CSVReader.Limits()
    limits.maxRowBytes = 1 << (10 + Int(control[2] % 12))
    limits.maxFields = 1 + Int(control[3]) * 40
    let chunk = 1 + Int(control[3] % 64) * 17

    let reader = CSVReader(source: MemoryByteSource(body, chunk: chunk),
                           delimiter: delimiters[Int(control[0]) % delimiters.count],
                           quote: quotes[Int(control[1]) % quotes.count], limits: limits)
    var total = 0
    do {
        try reader.forEachRow { row in
            for index in 0..<row.count { total &+= row[index].count &+ row.string(index).utf8.count }
        }
    } catch is CSVReader.Error {
    } catch {
        fatalError("CSVReader threw an unexpected error: \(error)")
    }
    precondition(reader.bytesRead <= Int64(body.count), "read more bytes than given")

    let context = fuzzContext(path: "fuzz.csv", account: control[0] & 1 == 0 ? nil : "acme")
    for source in [CanonicalCSVSource(source: MemoryByteSource(body, chunk: chunk), context: context) as RecordSource,
                   CanonicalJSONLSource(source: MemoryByteSource(body, chunk: chunk), context: context)] {
        do {
            try source.read { result in
                if case .rejected(let error) = result { total &+= error.description.utf8.count }
            }
        } catch {
            total &+= "\(error)".utf8.count
        }
    }

    if control[2] & 0x80 != 0 {
        let csv = body.withUnsafeBytes { scratchFile("in.csv", $0) }
        do {
            _ = try XLSXConversion.fromCSV(csv: csv, xlsxOutput: csv + ".xlsx", logger: quietLogger)
            _ = try XLSXConversion.toCSV(xlsx: csv + ".xlsx", csvOutput: csv + ".back.csv", logger: quietLogger)
        } catch {}
    }
    return total == -1 ? 1 : 0
}

@_cdecl("FuzzCSV_main")
public func fuzzCSVMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzCSV)
}
