import BuildEvents

/// How a fuzz input is fed to an incremental decoder: its first `headerSize` bytes choose two
/// split points and, per chunk, the feeding API; the rest is the stream.
public struct SplitInput {
    /// Bytes of the header.
    public static let headerSize = 5
    /// The stream (the input after the header).
    public let data: [UInt8]
    /// Chunk boundaries: `[0, cuts.0)`, `[cuts.0, cuts.1)`, `[cuts.1, data.count)`.
    public let cuts: (Int, Int)
    /// Bit k set: chunk k goes through the borrowing (in-place) API where there is one.
    public let modes: UInt8

    public init(_ start: UnsafeRawPointer, _ count: Int) {
        let all = UnsafeRawBufferPointer(start: start, count: count)
        guard count >= Self.headerSize else {
            data = Array(all)
            cuts = (data.count / 2, data.count)
            modes = 0
            return
        }
        data = Array(all[Self.headerSize...])
        let n = data.count
        let a = (Int(all[0]) | Int(all[1]) << 8) % (n + 1)
        let b = (Int(all[2]) | Int(all[3]) << 8) % (n + 1)
        cuts = (min(a, b), max(a, b))
        modes = all[4]
    }

    /// The three chunks.
    public var chunks: [ArraySlice<UInt8>] {
        [data[0..<cuts.0], data[cuts.0..<cuts.1], data[cuts.1...]]
    }
}

/// Items as compared between whole and split decoding: a malformed item's byte offset
/// (`at byte N`) is relative to the decoder's buffer, so it is left out.
public func comparable(_ items: [StreamItem]) -> [StreamItem] {
    items.map { item in
        guard case .malformed(let m) = item else { return item }
        return .malformed(stripOffsets(m))
    }
}

func stripOffsets(_ s: String) -> String {
    var out = ""
    var rest = Substring(s)
    while let r = rest.range(of: " at byte ") {
        out += rest[..<r.lowerBound]
        rest = rest[r.upperBound...].drop(while: \.isNumber)
    }
    return out + rest
}

/// Traps (a crash for libFuzzer) when split decoding differs from whole decoding.
public func expectSame(_ whole: [StreamItem], _ split: [StreamItem], _ input: SplitInput, _ what: String) {
    let a = comparable(whole), b = comparable(split)
    guard a != b else { return }
    let k = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
    func show(_ x: [StreamItem]) -> String { k < x.count ? String(String(describing: x[k]).prefix(300)) : "(none)" }
    fatalError(
        """
        \(what): split decoding differs from decodeAll (cuts \(input.cuts), modes \(input.modes & 7), \
        \(input.data.count) bytes): \(a.count) vs \(b.count) items, first difference at item \(k): \
        whole \(show(a)) / split \(show(b))
        """)
}
