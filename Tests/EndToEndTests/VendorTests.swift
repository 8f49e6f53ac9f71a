import Foundation
import Testing

@Suite("vendors list, vendors check, ingest --vendor (the built executable)")
struct VendorTests {
    @Test("vendors list names every profile with its format and kind") func list() throws {
        let workspace = try Workspace(copySamples: false)
        let result = try workspace.run("vendors", "list")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("sendon\tvendor=sendon\tformat=csv\tkind=detail"))
        #expect(result.stdout.contains("channeltalk\tvendor=channeltalk\tformat=xlsx\tkind=detail"))
        #expect(result.stdout.contains("ktcommunis-list\tvendor=ktcommunis\tformat=xlsx\tkind=summary"))
    }

    @Test("vendors check on a sample: records shown, exit 0, nothing written") func checkClean() throws {
        let workspace = try Workspace()
        let result = try workspace.run("vendors", "check", "--vendor", "sendon", "samples/inbox/sendon/acme/sendon-result-2026-10.csv")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("record vendor=sendon account=acme"))
        #expect(result.stdout.contains("12 records, 0 rejected"))
        #expect(!FileManager.default.fileExists(atPath: workspace.path("var/sendledger.db")))
        #expect(!FileManager.default.fileExists(atPath: workspace.path("var/hash.key")))
    }

    @Test("vendors check lists every reject as file:row: field \"value\": reason and exits 65") func checkRejects() throws {
        let workspace = try Workspace(copySamples: false)
        try workspace.write("in/channeltalk.jsonl", """
            {"id":"a","createdAt":1759885200000,"name":"x","state":"sent","medium":"sms","contact":"010-1111-2222"}
            {"id":"b","createdAt":1759885200000,"name":"x","state":"teleported","medium":"sms","contact":"010-1111-2222"}
            {"id":"c","createdAt":1759885200000,"name":"x","state":"failed","reasonCode":"Z999","medium":"fax","contact":"010-1111-2222"}

            """)
        let result = try workspace.run("vendors", "check", "--vendor", "channeltalk-jsonl", "--account", "acme", "in/channeltalk.jsonl")
        #expect(result.status == 65)
        #expect(result.stdout.contains("rejected in/channeltalk.jsonl:2: status \"teleported\": unknown status"))
        #expect(result.stdout.contains("rejected in/channeltalk.jsonl:3: channel \"fax\": unknown channel"))
        #expect(result.stdout.contains("1 records, 2 rejected"))
    }

    @Test("a bad profile exits 64 naming file and key") func badProfile() throws {
        let workspace = try Workspace(copySamples: false)
        try workspace.write("jobs/vendors/broken.toml", """
            format = "csv"
            [fields]
            sent_at = "a"
            channel = "c"
            status = { column = "s", values = { "ok" = "TELEPORTED" } }
            """)
        try workspace.write("in/x.csv", "a,c,s\n")
        let result = try workspace.run("vendors", "check", "--vendor", "broken", "in/x.csv")
        #expect(result.status == 64)
        #expect(result.stderr.contains("jobs/vendors/broken.toml: fields.status.values.ok \"TELEPORTED\""))
        let list = try workspace.run("vendors", "list")
        #expect(list.status == 64)
    }

    @Test("ingest --vendor reads through the profile; the same file again is a no-op") func ingestVendor() throws {
        let workspace = try Workspace()
        let file = "samples/inbox/channeltalk/acme/channeltalk-2026-10.xlsx"
        // By path, no inbox sub-folder: this profile takes the account from it, so give a copy
        // in an inbox-shaped folder.
        let first = try workspace.run("ingest", "--vendor", "channeltalk-jsonl", "samples/inbox/channeltalk-jsonl")
        #expect(first.status == 65)   // no account: every row is rejected naming the field
        #expect(first.stderr.contains("account \"\": required value is empty"))
        let nhn = try workspace.run("ingest", "--vendor", "nhncloud-sms", "samples/inbox/nhncloud-sms/acme/nhncloud-sms-2026-10.json.gz")
        #expect(nhn.status == 65)
        let run = try workspace.run("run")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("ingested \(file): 13 rows, 13 new"))
        let again = try workspace.run("ingest", "--vendor", "channeltalk", file)
        #expect(again.status == 0)
        #expect(again.stdout.contains("already ingested"))
    }

    @Test("a profile that does not load: the run skips its files naming the profile's file, key and fault; ingest --vendor exits 64")
    func badProfileInRun() throws {
        let workspace = try Workspace()
        try workspace.write("jobs/vendors/sendon.toml", """
            format = "csv"
            [fields]
            sent_at = "a"
            channel = "c"
            status = { column = "s", values = { "ok" = "TELEPORTED" } }
            """)
        let file = "samples/inbox/sendon/acme/sendon-result-2026-10.csv"
        let why = "bad vendor profile: jobs/vendors/sendon.toml: fields.status.values.ok \"TELEPORTED\": not a canonical status"
        let run = try workspace.run("run", "--as-of", "2026-11-20")
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stdout.contains("skipped \(file): \(why)"))
        #expect(!run.stdout.contains("no vendor profile"))
        // Left in the inbox for the run after the fix; the other vendors' files are ingested.
        #expect(FileManager.default.fileExists(atPath: workspace.path(file)))
        #expect(run.stdout.contains("ingested samples/inbox/sendon-xlsx/hanbit/sendon-result-2026-10.xlsx"))
        let runRecord = try #require(try FileManager.default.contentsOfDirectory(atPath: workspace.path("out/runs")).first)
        let record = try String(contentsOfFile: workspace.path("out/runs/\(runRecord)"), encoding: .utf8)
        #expect(record.contains("\"outcome\" : \"bad-profile\""))
        let ingest = try workspace.run("ingest", "--vendor", "sendon", file)
        #expect(ingest.status == 64)
        #expect(ingest.stderr.contains("--vendor sendon: jobs/vendors/sendon.toml: fields.status.values.ok \"TELEPORTED\""))
    }

    @Test("ingest --vendor with an unknown profile is a usage error") func unknownVendor() throws {
        let workspace = try Workspace()
        let result = try workspace.run("ingest", "--vendor", "nosuch", "samples/inbox/sendon/acme/sendon-result-2026-10.csv")
        #expect(result.status == 64)
        #expect(result.stderr.contains("--vendor nosuch: no such vendor profile"))
    }
}
