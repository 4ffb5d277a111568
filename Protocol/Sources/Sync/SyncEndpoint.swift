/// The one HTTP endpoint of the sync protocol (PROTOCOL.md, "Sync round").
///
/// A round is `POST /v1/sync` with `Authorization: Bearer TOKEN` and an encoded
/// ``SyncRequest`` as the body; the answer is an encoded ``SyncResponse`` (200) or
/// ``ErrorMessage`` (4xx/5xx), both with ``WireFormat/contentType``.
public enum SyncEndpoint {
    /// The HTTP method.
    public static let method = "POST"
    /// The request path. The `v1` names the round's HTTP shape; the body format has its
    /// own version in the envelope, so the path changes only if the round itself does.
    public static let path = "/v1/sync"
}
