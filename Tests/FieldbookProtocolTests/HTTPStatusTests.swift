import FieldbookCore
import FieldbookProtocol
import Testing

/// `FieldbookError.Code.httpStatus`, against the table in PROTOCOL.md, "Error codes".
struct HTTPStatusTests {
    @Test(arguments: [
        (FieldbookError.Code.usage, 400), (.invalidInput, 400), (.notFound, 404), (.ambiguous, 400), (.corrupt, 400),
        (.unsupportedVersion, 426), (.notAReplica, 500), (.sequenceGap, 409), (.clockSkew, 422), (.badToken, 401),
        (.scopeDenied, 403), (.forged, 403), (.tooLarge, 413), (.unavailable, 503), (.storage, 500), (.exists, 409),
        (.unknownKind, 400), (.internal, 500), (FieldbookError.Code(rawValue: 1234), 500),
    ])
    func codesMapToTheDocumentedStatus(code: FieldbookError.Code, status: Int) {
        #expect(code.httpStatus == status, "\(code)")
    }
}
