import Foundation
import Testing

/// Vendor profiles come from ops, not vendors, but a typo must still stop at the key it is
/// in: unknown keys and wrong types name the file and the key path; exit 64.
@Suite("Vendor profile errors")
struct ConfigHardeningTests {
    static let base = "vendor = \"x\"\nformat = \"csv\"\n"
    static let fields = "[fields]\nsent_at = \"a\"\nchannel = \"b\"\nstatus = \"c\"\n"

    static let notBare: String = (try? String(contentsOf: Executable.repository.appendingPathComponent("Tests/Fixtures/hostile/toml/table-name-not-bare.toml"),
                                               encoding: .utf8)) ?? ""
    static let cases: [(String, String)] = {
        var cases: [(String, String)] = []
        cases.append((base + "colour = \"red\"\n" + fields, "jobs/vendors/bad.toml: colour: not a key of a vendor profile"))
        cases.append((base + "[csv]\nheader_row = \"1\"\n" + fields, "jobs/vendors/bad.toml: csv.header_row"))
        cases.append((base + "[csv]\ndelimeter = \";\"\n" + fields, "jobs/vendors/bad.toml: csv.delimeter: not a key of a vendor profile"))
        cases.append((base + "[fields]\nsent_at = { column = \"a\", tme = \"x\" }\nchannel = \"b\"\nstatus = \"c\"\n", "jobs/vendors/bad.toml: fields.sent_at.tme: not a key"))
        cases.append((base + fields + "units = 3\n", "jobs/vendors/bad.toml: fields.units"))
        cases.append((base + fields + "recipent = \"r\"\n", "jobs/vendors/bad.toml: fields.recipent: not a key"))
        cases.append(("vendor = 7\n" + fields, "jobs/vendors/bad.toml: vendor"))
        cases.append((base + fields + "[fields\n", "jobs/vendors/bad.toml: : not valid TOML"))
        // Found by fuzzing: the TOML parser aborted the process on this (now a syntax error).
        cases.append((notBare, "jobs/vendors/bad.toml: : not valid TOML: line 8: a table name starts with a letter, digit, _ or -, or is quoted"))
        cases.append((base + fields + "[[ @x ]]\n", "jobs/vendors/bad.toml: : not valid TOML: line 7: a table name starts"))
        cases.append((base + fields + "[\nx = 1\n", "jobs/vendors/bad.toml: : not valid TOML: line 7: a table name starts"))
        // A comment holding """ must not hide the header below it (the fourth fuzzing run).
        cases.append(("# a \"\"\" in a comment\n" + base + fields + "[\u{FFFD}x]\n", "jobs/vendors/bad.toml: : not valid TOML: line 8: a table name starts"))
        return cases
    }()

    @Test("unknown keys and wrong types in a vendor profile name the file and key", arguments: cases)
    func profileErrors(text: String, message: String) throws {
        let workspace = try Workspace(copySamples: false)
        try workspace.write("jobs/vendors/bad.toml", text)
        try workspace.write("in/file.csv", "a,b,c\n")
        let result = try workspace.run("vendors", "check", "--vendor", "bad", "in/file.csv")
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}

@Suite("Config files the TOML parser would crash on")
struct TOMLCrashTests {
    @Test("a table name neither bare nor quoted is a config error naming the file and line, exit 64", arguments: [
        "jobs/nightly.toml", "jobs/pricebook.toml",
    ])
    func tableNameNotBare(file: String) throws {
        let workspace = try Workspace(copySamples: false)
        let original = try String(contentsOfFile: workspace.path(file), encoding: .utf8)
        try workspace.write(file, original + "\n[한빛 커머스]\nx = 1\n")
        let result = try workspace.run("run", "--dry-run", "--as-of", "2026-11-20")
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("\(file): "), "\(result.stderr)")
        #expect(result.stderr.contains("a table name starts with a letter, digit, _ or -, or is quoted"), "\(result.stderr)")
    }
}
