/// The members of a top-level JSON object with their byte ranges, so a file such as the docker
/// CLI's `config.json` can be edited in place: one member changed, every other byte kept.
public enum JSONMembers {
    /// One member: its key and where its key and value are.
    public struct Member: Sendable, Equatable {
        /// Decoded key.
        public var key: String
        /// Offset of the key's opening quote.
        public var keyStart: Int
        /// The value's bytes.
        public var value: Range<Int>
    }

    /// A malformed document.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The members of the object `bytes` holds and the offset of its closing brace.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> (members: [Member], closingBrace: Int) {
        do {
            return try bytes.withUnsafeBufferPointer { (buf) throws(JSONError) -> ([Member], Int) in
                var r = JSONReader(buf)
                var members: [Member] = []
                try r.expect(123)
                var closing: Int
                if r.peek() == 125 {
                    closing = r.i
                } else {
                    while true {
                        r.skipWS()
                        let keyStart = r.i
                        let k = try r.rawString()
                        let key = JSONReader.unescape(UnsafeBufferPointer(rebasing: buf[k.start..<k.end]))
                        try r.expect(58)
                        r.skipWS()
                        let start = r.i
                        try r.skipValue()
                        members.append(Member(key: key, keyStart: keyStart, value: start..<r.i))
                        r.skipWS()
                        guard !r.atEnd else { throw r.fail("unterminated object") }
                        if buf[r.i] == 44 {
                            r.i += 1
                            continue
                        }
                        guard buf[r.i] == 125 else { throw r.fail("expected ',' or '}'") }
                        closing = r.i
                        break
                    }
                }
                r.i = closing + 1
                r.skipWS()
                guard r.atEnd else { throw r.fail("unexpected data after the object") }
                return (members, closing)
            }
        } catch {
            throw ParseError(description: error.description)
        }
    }

    /// A string value's decoded text, nil when the value is not a string.
    public static func string(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        guard range.count >= 2, bytes[range.lowerBound] == 34 else { return nil }
        return bytes.withUnsafeBufferPointer { buf in
            JSONReader.unescape(UnsafeBufferPointer(rebasing: buf[(range.lowerBound + 1)..<(range.upperBound - 1)]))
        }
    }
}

