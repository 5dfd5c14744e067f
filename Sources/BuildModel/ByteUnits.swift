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
