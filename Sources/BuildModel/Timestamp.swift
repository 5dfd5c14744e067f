/// A point in time as BuildKit sends it: Unix seconds and nanoseconds, plus the UTC offset it was
/// written with (kept only so a re-encoded stream matches the original byte for byte).
///
/// Go's zero `time.Time` (`0001-01-01T00:00:00Z`, seconds −62135596800) means "unset".
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since the Unix epoch.
    public var seconds: Int64
    /// Nanoseconds within the second, 0 ..< 1_000_000_000.
    public var nanos: Int32
    /// Offset from UTC in seconds that the original text carried (0 for `Z`).
    public var utcOffset: Int32

    /// Seconds of Go's zero time relative to the Unix epoch.
    public static let goZeroSeconds: Int64 = -62_135_596_800

    /// Go's zero time: "unset".
    public static let zero = Timestamp(seconds: goZeroSeconds, nanos: 0)

    /// Creates a timestamp.
    public init(seconds: Int64, nanos: Int32, utcOffset: Int32 = 0) {
        self.seconds = seconds
        self.nanos = nanos
        self.utcOffset = utcOffset
    }

    /// Creates a timestamp from fractional Unix seconds (for clocks and tests).
    public init(unix: Double) {
        let whole = unix.rounded(.down)
        seconds = Int64(whole)
        nanos = Int32(((unix - whole) * 1e9).rounded()).clamped(0, 999_999_999)
        utcOffset = 0
    }

    /// True for Go's zero time, which BuildKit uses for "not set".
    public var isZero: Bool { seconds == Self.goZeroSeconds && nanos == 0 }

    /// Unix time as a Double (seconds).
    public var unix: Double { Double(seconds) + Double(nanos) / 1e9 }

    /// Nanoseconds since the Unix epoch; saturates for out-of-range values.
    public var unixNanos: Int64 {
        let (m, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if o1 { return seconds < 0 ? Int64.min : Int64.max }
        let (s, o2) = m.addingReportingOverflow(Int64(nanos))
        return o2 ? Int64.max : s
    }

    /// Seconds elapsed from `earlier` to `self`.
    public func seconds(since earlier: Timestamp) -> Double {
        Double(seconds - earlier.seconds) + Double(nanos - earlier.nanos) / 1e9
    }

    /// Returns this instant moved by a number of seconds.
    public func adding(seconds delta: Double) -> Timestamp {
        Timestamp(unix: unix + delta)
    }

    public static func == (a: Timestamp, b: Timestamp) -> Bool {
        a.seconds == b.seconds && a.nanos == b.nanos
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seconds)
        hasher.combine(nanos)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        a.seconds != b.seconds ? a.seconds < b.seconds : a.nanos < b.nanos
    }

    public var description: String { RFC3339.format(self) }
}

extension Int32 {
    func clamped(_ lo: Int32, _ hi: Int32) -> Int32 { Swift.min(Swift.max(self, lo), hi) }
}

/// RFC 3339 with up to nine fractional digits, as Go's `time.RFC3339Nano` reads and writes it.
public enum RFC3339 {
    /// Parses `2024-02-05T18:37:58.113853435Z` or with a numeric offset; nil when malformed.
    public static func parse<C: Collection<UInt8>>(_ text: C) -> Timestamp? {
        if let r = text.withContiguousStorageIfAvailable({ parse(buffer: $0) }) { return r }
        return Array(text).withUnsafeBufferPointer { parse(buffer: $0) }
    }

    /// A cursor over the text (no closures: parsing allocates nothing).
    struct Cursor {
        let p: UnsafeBufferPointer<UInt8>
        var i = 0

        mutating func digits(_ n: Int) -> Int? {
            guard p.count - i >= n else { return nil }
            var v = 0
            for _ in 0..<n {
                let c = p[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
                i += 1
            }
            return v
        }

        mutating func expect(_ c: UInt8) -> Bool {
            guard i < p.count, p[i] == c else { return false }
            i += 1
            return true
        }
    }

    static func parse(buffer: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var c = Cursor(p: buffer)
        let end = buffer.count
        guard let year = c.digits(4), c.expect(45), let month = c.digits(2), c.expect(45), let day = c.digits(2)
        else { return nil }
        guard c.i < end, buffer[c.i] == 84 || buffer[c.i] == 116 else { return nil }
        c.i += 1
        guard let hour = c.digits(2), c.expect(58), let minute = c.digits(2), c.expect(58), let second = c.digits(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        var nanos = 0
        if c.i < end, buffer[c.i] == 46 {
            c.i += 1
            var count = 0
            while c.i < end, buffer[c.i] >= 48, buffer[c.i] <= 57 {
                if count < 9 { nanos = nanos * 10 + Int(buffer[c.i] - 48) }
                count += 1
                c.i += 1
            }
            guard count > 0 else { return nil }
            if count < 9 { for _ in count..<9 { nanos *= 10 } }
        }
        var offset = 0
        guard c.i < end else { return nil }
        if buffer[c.i] == 90 || buffer[c.i] == 122 {
            c.i += 1
        } else if buffer[c.i] == 43 || buffer[c.i] == 45 {
            let sign = buffer[c.i] == 45 ? -1 : 1
            c.i += 1
            guard let oh = c.digits(2), c.expect(58), let om = c.digits(2) else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard c.i == end else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return Timestamp(seconds: local - Int64(offset), nanos: Int32(nanos), utcOffset: Int32(offset))
    }

    /// Formats like Go's `time.RFC3339Nano`: trailing zeros of the fraction trimmed, `Z` for UTC.
    public static func format(_ t: Timestamp) -> String {
        String(decoding: formatBytes(t), as: UTF8.self)
    }

    /// Formats into bytes (see `format`).
    public static func formatBytes(_ t: Timestamp) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(36)
        append(t, to: &out)
        return out
    }

    /// Appends the RFC 3339 text of `t` to `out`.
    public static func append(_ t: Timestamp, to out: inout [UInt8]) {
        let local = t.seconds + Int64(t.utcOffset)
        var days = local / 86_400
        var rem = local % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        let (y, m, d) = civilFromDays(Int(days))
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: 48, count: width)
            var x = v
            var k = width - 1
            while k >= 0 {
                digits[k] = UInt8(48 + x % 10)
                x /= 10
                k -= 1
            }
            out.append(contentsOf: digits)
        }
        put(y, 4); out.append(45); put(m, 2); out.append(45); put(d, 2); out.append(84)
        put(Int(rem / 3600), 2); out.append(58); put(Int(rem % 3600 / 60), 2); out.append(58)
        put(Int(rem % 60), 2)
        if t.nanos != 0 {
            var frac = Int(t.nanos)
            var width = 9
            while frac % 10 == 0 {
                frac /= 10
                width -= 1
            }
            out.append(46)
            put(frac, width)
        }
        if t.utcOffset == 0 {
            out.append(90)
        } else {
            let off = Int(t.utcOffset)
            out.append(off < 0 ? 45 : 43)
            put(abs(off) / 3600, 2); out.append(58); put(abs(off) % 3600 / 60, 2)
        }
    }

    // Howard Hinnant's civil-date algorithms.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
