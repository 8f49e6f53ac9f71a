import Foundation
import FuzzSupport
import LedgerIngest

/// A vendor profile and a file for it, separated by the first NUL byte: the TOML is parsed
/// (every refusal must be a ProfileError), then the file is read through the profile and the
/// rows mapped to canonical records or rejects.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProfile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let split = input.firstIndex(of: 0) ?? size
    let tomlText = String(decoding: UnsafeBufferPointer(rebasing: input[0..<split]), as: UTF8.self)
    let body = split < size ? Array(input[(split + 1)...]) : []
    let profile: VendorProfile
    do {
        profile = try VendorProfile.parse(text: tomlText, file: "fuzz.toml")
    } catch {
        return error.description.isEmpty ? 1 : 0
    }
    var path = "fuzz.data"
    if case .xlsx = profile.format {
        path = body.withUnsafeBytes { scratchFile("in.xlsx", $0) }
    }
    let source = ProfileRecordSource(profile: profile, source: MemoryByteSource(body, chunk: 1 + body.count % 97),
                                     context: fuzzContext(path: path, account: body.count & 1 == 0 ? nil : "acme"))
    var total = 0
    do {
        try source.read { result in
            switch result {
            case .record(let record): total &+= record.messageID.utf8.count
            case .rejected(let error): total &+= error.description.utf8.count
            case .summary(let summary): total &+= summary.vendor.utf8.count
            }
        }
    } catch {
        total &+= "\(error)".utf8.count
    }
    return total == -1 ? 1 : 0
}

@_cdecl("FuzzProfile_main")
public func fuzzProfileMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzProfile)
}
