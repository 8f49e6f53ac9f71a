import FuzzSupport
import LedgerXLSX

/// Opens the input as a workbook and reads every row of every sheet (cell text and dates
/// included), with small limits so bombs and deep nesting are refused quickly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLSX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let path = scratchFile("in.xlsx", UnsafeRawBufferPointer(start: data, count: size))
    var limits = XLSXLimits()
    limits.maxPartSize = 64 << 20
    limits.maxTotalSize = 128 << 20
    limits.ratioThreshold = 1 << 20
    limits.maxSharedStringBytes = 32 << 20
    var total = 0
    do {
        let reader = try XLSXReader(path: path, limits: limits, logger: quietLogger)
        for index in reader.sheets.indices {
            do {
                let cursor = try reader.rows(sheet: .index(index))
                while let row = try cursor.next() {
                    for cell in row.cells { total &+= cell.text(date1904: reader.date1904).utf8.count }
                }
            } catch {
                total &+= error.description.utf8.count
            }
        }
    } catch {
        total &+= error.description.utf8.count
    }
    return total == -1 ? 1 : 0
}

@_cdecl("FuzzXLSX_main")
public func fuzzXLSXMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzXLSX)
}
