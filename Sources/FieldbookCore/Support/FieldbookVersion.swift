/// The version of this Fieldbook build, as `fieldbook --version` and
/// `fieldbook-server --version` print it and as a laptop tells the server with each sync.
///
/// A laptop sends it in the `User-Agent` header of every sync request
/// (`fieldbook/0.1.0 (linux)`), and the server records the last one it saw per laptop
/// for the office console's laptops page. It is not part of the sync protocol: a client
/// that sends no such header (or another one) syncs the same, its version is unknown.
public enum FieldbookVersion {
    /// This build's version.
    public static let current = "0.1.0"

    /// The product token of the `User-Agent` header.
    public static let product = "fieldbook"

    /// The `User-Agent` header a laptop sends: `fieldbook/VERSION (PLATFORM)`.
    public static var userAgent: String { "\(product)/\(current) (\(platform))" }

    /// The operating system this build runs on.
    public static var platform: String {
        #if os(Linux)
            "linux"
        #elseif os(macOS)
            "macos"
        #elseif os(Windows)
            "windows"
        #else
            "other"
        #endif
    }

    /// The longest version recorded from a header; anything longer is not a Fieldbook version.
    public static let maximumLength = 32

    /// The Fieldbook version a `User-Agent` header names (`fieldbook/0.1.0 (linux)` →
    /// `0.1.0`), or `nil` when the header is absent or names no plausible version: its
    /// first product token must be `fieldbook/` followed by 1 to 32 letters, digits,
    /// `.`, `-` or `+`.
    ///
    /// Never an error: the header is informational, a sync is never refused over it.
    public static func version(inUserAgent header: String?) -> String? {
        guard let header else { return nil }
        let token = header.prefix { $0 != " " && $0 != "\t" }
        let prefix = product + "/"
        guard token.lowercased().hasPrefix(prefix) else { return nil }
        let version = token.dropFirst(prefix.count)
        guard !version.isEmpty, version.count <= maximumLength,
            version.unicodeScalars.allSatisfy({ scalar in
                scalar.isASCII
                    && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                        || scalar == "." || scalar == "-" || scalar == "+")
            })
        else { return nil }
        return String(version)
    }
}
