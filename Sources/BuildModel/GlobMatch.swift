/// Go's `filepath.Match` for one path component (`*`, `?`, `[…]`, `\` escapes).
public enum GlobMatch {
    /// True when `name` matches `pattern`.
    public static func match(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.unicodeScalars), n = Array(name.unicodeScalars)
        return matchFrom(p, 0, n, 0)
    }

    private static func matchFrom(_ p: [Unicode.Scalar], _ pi: Int, _ n: [Unicode.Scalar], _ ni: Int) -> Bool {
        var pi = pi, ni = ni
        while pi < p.count {
            switch p[pi] {
            case "*":
                for k in ni...n.count where matchFrom(p, pi + 1, n, k) { return true }
                return false
            case "?":
                guard ni < n.count else { return false }
                pi += 1
                ni += 1
            case "[":
                guard ni < n.count, let (ok, next) = matchClass(p, pi, n[ni]), ok else { return false }
                pi = next
                ni += 1
            case "\\" where pi + 1 < p.count:
                guard ni < n.count, n[ni] == p[pi + 1] else { return false }
                pi += 2
                ni += 1
            default:
                guard ni < n.count, n[ni] == p[pi] else { return false }
                pi += 1
                ni += 1
            }
        }
        return ni == n.count
    }

    private static func matchClass(_ p: [Unicode.Scalar], _ start: Int, _ c: Unicode.Scalar) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count, p[i] == "^" {
            negate = true
            i += 1
        }
        var matched = false
        var first = true
        while i < p.count {
            if p[i] == "]", !first { return (matched != negate, i + 1) }
            first = false
            var lo = p[i]
            if lo == "\\", i + 1 < p.count {
                i += 1
                lo = p[i]
            }
            var hi = lo
            if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]" {
                hi = p[i + 2]
                if hi == "\\", i + 3 < p.count { hi = p[i + 3]; i += 1 }
                i += 2
            }
            if lo.value <= c.value, c.value <= hi.value { matched = true }
            i += 1
        }
        return nil
    }
}
