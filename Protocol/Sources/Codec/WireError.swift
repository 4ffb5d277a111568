import FieldbookCore

/// The errors the codec throws, worded once so every refusal reads the same way.
///
/// Each is one line: what is wrong, then what to do. Details name positions and sizes,
/// never user data, so a message is safe to log and show.
enum WireError {
    /// The bytes are damaged, cut short or not a Fieldbook message at all.
    static func corrupt(_ detail: String) -> FieldbookError {
        FieldbookError(
            .corrupt,
            "corrupt Fieldbook message: \(detail); it was damaged or cut short on the way, so send it again"
        )
    }

    /// A size or count is over what this receiver accepts.
    static func tooLarge(_ what: String, _ size: some BinaryInteger, limit: some BinaryInteger) -> FieldbookError {
        FieldbookError(
            .tooLarge,
            "Fieldbook message too large: \(what) is \(size), over the limit of \(limit); send smaller batches"
        )
    }

    /// The envelope says a format version this build cannot read.
    static func unsupportedVersion(_ version: UInt8) -> FieldbookError {
        let supported = WireFormat.supportedVersions.map(String.init).joined(separator: ", ")
        return FieldbookError(
            .unsupportedVersion,
            "Fieldbook message format version \(version) is not supported (this build reads \(supported)); "
                + "upgrade Fieldbook"
        )
    }

    /// The envelope names a message kind this build does not know.
    static func unknownKind(_ kind: MessageKind) -> FieldbookError {
        FieldbookError(
            .unknownKind,
            "unknown Fieldbook message kind \(kind.rawValue); it comes from a newer peer, so upgrade Fieldbook"
        )
    }
}
