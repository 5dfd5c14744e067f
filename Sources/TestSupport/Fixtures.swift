import BuildEvents
import BuildModel
import Foundation

/// Access to the recorded build streams in `../shared/fixtures` (override with `BUILDTOP_FIXTURES`).
public enum Fixtures {
    /// Names of the recorded builds.
    public static let names = ["simple", "multistage", "multistage-cached", "failing", "chatty", "badsyntax", "cancel"]

    /// The repository root (three levels above this file).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The fixtures folder.
    public static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["BUILDTOP_FIXTURES"] {
            return URL(fileURLWithPath: env)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }

    /// Bytes of a fixture file, e.g. `engine/simple.stream`.
    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(relativePath)))
    }

    /// Text of a fixture file.
    public static func text(_ relativePath: String) throws -> String {
        String(decoding: try bytes(relativePath), as: UTF8.self)
    }

    /// Decoded items of the rawjson recording of `name`.
    public static func rawjson(_ name: String) throws -> [StreamItem] {
        RawJSONDecoder.decodeAll(try bytes("rawjson/\(name).jsonl"))
    }

    /// Decoded items of the Engine API recording of `name`.
    public static func engine(_ name: String) throws -> [StreamItem] {
        EngineStreamDecoder.decodeAll(try bytes("engine/\(name).stream"))
    }

    /// The status updates among `items`.
    public static func statuses(_ items: [StreamItem]) -> [SolveStatus] {
        items.compactMap { if case .status(let s) = $0 { s } else { nil } }
    }

    /// Folds items into a BuildState the way the drivers do.
    public static func state(_ items: [StreamItem], name: String = "test", logBudget: Int = BuildState.defaultLogBudget) -> BuildState {
        var st = BuildState(name: name, logBudget: logBudget)
        var error: String?
        var image: String?
        for item in items {
            switch item {
            case .status(let s): _ = st.apply(.status(s))
            case .imageID(let id): image = id
            case .error(let e): error = e
            case .text(let t): _ = st.apply(.output(t))
            case .malformed(let m): error = m
            }
        }
        _ = st.apply(StreamItem.ending(error: error, imageID: image))
        return st
    }
}
