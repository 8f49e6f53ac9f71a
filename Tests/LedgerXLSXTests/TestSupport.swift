import Foundation
@testable import LedgerXLSX
import TestSupport

/// A fresh temporary directory per test.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ledgerxlsx-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!.path
}

/// Reads every row of a sheet into memory (tests only).
func readAll(_ path: String, sheet: XLSXSheetSelector = .index(0), limits: XLSXLimits = .default) throws -> [XLSXRow] {
    let reader = try XLSXReader(path: path, limits: limits)
    var rows: [XLSXRow] = []
    try reader.forEachRow(sheet: sheet) { rows.append($0) }
    return rows
}

/// The error a throwing call gives, as an XLSXError.
func xlsxError(_ body: () throws -> Void) -> XLSXError? {
    do { try body() } catch let error as XLSXError { return error } catch { return nil }
    return nil
}

/// Runs a program, returning its exit status and output; nil if it cannot be started.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> (status: Int32, output: String, error: String)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    do { try process.run() } catch { return nil }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// The first of several programs found on PATH.
func which(_ names: String...) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for name in names {
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
    }
    return nil
}

/// python3 with openpyxl, or the reason it is missing.
func pythonWithOpenpyxl() -> (python: String?, reason: String) {
    guard let python = which("python3") else { return (nil, "python3 not on PATH") }
    guard let check = run(python, ["-c", "import openpyxl"]), check.status == 0 else {
        return (nil, "openpyxl not installed (pip install openpyxl)")
    }
    return (python, "")
}

