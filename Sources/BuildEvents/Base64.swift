import CBytes

/// Standard base64 (RFC 4648, `=` padding) as Go's `encoding/json` writes `[]byte`.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    /// Decodes base64 text; nil when it is not valid base64. Whole 32-character blocks go through
    /// AVX2 (`CBytes`) when the CPU has it; the rest, and any block with a bad character, through
    /// the table below, which also gives the verdict.
    public static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let total = input.count
        guard total % 4 == 0 else { return nil }
        if total == 0 { return [] }
        guard let src = input.baseAddress else { return nil }
        var pad = 0
        if input[total - 1] == 61 { pad += 1 }
        if input[total - 2] == 61 { pad += 1 }
        let outCount = total / 4 * 3 - pad
        let n = total - pad
        var ok = true
        // 8 spare bytes: the vector path stores 32 bytes per 24 it decodes.
        let out = [UInt8](unsafeUninitializedCapacity: outCount + 8) { o, initialized in
            guard let dst = o.baseAddress else {
                ok = false
                initialized = 0
                return
            }
            // Never hand the last quantum (which may hold padding) to the vector path.
            var i = cbytes_base64_blocks(src, total - 4, dst)
            var j = i / 4 * 3
            ok = table.withUnsafeBufferPointer { t in
                let full = n / 4 * 4
                while i < full {
                    let a = t[Int(input[i])], b = t[Int(input[i + 1])]
                    let c = t[Int(input[i + 2])], d = t[Int(input[i + 3])]
                    if (a | b | c | d) & 0xC0 != 0 { return false }
                    o[j] = a << 2 | b >> 4
                    o[j + 1] = b << 4 | c >> 2
                    o[j + 2] = c << 6 | d
                    i += 4
                    j += 3
                }
                let rest = n - full
                if rest == 2 || rest == 3 {
                    let a = t[Int(input[i])], b = t[Int(input[i + 1])]
                    if (a | b) & 0xC0 != 0 { return false }
                    o[j] = a << 2 | b >> 4
                    if rest == 3 {
                        let c = t[Int(input[i + 2])]
                        if c & 0xC0 != 0 { return false }
                        o[j + 1] = b << 4 | c >> 2
                    }
                } else if rest == 1 {
                    return false
                }
                return true
            }
            initialized = ok ? outCount : 0
        }
        return ok ? out : nil
    }

    /// Decodes base64 bytes; nil when invalid.
    public static func decode(_ input: [UInt8]) -> [UInt8]? {
        input.withUnsafeBufferPointer { decode($0) }
    }

    /// Appends the base64 text of `data` to `out`.
    public static func encode(_ data: [UInt8], into out: inout [UInt8]) {
        out.reserveCapacity(out.count + (data.count + 2) / 3 * 4)
        var i = 0
        let n = data.count
        while i + 3 <= n {
            let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
            out.append(alphabet[Int(v & 63)])
            i += 3
        }
        if n - i == 1 {
            let v = UInt32(data[i]) << 16
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(61)
            out.append(61)
        } else if n - i == 2 {
            let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
            out.append(61)
        }
    }

    /// The base64 text of `data`.
    public static func encode(_ data: [UInt8]) -> String {
        var out: [UInt8] = []
        encode(data, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
