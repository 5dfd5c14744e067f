/// Decimal byte sizes as BuildKit prints them (`%.2f` of `units.Bytes`): `123B`, `1.23kB`, `12.34MB`.
public enum ByteUnits {
    /// Formats a byte count.
    public static func format(_ n: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var v = Double(n)
        var u = 0
        while abs(v) >= 1000, u < units.count - 1 {
            v /= 1000
            u += 1
        }
        if u == 0 { return "\(n)B" }
        return fixed(v, 2) + units[u]
    }

    /// Parses a size as docker's flags take it: bytes, or a number with a unit (`10MB`, `2GiB`,
    /// `512k`); nil when it is not one.
    public static func parse(_ text: String) -> Int64? {
        let digits = text.prefix { $0.isNumber || $0 == "." }
        guard let n = Double(digits), n.isFinite, n >= 0, n < 9e18 else { return nil }
        let unit = text.dropFirst(digits.count).lowercased()
        let factors: [String: Double] = [
            "": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
            "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
        ]
        guard let f = factors[unit], n * f < 9e18 else { return nil }
        return Int64(n * f)
    }

    /// `%.Nf` formatting without Foundation.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded(.toNearestOrEven)
        let whole = Int64(scaled / scale)
        let frac = Int64(scaled - Double(whole) * scale)
        let sign = value < 0 && scaled != 0 ? "-" : ""
        if digits == 0 { return "\(sign)\(whole)" }
        var f = String(frac)
        while f.count < digits { f = "0" + f }
        return "\(sign)\(whole).\(f)"
    }
}
