import FuzzDriver
import BuildEvents
import FuzzCommon

/// Engine API `/build` body: `decodeAll` on the stream, and `feed` on three chunks then `finish`,
/// must give the same items.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = SplitInput(start, count)
    let whole = EngineStreamDecoder.decodeAll(input.data)
    var d = EngineStreamDecoder()
    var split: [StreamItem] = []
    for chunk in input.chunks {
        // Fed as a slice or as an array (both are `some Sequence<UInt8>`).
        split += input.modes & 8 == 0 ? d.feed(chunk) : d.feed(Array(chunk))
    }
    split += d.finish()
    expectSame(whole, split, input, "engine")
    return 0
}

/// The program's entry point (see FuzzDriver).
@_cdecl("FuzzEngineStream_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    fuzz_driver_run(argc, argv)
}
