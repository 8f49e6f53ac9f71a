import LedgerIngest

/// Which reader a file needs: the canonical formats, or a vendor profile from
/// `jobs/vendors/<name>.toml` (the folder the file sits in names the profile).
enum VendorFormats {
    static func format(for file: InboxFile, config: LedgerConfig) -> RecordFormat? {
        if file.vendor == "canonical" { return .canonical(for: file.path) }
        return nil
    }
}
