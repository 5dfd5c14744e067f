import FuzzDriver
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TerminalKit

/// The terminal text layer: untrusted bytes through `Sanitizer`, `ANSIText` (parse, plain text,
/// carriage returns) and into a `Screen`. Traps on an unsafe string or cell: a C0/C1 control,
/// ESC, DEL, a BiDi control, a line or paragraph separator, or a scalar glibc cannot measure
/// (what HostileCorpusTests checks for its samples).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let raw = String(decoding: bytes, as: UTF8.self)
    let once = Sanitizer.sanitize(bytes)
    expectSafe(once, "sanitize(bytes)")
    if Sanitizer.sanitize(raw) != once { fatalError("sanitize(String) differs from sanitize(bytes): \(hex(once))") }
    // Sanitizing is idempotent.
    if Sanitizer.sanitize(once) != once || Sanitizer.sanitize(Array(once.utf8)) != once {
        fatalError("sanitize is not idempotent: \(hex(once))")
    }
    expectSafe(ANSIText.plainText(bytes), "plainText")
    let colored = ANSIText.parse(bytes, base: .plain, colors: true)
    for span in colored { expectSafe(span.text, "parse colors") }
    var mono = ANSIText.parse(bytes, base: Style(fg: .red), colors: false)
    for span in mono { expectSafe(span.text, "parse NO_COLOR") }
    // With a bare \r, applyCarriageReturns rewrites the line: only plain SGR sequences, safe
    // text and a final \n may come out, and it parses and sanitizes safely again.
    if hasBareCR(bytes) {
        let carriage = ANSIText.applyCarriageReturns(bytes)
        checkCarriageOutput(carriage)
        expectSafe(Sanitizer.sanitize(carriage), "sanitize(applyCarriageReturns)")
        expectSafe(ANSIText.plainText(carriage), "plainText(applyCarriageReturns)")
        mono = ANSIText.parse(carriage, base: Style(fg: .red), colors: false)
        for span in mono { expectSafe(span.text, "parse(applyCarriageReturns)") }
    }

    // Written to a screen (width from the input's length), clipped and not; the raw text too.
    let width = 1 + count % 37
    var screen = Screen(size: Size(width: width, height: 5))
    screen.write(once, x: 0, y: 0, style: .plain)
    screen.write(colored, x: count % 5, y: 1, clip: Rect(x: 2, y: 1, width: max(0, width - 3), height: 1))
    screen.write(raw, x: -(count % 3), y: 2, style: .plain)
    screen.write(mono, x: 1, y: 3)
    screen.box(Rect(x: 0, y: 0, width: width, height: 5), style: .plain, title: once)
    for (k, cell) in screen.cells.enumerated() where !isClean(cell.text) {
        fatalError("unsafe cell (\(k % width), \(k / width)) of a \(width)x5 screen: \(hex(cell.text))")
    }
    for y in 0..<5 where TextWidth.width(screen.row(y)) > width {
        fatalError("row \(y) of a \(width)x5 screen is \(TextWidth.width(screen.row(y))) columns wide")
    }
    return 0
}

/// Scalars that must never reach the terminal (HostileCorpusTests.isForbidden).
func isForbidden(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0..<0x20, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029:
        true
    default: !TextWidth.isPrintable(s)
    }
}

func isClean(_ s: String) -> Bool {
    s.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        || (!s.unicodeScalars.contains(where: isForbidden) && Sanitizer.isSafe(s))
}

func expectSafe(_ s: String, _ what: String) {
    if !isClean(s) { fatalError("unsafe output of \(what): \(hex(s))") }
}

/// The scalars of `s` as hex (never the hostile text itself), the forbidden ones marked `!`.
func hex(_ s: String) -> String {
    let scalars = Array(s.unicodeScalars)
    func show(_ v: Unicode.Scalar) -> String { (isClean(String(v)) ? "" : "!") + String(v.value, radix: 16) }
    let bad = scalars.filter { !isClean(String($0)) }.prefix(10).map(show)
    return "\(scalars.count) scalars, unsafe: [\(bad.joined(separator: " "))]: "
        + scalars.prefix(40).map(show).joined(separator: " ")
}

/// A `\r` not right before a `\n`.
func hasBareCR(_ b: [UInt8]) -> Bool {
    b.indices.contains { b[$0] == 0x0D && !($0 + 1 < b.count && b[$0 + 1] == 0x0A) }
}

func checkCarriageOutput(_ bytes: [UInt8]) {
    var out = bytes
    if out.last == 0x0A { out.removeLast() }
    var text: [UInt8] = []
    var k = 0
    while k < out.count {
        guard out[k] == 0x1B else {
            text.append(out[k])
            k += 1
            continue
        }
        var j = k + 1
        guard j < out.count, out[j] == UInt8(ascii: "[") else { fatalError("applyCarriageReturns left a bare ESC") }
        j += 1
        while j < out.count, (0x30...0x3B).contains(out[j]) { j += 1 }
        guard j < out.count, out[j] == UInt8(ascii: "m") else { fatalError("applyCarriageReturns left a non-SGR sequence") }
        k = j + 1
    }
    expectSafe(String(decoding: text, as: UTF8.self), "applyCarriageReturns text")
}

/// The program's entry point (see FuzzDriver). `--dump-hostile-corpus=DIR` writes the samples of
/// `HostileCorpus` into DIR (seeds for the corpus) instead of fuzzing.
@_cdecl("FuzzSanitizer_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    let flag = "--dump-hostile-corpus="
    if argc == 2, let arg = argv[1].map({ String(cString: $0) }), arg.hasPrefix(flag) {
        let dir = String(arg.dropFirst(flag.count))
        for (n, sample) in HostileCorpus.samples.enumerated() {
            let path = dir + "/hostile-" + String(n)
            guard let f = fopen(path, "wb") else {
                print("cannot write \(path)")
                return 1
            }
            _ = sample.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            fclose(f)
        }
        return 0
    }
    return fuzz_driver_run(argc, argv)
}
