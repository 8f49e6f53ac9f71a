import Foundation
import Testing

/// Vendor profiles come from ops, not vendors, but a typo must still stop at the key it is
/// in: unknown keys and wrong types name the file and the key path; exit 64.
@Suite("Vendor profile errors")
struct ConfigHardeningTests {
    static let base = "vendor = \"x\"\nformat = \"csv\"\n"
    static let fields = "[fields]\nsent_at = \"a\"\nchannel = \"b\"\nstatus = \"c\"\n"

    @Test("unknown keys and wrong types in a vendor profile name the file and key", arguments: [
        (base + "colour = \"red\"\n" + fields, "jobs/vendors/bad.toml: colour: not a key of a vendor profile"),
        (base + "[csv]\nheader_row = \"1\"\n" + fields, "jobs/vendors/bad.toml: csv.header_row"),
        (base + "[csv]\ndelimeter = \";\"\n" + fields, "jobs/vendors/bad.toml: csv.delimeter: not a key of a vendor profile"),
        (base + "[fields]\nsent_at = { column = \"a\", tme = \"x\" }\nchannel = \"b\"\nstatus = \"c\"\n", "jobs/vendors/bad.toml: fields.sent_at.tme: not a key"),
        (base + fields + "units = 3\n", "jobs/vendors/bad.toml: fields.units"),
        (base + fields + "recipent = \"r\"\n", "jobs/vendors/bad.toml: fields.recipent: not a key"),
        ("vendor = 7\n" + fields, "jobs/vendors/bad.toml: vendor"),
        (base + fields + "[fields\n", "jobs/vendors/bad.toml: : not valid TOML"),
    ])
    func profileErrors(text: String, message: String) throws {
        let workspace = try Workspace(copySamples: false)
        try workspace.write("jobs/vendors/bad.toml", text)
        try workspace.write("in/file.csv", "a,b,c\n")
        let result = try workspace.run("vendors", "check", "--vendor", "bad", "in/file.csv")
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
