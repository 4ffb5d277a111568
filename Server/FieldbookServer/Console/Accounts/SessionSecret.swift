import Crypto
import Foundation

/// Random secrets of the console (session IDs, CSRF tokens, the sign-in form's binding):
/// 32 bytes from the system's generator, written as base64url (43 characters).
enum SessionSecret {
    static func random() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// What the server stores of a session ID: a stolen database does not hand out sessions.
    static func hash(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of a well-formed secret, or `nil`.
    static func decode(_ text: String) -> [UInt8]? {
        guard text.count == 43 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += "="
        guard let data = Data(base64Encoded: base64), data.count == 32 else { return nil }
        return [UInt8](data)
    }
}
