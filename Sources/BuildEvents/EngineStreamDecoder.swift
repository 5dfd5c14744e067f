import BuildModel

/// Decodes the body of Engine API `POST /build?version=2`: JSON messages separated by `\r\n`
/// (`jsonmessage.JSONMessage`). BuildKit status arrives as `{"id":"moby.buildkit.trace","aux":"<base64
/// protobuf StatusResponse>"}`, the result as `{"id":"moby.image.id","aux":{"ID":"sha256:…"}}`, a failure
/// as `{"errorDetail":{"message":…},"error":…}`.
public struct EngineStreamDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var consumed = 0

    /// Creates a decoder.
    public init() {}

    /// Feeds a chunk of the body; returns the items of the lines it completed.
    public mutating func feed(_ chunk: some Sequence<UInt8>) -> [StreamItem] {
        buffer.append(contentsOf: chunk)
        var items: [StreamItem] = []
        buffer.withUnsafeBufferPointer { buf in
            var pos = consumed
            while let nl = EngineStreamDecoder.index(of: 10, in: buf, from: pos) {
                EngineStreamDecoder.decodeLine(UnsafeBufferPointer(rebasing: buf[pos..<nl]), into: &items)
                pos = nl + 1
            }
            consumed = pos
        }
        if consumed > 0, consumed >= buffer.count / 2 || consumed > 1 << 20 {
            buffer.removeFirst(consumed)
            consumed = 0
        }
        return items
    }

    /// Ends the body: decodes a last line without a terminator (a cut line becomes `.malformed`).
    public mutating func finish() -> [StreamItem] {
        var items: [StreamItem] = []
        buffer.withUnsafeBufferPointer { buf in
            let rest = UnsafeBufferPointer(rebasing: buf[consumed...])
            EngineStreamDecoder.decodeLine(rest, into: &items)
        }
        buffer.removeAll()
        consumed = 0
        return items
    }

    /// Decodes a whole saved body.
    public static func decodeAll(_ bytes: [UInt8]) -> [StreamItem] {
        var d = EngineStreamDecoder()
        return d.feed(bytes) + d.finish()
    }

    static func index(of byte: UInt8, in buf: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var i = from
        while i < buf.count {
            if buf[i] == byte { return i }
            i += 1
        }
        return nil
    }

    static func decodeLine(_ line: UnsafeBufferPointer<UInt8>, into items: inout [StreamItem]) {
        var r = JSONReader(line)
        guard let first = r.peek() else { return }  // blank line
        guard first == 123 else {
            items.append(RawJSONDecoder.classify(String(decoding: line, as: UTF8.self).trimmingCR()))
            return
        }
        var id = ""
        var auxRange: (Int, Int)?
        var errorMessage: String?
        var errorField: String?
        var stream: String?
        var message: String?
        do {
            try r.readObject { (r, key) throws(JSONError) in
                if keyIs(key, "id") {
                    id = try r.readString()
                } else if keyIs(key, "aux") {
                    r.skipWS()
                    let start = r.i
                    try r.skipValue()
                    auxRange = (start, r.i)
                } else if keyIs(key, "errorDetail") {
                    if r.readNull() { return }
                    try r.readObject { (r, key) throws(JSONError) in
                        if keyIs(key, "message") { errorMessage = try r.readString() } else { try r.skipValue() }
                    }
                } else if keyIs(key, "error") {
                    errorField = try r.readString()
                } else if keyIs(key, "stream") {
                    stream = try r.readString()
                } else if keyIs(key, "message") {
                    message = try r.readString()
                } else {
                    try r.skipValue()
                }
            }
            r.skipWS()
            guard r.atEnd else { throw r.fail("unexpected data after the message") }
        } catch {
            items.append(.malformed("invalid engine message: \(error)"))
            return
        }
        if let msg = errorMessage ?? errorField ?? message, errorMessage != nil || errorField != nil || message != nil {
            items.append(.error(msg))
            return
        }
        if let (a, b) = auxRange {
            let aux = UnsafeBufferPointer(rebasing: line[a..<b])
            if id == "moby.buildkit.trace" {
                var ar = JSONReader(aux)
                do {
                    let bytes = try ar.readBase64()
                    items.append(.status(try StatusProto.decode(bytes)))
                } catch {
                    items.append(.malformed("invalid moby.buildkit.trace message: \(error)"))
                }
                return
            }
            if id == "moby.image.id" {
                var ar = JSONReader(aux)
                var imageID = ""
                do {
                    try ar.readObject { (r, key) throws(JSONError) in
                        if keyIs(key, "ID") { imageID = try r.readString() } else { try r.skipValue() }
                    }
                    items.append(.imageID(imageID))
                } catch {
                    items.append(.malformed("invalid moby.image.id message: \(error)"))
                }
                return
            }
            return  // other aux messages are not ours
        }
        if let stream {
            // BuildKit path: only the image ID with q=1; otherwise classic-builder text.
            let text = stream.hasSuffix("\n") ? String(stream.dropLast()) : stream
            if !text.isEmpty { items.append(.text(text)) }
        }
    }
}

extension String {
    func trimmingCR() -> String { hasSuffix("\r") ? String(dropLast()) : self }
}
