import Foundation
import TerminalKit
import Testing

/// Text snapshots of screens: `Tests/<Target>/__Snapshots__/<name>.txt` (and `.styles.txt`).
/// Record or update with `RECORD_SNAPSHOTS=1`; a mismatch reports the differing lines.
public enum Snapshot {
    /// Compares the screen's text (and optionally its style dump) with the stored snapshot.
    public static func assert(
        _ screen: Screen, named name: String, styles: Bool = false, testFile: String = #filePath,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let dir = URL(fileURLWithPath: testFile).deletingLastPathComponent().appendingPathComponent("__Snapshots__")
        check(screen.text() + "\n", at: dir.appendingPathComponent("\(name).txt"), sourceLocation: sourceLocation)
        if styles {
            check(screen.styleDump() + "\n", at: dir.appendingPathComponent("\(name).styles.txt"), sourceLocation: sourceLocation)
        }
    }

    static func check(_ actual: String, at url: URL, sourceLocation: SourceLocation) {
        let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
        guard !record, let data = FileManager.default.contents(atPath: url.path) else {
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? Data(actual.utf8).write(to: url)
            if !record {
                Issue.record("recorded a new snapshot \(url.lastPathComponent); run again", sourceLocation: sourceLocation)
            }
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != actual else { return }
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var diff: [String] = []
        for i in 0..<max(e.count, a.count) {
            let el = i < e.count ? String(e[i]) : "<none>"
            let al = i < a.count ? String(a[i]) : "<none>"
            if el != al { diff.append("line \(i + 1):\n  expected: \(el)\n  actual:   \(al)") }
        }
        let shown = Array(diff.prefix(12)).joined(separator: "\n")
        Issue.record("snapshot \(url.lastPathComponent) differs (RECORD_SNAPSHOTS=1 to update):\n\(shown)", sourceLocation: sourceLocation)
    }
}
