import BuildModel
import Testing

struct TimestampTests {
    /// RFC 3339 text round-trips as Go's RFC3339Nano writes it, offsets included.
    @Test(arguments: [
        "2024-02-05T18:37:58.113853435Z", "2026-11-29T01:25:59.02155946Z", "2025-03-20T22:53:16.448246532+01:00",
        "0001-01-01T00:00:00Z", "2026-01-01T00:00:00.5Z", "1999-12-31T23:59:59-05:30",
    ])
    func roundTrip(_ text: String) throws {
        let t = try #require(RFC3339.parse(Array(text.utf8)))
        #expect(RFC3339.format(t) == text)
    }

    /// The zero time is recognised; offsets change the instant, not equality of equal instants.
    @Test func zeroAndOffsets() throws {
        #expect(try #require(RFC3339.parse(Array("0001-01-01T00:00:00Z".utf8))).isZero)
        let a = try #require(RFC3339.parse(Array("2025-03-20T22:53:16+01:00".utf8)))
        let b = try #require(RFC3339.parse(Array("2025-03-20T21:53:16Z".utf8)))
        #expect(a == b)
        #expect(RFC3339.parse(Array("2025-13-20T21:53:16Z".utf8)) == nil)
        #expect(RFC3339.parse(Array("garbage".utf8)) == nil)
    }
}
