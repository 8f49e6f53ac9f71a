import Foundation
import Testing

/// Statements and month reports as finance gets them: the canonical samples through the built
/// executable (`run`, then `statement` and `report month`), every file compared byte for byte
/// with the golden copies under Fixtures/statements/, every workbook opened by openpyxl and
/// checked against its JSONL twin (values, total rows, the billing identities), and every
/// statement converted by LibreOffice headless.
///
/// `SENDLEDGER_REGENERATE=1` (Fixtures/regenerate.sh) rewrites the golden copies instead.
@Suite("End to end: statements and reports", .serialized)
struct StatementTests {
    static let fixtures = Executable.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures")
    static let golden = fixtures.appendingPathComponent("statements")
    static let regenerate = ProcessInfo.processInfo.environment["SENDLEDGER_REGENERATE"] == "1"

    /// The statements the golden set holds: Korean KRW cycles (acme's spans October and
    /// November), an English USD account in America/New_York, and a cycle of one late message.
    static let statements: [(account: String, cycle: String)] = [
        ("acme", "2026-09-15"), ("acme", "2026-10-15"), ("hanbit", "2026-10-01"),
        ("northwind", "2026-09-30"), ("northwind", "2026-10-31"),
    ]
    static let asOf = "2026-11-25"

    /// A workspace with the canonical samples ingested. `ingest`, not `run`: what a nightly
    /// run closes, writes or revises as of its own day must not move these figures, and vendor
    /// samples added later do not either.
    static func ingested() throws -> Workspace {
        let workspace = try Workspace()
        let ingest = try workspace.run("ingest", "samples/inbox/canonical")
        try #require(ingest.status == 0, "\(ingest.stderr)")
        return workspace
    }

    /// Every file under a folder, relative, sorted.
    static func files(under root: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var found: [String] = []
        while let next = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(next).path, isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append(next)
            }
        }
        return found.sorted()
    }

    @Test("statements and month reports of the samples match the golden files byte for byte")
    func golden() throws {
        let workspace = try Self.ingested()
        for (account, cycle) in Self.statements {
            let result = try workspace.run("statement", "--account", account, "--cycle", cycle, "--as-of", Self.asOf, "--details")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "wrote out/statements/\(account)/\(cycle)/statement-r0.xlsx\nwrote out/statements/\(account)/\(cycle)/statement-r0.jsonl\n")
        }
        let month = try workspace.run("report", "month", "--month", "2026-10", "--details", "--as-of", Self.asOf)
        #expect(month.status == 0, "\(month.stderr)")
        let out = workspace.url.appendingPathComponent("out")
        let produced = Self.files(under: out).filter { $0.hasPrefix("statements/") || $0.hasPrefix("months/") || $0.hasPrefix("refunds/") }
        #expect(produced.contains("months/2026-10/all-accounts.xlsx"))
        #expect(produced.contains("refunds/sendon/2026-10.xlsx"))
        if Self.regenerate {
            try? FileManager.default.removeItem(at: Self.golden)
            for file in produced {
                let target = Self.golden.appendingPathComponent(file)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: out.appendingPathComponent(file), to: target)
            }
            print("regenerated \(produced.count) golden files under \(Self.golden.path)")
            return
        }
        #expect(produced == Self.files(under: Self.golden), "the set of files differs from the golden set")
        for file in produced {
            let ours = try Data(contentsOf: out.appendingPathComponent(file))
            let want = try? Data(contentsOf: Self.golden.appendingPathComponent(file))
            #expect(ours == want, "\(file) differs from its golden copy (Fixtures/regenerate.sh rewrites them)")
        }
    }

    @Test("every workbook opened by openpyxl equals its JSONL twin; totals add up")
    func openpyxl() throws {
        guard let python = Tools.pythonWithOpenpyxl() else {
            print("skipped: python3 with openpyxl not found (scripts/install-deps)")
            return
        }
        let workbooks = Self.files(under: Self.golden).filter { $0.hasSuffix(".xlsx") }
        try #require(!workbooks.isEmpty)
        let script = Self.fixtures.appendingPathComponent("check-report.py").path
        for workbook in workbooks {
            let xlsx = Self.golden.appendingPathComponent(workbook).path
            let jsonl = String(xlsx.dropLast("xlsx".count)) + "jsonl"
            let result = try Tools.run(python, [script, xlsx, jsonl])
            #expect(result.status == 0 && result.stdout.hasPrefix("ok "), "\(workbook): \(result.stdout) \(result.stderr)")
        }
    }

    @Test("labels are Korean by default and English for an English account")
    func languages() throws {
        guard let python = Tools.pythonWithOpenpyxl() else {
            print("skipped: python3 with openpyxl not found")
            return
        }
        func sheets(_ file: String) throws -> String {
            try Tools.run(python, ["-c", "import openpyxl,sys; wb = openpyxl.load_workbook(sys.argv[1]); print('|'.join(wb.sheetnames)); print(wb.worksheets[1]['A1'].value)",
                                   Self.golden.appendingPathComponent(file).path]).stdout
        }
        #expect(try sheets("statements/acme/2026-10-15/statement-r0.xlsx") == "요약|월별 구간|일별|실패|상세\n월\n")
        #expect(try sheets("statements/northwind/2026-09-30/statement-r0.xlsx") == "Summary|Bridge|Daily|Failures|Details\nMonth\n")
        #expect(try sheets("months/2026-10/acme.xlsx") == "요약|월별 구간|일별|상세\n월\n")
    }

    @Test("LibreOffice headless converts every statement to CSV and PDF")
    func libreOffice() throws {
        guard let soffice = Tools.which("soffice", "libreoffice") else {
            print("skipped: LibreOffice (soffice) not on PATH")
            return
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sendledger-lo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Distinct names: every statement is called statement-r0.xlsx.
        var inputs: [String] = []
        for (account, cycle) in Self.statements {
            let copy = scratch.appendingPathComponent("\(account)-\(cycle).xlsx")
            try FileManager.default.copyItem(at: Self.golden.appendingPathComponent("statements/\(account)/\(cycle)/statement-r0.xlsx"), to: copy)
            inputs.append(copy.path)
        }
        let profile = "-env:UserInstallation=file://\(scratch.path)/profile"
        let csv = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
        let toCSV = try Tools.run(soffice, ["--headless", profile, "--convert-to", csv, "--outdir", scratch.path] + inputs)
        #expect(toCSV.status == 0, "\(toCSV.stdout) \(toCSV.stderr)")
        let toPDF = try Tools.run(soffice, ["--headless", profile, "--convert-to", "pdf", "--outdir", scratch.path] + inputs)
        #expect(toPDF.status == 0, "\(toPDF.stdout) \(toPDF.stderr)")
        for (account, cycle) in Self.statements {
            let stem = "\(account)-\(cycle)"
            let pdf = try? Data(contentsOf: scratch.appendingPathComponent("\(stem).pdf"))
            #expect(pdf?.starts(with: Data("%PDF".utf8)) == true, "\(stem).pdf")
            let english = account == "northwind"
            let summary = try? String(contentsOf: scratch.appendingPathComponent("\(stem)-\(english ? "Summary" : "요약").csv"), encoding: .utf8)
            #expect(summary?.contains(english ? "Total due," : "청구 합계,") == true, "\(stem) summary CSV")
        }
        // KRW without decimals, with thousands separators; dates as dates.
        let acme = try String(contentsOf: scratch.appendingPathComponent("acme-2026-10-15-일별.csv"), encoding: .utf8)
        #expect(acme.hasPrefix("일자,채널,구분,단가 적용일,메시지 수,단위 수,정확한 금액,금액\n2026-10-15,"))
    }

    @Test("the same ledger gives the same bytes; no temporary file is left; files are 0640")
    func determinismAndAtomicity() throws {
        let workspace = try Self.ingested()
        for out in ["first", "second"] {
            let result = try workspace.run("statement", "--account", "acme", "--cycle", "2026-10-15", "--as-of", Self.asOf, "--details", "--out", out)
            #expect(result.status == 0, "\(result.stderr)")
        }
        for name in ["statement-r0.xlsx", "statement-r0.jsonl"] {
            let first = try Data(contentsOf: workspace.url.appendingPathComponent("first/\(name)"))
            let second = try Data(contentsOf: workspace.url.appendingPathComponent("second/\(name)"))
            #expect(first == second, "\(name)")
            let mode = try FileManager.default.attributesOfItem(atPath: workspace.path("first/\(name)"))[.posixPermissions] as? Int
            #expect(mode == 0o640, "\(name)")
        }
        for _ in 0..<2 {
            #expect(try workspace.run("report", "month", "--month", "2026-10", "--as-of", Self.asOf, "--format", "jsonl").status == 0)
        }
        let month = try String(contentsOfFile: workspace.path("out/months/2026-10/acme.jsonl"), encoding: .utf8)
        #expect(month.hasPrefix(#"{"record":"month","schema":"sendledger.month.jsonl/1","account":"acme""#))
        #expect(month.contains(#""revision":1,"#), "an unchanged month report keeps its revision")
        let everything = Self.files(under: workspace.url)
        #expect(everything.filter { $0.contains(".tmp-") }.isEmpty, "\(everything)")
    }

    @Test("usage errors exit 64 and write nothing", arguments: [
        ["statement", "--account", "nobody", "--cycle", "2026-10-15"],
        ["statement", "--account", "acme", "--cycle", "2026-10-16"],
        ["statement", "--account", "acme", "--cycle", "2026-10-15", "--format", "pdf"],
        ["report", "month", "--month", "2026-13"],
        ["report", "month", "--month", "2026-10", "--account", "nobody"],
    ])
    func usageErrors(arguments: [String]) throws {
        let workspace = try Workspace(copySamples: false)
        let result = try Executable.run(arguments, in: workspace.url)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(Self.files(under: workspace.url.appendingPathComponent("out")).isEmpty)
    }
}

/// Programs the tests call: python3 with openpyxl, LibreOffice.
enum Tools {
    static func which(_ names: String...) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in names {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    static func pythonWithOpenpyxl() -> String? {
        guard let python = which("python3"), let check = try? run(python, ["-c", "import openpyxl"]), check.status == 0 else { return nil }
        return python
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Executable.Result {
        try Executable.run(program: executable, arguments)
    }
}
