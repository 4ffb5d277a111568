/// A cohort's counts and its city, gathered from its events' venues and its participants.
///
/// A cohort can meet in several cities (the demo's NPQH cohort starts in Shanghai and has
/// a module in Chengdu), so its city is every venue city in the order of its first
/// session there: the place the cohort starts comes first, and no city is picked over
/// another by the alphabet. Webinars have no venue; a cohort with no venue at all falls
/// back to where most of its participants are.
struct CohortPlaces {
    private(set) var events = 0
    private(set) var participants = 0
    /// Venue cities with their first session's start (UTC, ISO 8601).
    private var venueCities: [String: String] = [:]
    private var participantCities: [String: Int] = [:]

    mutating func addEvents(_ count: Int, city: String?, first: String) {
        events += count
        if let city, !city.isEmpty { venueCities[city] = min(venueCities[city] ?? first, first) }
    }

    mutating func addParticipants(_ count: Int, city: String?) {
        participants += count
        if let city, !city.isEmpty { participantCities[city, default: 0] += count }
    }

    /// The venue cities by first session, else the participants' most common city.
    var city: String? {
        if !venueCities.isEmpty {
            return venueCities.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key).joined(separator: ", ")
        }
        return participantCities.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
    }
}
