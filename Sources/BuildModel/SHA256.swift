import CBytes

/// SHA-256 of a byte stream (`sha256:…` digests of context files; keyed fingerprints).
public struct SHA256: Sendable {
    private var state = cbytes_sha256()

    /// Starts a digest.
    public init() { cbytes_sha256_init(&state) }

    /// Adds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        cbytes_sha256_update(&state, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// Adds bytes.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// The digest as 64 lower-case hex digits.
    public mutating func hex() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { p in
            if let base = p.baseAddress { cbytes_sha256_final(&state, base) }
        }
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for b in out {
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `sha256:` and the hex digest of `bytes`.
    public static func digest(_ bytes: some Sequence<UInt8>) -> String {
        var h = SHA256()
        h.update(bytes)
        return "sha256:" + h.hex()
    }
}
