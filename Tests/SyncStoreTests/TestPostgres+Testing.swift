import FieldbookTestSupport
import Testing

extension TestPostgres {
    /// Why a PostgreSQL test was skipped, for `.enabled(if:_:)`.
    static let skipReason = Comment(rawValue: skipText)
}
