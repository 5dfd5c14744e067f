import Foundation
import Testing
@testable import BuildEvents

/// The vector and scalar base64 paths agree with Foundation on every length, and reject what
/// Go's StdEncoding rejects wherever the bad character sits.
struct Base64Tests {
    @Test func roundTripsEveryLengthAgainstFoundation() {
        var g = SystemRandomNumberGenerator()
        for length in Array(0...200) + [1023, 1024, 4096, 5555, 65_536] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &g) }
            let text = Data(bytes).base64EncodedString()
            #expect(Base64.encode(bytes) == text)
            #expect(Base64.decode(Array(text.utf8)) == bytes, "length \(length)")
        }
    }

    @Test func rejectsBadCharactersAnywhere() {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<3000).map { _ in UInt8.random(in: 0...255, using: &g) }
        let good = Array(Data(bytes).base64EncodedString().utf8)
        // Inside vector blocks, at block edges, and in the scalar tail.
        for position in [0, 1, 31, 32, 33, 63, 64, 100, 1000, good.count - 40, good.count - 5, good.count - 1] {
            for bad: UInt8 in [0x00, 0x0A, 0x20, 0x22, 0x2D, 0x2E, 0x3A, 0x40, 0x5B, 0x5C, 0x5F, 0x60, 0x7B, 0x7F, 0x80, 0xC3, 0xFF, 0x3D] {
                var text = good
                text[position] = bad
                if bad == 0x3D, position >= good.count - 2 { continue }  // '=' where padding may be
                #expect(Base64.decode(text) == nil, "byte \(bad) at \(position)")
            }
        }
        #expect(Base64.decode(Array("abc".utf8)) == nil)
        #expect(Base64.decode(Array("a===".utf8)) == nil)
        #expect(Base64.decode(Array("YQ==".utf8)) == [0x61])
        #expect(Base64.decode(Array("YWI=".utf8)) == [0x61, 0x62])
    }

    @Test func everyAlphabetCharacterInVectorBlocks() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let text = alphabet + alphabet + alphabet.reversed() + alphabet
        let decoded = Base64.decode(text)
        #expect(decoded == [UInt8](Data(base64Encoded: Data(text)) ?? Data()))
        #expect(decoded?.count == text.count / 4 * 3)
    }
}
