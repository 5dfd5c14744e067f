import BuildModel
import CBytes

/// A malformed JSON value, with the byte offset where reading stopped.
struct JSONError: Error, CustomStringConvertible {
    let message: String
    let offset: Int
    var description: String { "\(message) at byte \(offset)" }
}

/// A small pull reader over one JSON value in a byte buffer, fast enough for 100 MB status streams:
/// keys are compared as bytes, strings are decoded only when asked for.
struct JSONReader {
    let p: UnsafeBufferPointer<UInt8>
    var i: Int
    /// Objects and arrays open around the value being skipped.
    var depth = 0

    init(_ p: UnsafeBufferPointer<UInt8>, at start: Int = 0) {
        self.p = p
        self.i = start
    }

    func fail(_ message: String) -> JSONError { JSONError(message: message, offset: i) }

    mutating func skipWS() {
        while i < p.count {
            let c = p[i]
            if c == 32 || c == 10 || c == 13 || c == 9 { i += 1 } else { break }
        }
    }

    var atEnd: Bool { i >= p.count }

    mutating func peek() -> UInt8? {
        skipWS()
        return i < p.count ? p[i] : nil
    }

    mutating func expect(_ c: UInt8) throws(JSONError) {
        skipWS()
        guard i < p.count, p[i] == c else {
            throw fail("expected '\(Character(Unicode.Scalar(c)))'")
        }
        i += 1
    }

    /// Reads `null` if present.
    mutating func readNull() -> Bool {
        skipWS()
        if i + 4 <= p.count, p[i] == 110, p[i + 1] == 117, p[i + 2] == 108, p[i + 3] == 108 {
            i += 4
            return true
        }
        return false
    }

    /// Iterates the members of an object; `body` must consume each value.
    mutating func readObject(_ body: (inout JSONReader, UnsafeBufferPointer<UInt8>) throws(JSONError) -> Void) throws(JSONError) {
        try expect(123)
        if peek() == 125 {
            i += 1
            return
        }
        while true {
            let key = try rawString()
            try expect(58)
            let keyBuf: UnsafeBufferPointer<UInt8>
            if key.escaped {
                // Rare: escaped key. Compare against its decoded form via a temporary copy.
                let decoded = Array(JSONReader.unescape(UnsafeBufferPointer(rebasing: p[key.start..<key.end])).utf8)
                try decoded.withUnsafeBufferPointer { (b) throws(JSONError) in try body(&self, b) }
            } else {
                keyBuf = UnsafeBufferPointer(rebasing: p[key.start..<key.end])
                try body(&self, keyBuf)
            }
            skipWS()
            guard i < p.count else { throw fail("unterminated object") }
            if p[i] == 44 {
                i += 1
                continue
            }
            if p[i] == 125 {
                i += 1
                return
            }
            throw fail("expected ',' or '}'")
        }
    }

    /// Iterates the elements of an array (a `null` counts as empty).
    mutating func readArray(_ body: (inout JSONReader) throws(JSONError) -> Void) throws(JSONError) {
        if readNull() { return }
        try expect(91)
        if peek() == 93 {
            i += 1
            return
        }
        while true {
            try body(&self)
            skipWS()
            guard i < p.count else { throw fail("unterminated array") }
            if p[i] == 44 {
                i += 1
                continue
            }
            if p[i] == 93 {
                i += 1
                return
            }
            throw fail("expected ',' or ']'")
        }
    }

    /// Locates a string's raw bytes (between the quotes) without decoding it; scans eight bytes
    /// at a time for a quote or a backslash.
    mutating func rawString() throws(JSONError) -> (start: Int, end: Int, escaped: Bool) {
        try expect(34)
        let start = i
        var escaped = false
        guard let base = p.baseAddress else { throw fail("unterminated string") }
        let n = p.count
        while true {
            i += cbytes_find_quote_or_backslash(base + i, n - i)
            guard i < n else { throw fail("unterminated string") }
            if p[i] == 34 {
                let end = i
                i += 1
                return (start, end, escaped)
            }
            escaped = true
            i += 2
            guard i <= n else { throw fail("unterminated string") }
        }
    }

    /// Reads a string value (`null` reads as empty).
    mutating func readString() throws(JSONError) -> String {
        if readNull() { return "" }
        let r = try rawString()
        let slice = UnsafeBufferPointer(rebasing: p[r.start..<r.end])
        return r.escaped ? JSONReader.unescape(slice) : String(decoding: slice, as: UTF8.self)
    }

    /// Reads a base64 string as bytes (`null` reads as empty).
    mutating func readBase64() throws(JSONError) -> [UInt8] {
        if readNull() { return [] }
        let r = try rawString()
        if r.escaped {
            let text = Array(JSONReader.unescape(UnsafeBufferPointer(rebasing: p[r.start..<r.end])).utf8)
            guard let bytes = Base64.decode(text) else { throw fail("invalid base64") }
            return bytes
        }
        guard let bytes = Base64.decode(UnsafeBufferPointer(rebasing: p[r.start..<r.end])) else {
            throw fail("invalid base64")
        }
        return bytes
    }

    /// Reads an RFC 3339 time string (`null` reads as nil; a zero time is kept, callers decide).
    mutating func readTime() throws(JSONError) -> Timestamp? {
        if readNull() { return nil }
        let r = try rawString()
        guard let t = RFC3339.parse(UnsafeBufferPointer(rebasing: p[r.start..<r.end])) else {
            throw fail("invalid time")
        }
        return t
    }

    /// Reads an integer (a JSON number without fraction).
    mutating func readInt() throws(JSONError) -> Int64 {
        if readNull() { return 0 }
        skipWS()
        var neg = false
        if i < p.count, p[i] == 45 {
            neg = true
            i += 1
        }
        var v: Int64 = 0
        let start = i
        while i < p.count, p[i] >= 48, p[i] <= 57 {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(p[i] - 48))
            guard !o1, !o2 else { throw fail("integer out of range") }
            v = s
            i += 1
        }
        guard i > start else { throw fail("expected a number") }
        if i < p.count, p[i] == 46 || p[i] == 101 || p[i] == 69 {
            throw fail("expected an integer")
        }
        return neg ? -v : v
    }

    /// Reads `true`/`false` (`null` reads as false).
    mutating func readBool() throws(JSONError) -> Bool {
        if readNull() { return false }
        skipWS()
        if i + 4 <= p.count, p[i] == 116, p[i + 1] == 114, p[i + 2] == 117, p[i + 3] == 101 {
            i += 4
            return true
        }
        if i + 5 <= p.count, p[i] == 102, p[i + 1] == 97, p[i + 2] == 108, p[i + 3] == 115, p[i + 4] == 101 {
            i += 5
            return false
        }
        if incompleteLiteral() { throw JSONError(message: "unexpected end", offset: p.count) }
        throw fail("expected true or false")
    }

    /// True when what is left is the start of `true`, `false` or `null` (more bytes may finish it).
    func incompleteLiteral() -> Bool {
        let rest = p.count - i
        guard rest > 0, rest < 5 else { return false }
        for word in ["true", "false", "null"] {
            let bytes = Array(word.utf8)
            if rest < bytes.count, (0..<rest).allSatisfy({ p[i + $0] == bytes[$0] }) { return true }
        }
        return false
    }

    /// Objects and arrays nested deeper than this are an error, not a recursion that overflows
    /// the stack (the fuzzer found a 63 KB line of `[`; BuildKit's messages nest a few levels).
    static let maxDepth = 512

    /// Skips any value.
    mutating func skipValue() throws(JSONError) {
        guard let c = peek() else { throw fail("unexpected end") }
        switch c {
        case 34: _ = try rawString()
        case 123, 91:
            guard depth < JSONReader.maxDepth else { throw fail("values nested more than \(JSONReader.maxDepth) deep") }
            depth += 1
            defer { depth -= 1 }
            if c == 123 {
                try readObject { (r, _) throws(JSONError) in try r.skipValue() }
            } else {
                try readArray { (r) throws(JSONError) in try r.skipValue() }
            }
        case 116, 102: _ = try readBool()
        case 110:
            guard readNull() else {
                if incompleteLiteral() { throw JSONError(message: "unexpected end", offset: p.count) }
                throw fail("invalid literal")
            }
        default:
            let start = i
            while i < p.count, let ch = Optional(p[i]), ch == 45 || ch == 43 || ch == 46 || ch == 101 || ch == 69 || (ch >= 48 && ch <= 57) {
                i += 1
            }
            if i == start { throw fail("unexpected character") }
        }
    }

    /// Skips a value and returns its text with insignificant whitespace removed.
    mutating func captureCompact() throws(JSONError) -> [UInt8] {
        skipWS()
        let start = i
        try skipValue()
        var out: [UInt8] = []
        out.reserveCapacity(i - start)
        var inString = false
        var k = start
        while k < i {
            let c = p[k]
            if inString {
                out.append(c)
                if c == 92, k + 1 < i {
                    out.append(p[k + 1])
                    k += 2
                    continue
                }
                if c == 34 { inString = false }
            } else if c == 34 {
                inString = true
                out.append(c)
            } else if !(c == 32 || c == 10 || c == 13 || c == 9) {
                out.append(c)
            }
            k += 1
        }
        return out
    }

    /// Decodes JSON string escapes; invalid sequences become U+FFFD.
    static func unescape(_ s: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= s.count else { return nil }
            var v: UInt32 = 0
            for k in at..<(at + 4) {
                let c = s[k]
                let d: UInt8
                switch c {
                case 48...57: d = c - 48
                case 97...102: d = c - 87
                case 65...70: d = c - 55
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        func put(_ scalar: UInt32) {
            let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(u)).utf8))
        }
        while i < s.count {
            let c = s[i]
            guard c == 92, i + 1 < s.count else {
                out.append(c)
                i += 1
                continue
            }
            let e = s[i + 1]
            i += 2
            switch e {
            case 34: out.append(34)
            case 92: out.append(92)
            case 47: out.append(47)
            case 98: out.append(8)
            case 102: out.append(12)
            case 110: out.append(10)
            case 114: out.append(13)
            case 116: out.append(9)
            case 117:
                guard let v = hex4(i) else {
                    put(0xFFFD)
                    continue
                }
                i += 4
                if (0xD800..<0xDC00).contains(v), i + 6 <= s.count, s[i] == 92, s[i + 1] == 117,
                    let lo = hex4(i + 2), (0xDC00..<0xE000).contains(lo)
                {
                    i += 6
                    put(0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00))
                } else {
                    put((0xD800..<0xE000).contains(v) ? 0xFFFD : v)
                }
            default:
                put(0xFFFD)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Compares a key's bytes with an ASCII literal.
@inline(__always)
func keyIs(_ key: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
    guard key.count == literal.utf8CodeUnitCount else { return false }
    let l = literal.utf8Start
    for k in 0..<key.count where key[k] != l[k] { return false }
    return true
}
