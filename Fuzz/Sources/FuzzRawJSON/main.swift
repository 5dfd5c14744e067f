import FuzzDriver
import BuildEvents
import FuzzCommon

/// rawjson stream: `decodeAll` on the stream, and the incremental API on three chunks (each fed
/// by copy or borrowed in place, as the header says) must give the same items.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = SplitInput(start, count)
    let whole = RawJSONDecoder.decodeAll(input.data)
    var d = RawJSONDecoder()
    var split: [StreamItem] = []
    for (k, chunk) in input.chunks.enumerated() {
        if input.modes >> k & 1 == 1 {
            // Borrowed in place from an allocation of exactly the chunk's size.
            let p = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunk.count)
            _ = p.initialize(from: chunk)
            split += d.feed(borrowing: UnsafeBufferPointer(p))
            p.deallocate()
        } else {
            split += d.feed(chunk)
        }
    }
    split += d.finish()
    expectSame(whole, split, input, "rawjson")
    return 0
}

/// The program's entry point (see FuzzDriver).
@_cdecl("FuzzRawJSON_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    fuzz_driver_run(argc, argv)
}
