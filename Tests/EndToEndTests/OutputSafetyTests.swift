import Foundation
import Testing

/// What the job writes cannot harm whoever opens it, and does not spread recipients: text that
/// looks like a formula stays text in XLSX and is neutralized in CSV; files holding recipient
/// data are 0640, the hash key 0600; recipients are masked, also in debug logs and rejects.
@Suite("Output safety")
struct OutputSafetyTests {
    /// Values a spreadsheet program would run as formulas, in the fields reports show.
    static let formulas = ["=HYPERLINK(\"http://evil.example/x\",\"click\")", "+82-2-1588", "-2+3", "@SUM(A1:A9)", "\tTAB=1", "=1+2"]

    static func writeFormulaInbox(_ workspace: Workspace) throws {
        var text = "vendor,account,message_id,batch_id,sent_at,completed_at,channel,status,refundable,reason_code,reason_text,units,category,sender,recipient,fallback_of,vendor_cost\n"
        for (index, formula) in formulas.enumerated() {
            let quoted = "\"" + formula.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            text += "sendon,acme,F-\(index),B1,2026-10-1\(index)T10:00:00+09:00,,SMS,FAILED,true,\(quoted),\(quoted),1,\(quoted),\(quoted),010-3456-78\(10 + index),,9.9\n"
        }
        try workspace.write("samples/inbox/canonical/formulas.csv", text)
    }

    /// (part name, XML) of every part of a workbook, read with python's zipfile.
    static func parts(of workbook: String) throws -> [String: String] {
        let script = """
            import json, sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as z:
                print(json.dumps({n: z.read(n).decode("utf-8") for n in z.namelist()}))
            """
        let result = try Executable.run(program: "/usr/bin/env", ["python3", "-c", script, workbook])
        guard result.status == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: result.stderr]) }
        return try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))
    }

    @Test("formula-looking text is never a formula in XLSX and is neutralized with ' in CSV (xlsx to-csv)")
    func formulasStayText() throws {
        let workspace = try Workspace(copySamples: false)
        try Self.writeFormulaInbox(workspace)
        let run = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let workbooks = HostileInputTests.files(under: workspace.path("out")).filter { $0.hasSuffix(".xlsx") }
        #expect(!workbooks.isEmpty)
        var sawFormulaText = false
        for workbook in workbooks {
            let parts = try Self.parts(of: workspace.path("out/" + workbook))
            for (name, xml) in parts where name.hasPrefix("xl/worksheets/") {
                #expect(!xml.contains("<f>") && !xml.contains("<f "), "\(workbook) \(name) holds a formula")
            }
            if parts.values.contains(where: { $0.contains("=HYPERLINK(") }) { sawFormulaText = true }

            // Every sheet as CSV: no field starts with a formula character unless neutralized.
            let sheetNames = (parts["xl/workbook.xml"] ?? "").components(separatedBy: "<sheet ").dropFirst().compactMap { element -> String? in
                guard let start = element.range(of: "name=\"") else { return nil }
                let rest = element[start.upperBound...]
                return rest.range(of: "\"").map { String(rest[..<$0.lowerBound]) }
            }
            for sheet in sheetNames {
                let csv = workspace.path("csv/\(UUID().uuidString).csv")
                let converted = try workspace.run("xlsx", "to-csv", "out/" + workbook, "--sheet", sheet.replacingOccurrences(of: "&amp;", with: "&"), csv)
                #expect(converted.status == 0, "\(converted.stderr)")
                let mode = try FileManager.default.attributesOfItem(atPath: csv)[.posixPermissions] as? Int
                #expect(mode == 0o640)
                let fields = try Self.csvFields(csv)
                for field in fields where field.first.map({ "=+-@\t\r".contains($0) }) == true {
                    #expect(Double(field) != nil, "\(workbook) \(sheet): \(field.debugDescription) would be a formula")
                }
                for formula in Self.formulas where fields.contains(formula) {
                    Issue.record("\(workbook) \(sheet): \(formula.debugDescription) written as is")
                }
            }
        }
        #expect(sawFormulaText, "no report shows the formula-looking text; the test checks nothing")
    }

    /// The fields of a CSV file, read with python's csv module.
    static func csvFields(_ path: String) throws -> [String] {
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline="", encoding="utf-8") as f:
                print(json.dumps([field for row in csv.reader(f) for field in row]))
            """
        let result = try Executable.run(program: "/usr/bin/env", ["python3", "-c", script, path])
        guard result.status == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: result.stderr]) }
        return try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8))
    }

    @Test("outputs holding recipients are 0640, the hash key 0600; no full recipient in outputs, the ledger or debug logs")
    func recipientsStayMasked() throws {
        let workspace = try Workspace()
        try? FileManager.default.removeItem(atPath: workspace.path("var/hash.key")) // the run creates it
        // A canonical file and a JSONL file with a broken line: rejects show evidence.
        let numbers = ["010-7777-1234", "010-8888-5678", "01099992468", "user.secret@example.com"]
        var csv = "vendor,account,message_id,batch_id,sent_at,completed_at,channel,status,refundable,reason_code,reason_text,units,category,sender,recipient,fallback_of,vendor_cost\n"
        for (index, number) in numbers.enumerated() {
            csv += "sendon,acme,P-\(index),B1,2026-10-16T10:00:00+09:00,,SMS,DELIVERED,false,,,\(index == 1 ? "-1" : "1"),,,\(number),,9.9\n"
        }
        try workspace.write("samples/inbox/canonical/privacy.csv", csv)
        try workspace.write("samples/inbox/canonical/privacy.jsonl",
                            "{\"vendor\":\"sendon\",\"account\":\"acme\",\"message_id\":\"P-9\",\"recipient\":\"010-5555-0001\",\"sent_at\":\"2026-10-16T1\n")
        let run = try workspace.run("run", "--as-of", "2026-11-20", "--log-level", "debug")
        #expect(run.status == 65, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("privacy.jsonl:1: (line)"), "\(run.stderr)")

        var keyMode = 0
        if let mode = try? FileManager.default.attributesOfItem(atPath: workspace.path("var/hash.key"))[.posixPermissions] as? Int { keyMode = mode }
        #expect(keyMode == 0o600)
        let outputs = HostileInputTests.files(under: workspace.path("out"))
        for path in outputs where path.hasPrefix("statements/") || path.hasPrefix("months/") || path.hasPrefix("refunds/") {
            let mode = try FileManager.default.attributesOfItem(atPath: workspace.path("out/" + path))[.posixPermissions] as? Int
            #expect(mode == 0o640, "out/\(path)")
        }

        // Every recipient of the canonical sample and of the files above, in its written and
        // its digits-only form; none may appear anywhere.
        let sample = try String(contentsOfFile: workspace.path("samples/inbox/canonical/2026-10-deliveries.csv"), encoding: .utf8)
        var secrets = Set(numbers + ["010-5555-0001"])
        for line in sample.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            // Mobile numbers only: a sender (02-1588-0000, an address) is kept in full by design.
            if fields.count > 14, fields[14].hasPrefix("010"), !fields[14].contains("*") { secrets.insert(String(fields[14])) }
        }
        for secret in Array(secrets) where !secret.contains("@") { secrets.insert(secret.filter(\.isNumber)) }
        #expect(secrets.count > 6)
        var places: [(String, Data)] = [("stdout", Data(run.stdout.utf8)), ("stderr", Data(run.stderr.utf8))]
        for root in ["out", "var"] {
            for path in HostileInputTests.files(under: workspace.path(root)) where !path.hasPrefix("archive") {
                places.append(("\(root)/\(path)", FileManager.default.contents(atPath: workspace.path("\(root)/\(path)")) ?? Data()))
            }
        }
        for (place, data) in places {
            for secret in secrets where data.range(of: Data(secret.utf8)) != nil {
                Issue.record("\(place) holds the full recipient \(secret)")
            }
        }
    }
}
