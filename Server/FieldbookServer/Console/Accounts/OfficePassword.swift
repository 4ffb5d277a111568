import HummingbirdBcrypt

/// Office passwords, stored only as bcrypt hashes.
public enum OfficePassword {
    /// The cost new hashes get: about a quarter of a second per check on a server core.
    public static let defaultCost: UInt8 = 12

    /// A bcrypt hash of `password` (random salt).
    public static func hash(_ password: String, cost: UInt8 = defaultCost) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Whether `password` matches `hash`.
    public static func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }
}
