import FuzzDriver
import BuildEvents

/// The protobuf `StatusResponse` carried in `moby.buildkit.trace` aux messages: any bytes either
/// decode to a `SolveStatus` or throw.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    _ = try? StatusProto.decode(bytes)
    return 0
}

/// The program's entry point (see FuzzDriver).
@_cdecl("FuzzStatusProto_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    fuzz_driver_run(argc, argv)
}
