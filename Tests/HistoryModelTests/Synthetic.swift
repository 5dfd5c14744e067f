import BuildModel
import HistoryModel

/// Small builds made by hand: vertices with explicit times (seconds from a fixed origin).
enum Synthetic {
    static let origin = 1_800_000_000.0

    /// A time `s` seconds after the origin.
    static func t(_ s: Double) -> Timestamp { Timestamp(unix: origin + s) }

    /// A vertex that ran from `start` to `stop` (cached: BuildKit's cached record).
    static func v(
        _ digest: String, _ name: String, inputs: [String] = [], _ start: Double?, _ stop: Double?, cached: Bool = false,
        error: String = ""
    ) -> Vertex {
        Vertex(
            digest: "sha256:" + digest, inputs: inputs.map { "sha256:" + $0 }, name: name, started: start.map(t),
            completed: stop.map(t), cached: cached, error: error)
    }

    /// A finished build of these vertices.
    static func state(_ vertexes: [Vertex], result: BuildResult? = .succeeded(imageID: nil)) -> BuildState {
        var st = BuildState(name: "synthetic")
        _ = st.apply(.status(SolveStatus(vertexes: vertexes)))
        if let result { _ = st.apply(.finished(result)) }
        return st
    }

    /// `context → FROM → COPY (context) → RUN → export`; `copyCached`/`runCached` say what the
    /// cache served. Digests downstream of the context carry `tag`, as a new session makes them.
    static func copyBuild(tag: String, copy: String = "[2/3] COPY app.txt /app/", run: String = "[3/3] RUN make",
                          from: String = "[1/3] FROM docker.io/library/alpine:3.19@sha256:aaaa",
                          copyCached: Bool, runCached: Bool) -> BuildState {
        state([
            v("ctx" + tag, "[internal] load build context", 0, 0.1),
            v("from", from, 0.1, 0.2, cached: true),
            v("copy" + tag, copy, inputs: ["from", "ctx" + tag], 0.2, copyCached ? 0.2001 : 0.5, cached: copyCached),
            v("run" + tag, run, inputs: ["copy" + tag], 0.5, runCached ? 0.5001 : 2.0, cached: runCached),
            v("export" + tag, "exporting to image", 2.0, 2.2),
        ])
    }

    /// `FROM → RUN a → RUN b → export`, both RUNs executed or cached.
    static func runBuild(_ first: String, _ second: String = "[3/3] RUN make", cached: Bool = false,
                         from: String = "[1/3] FROM docker.io/library/alpine:3.19@sha256:aaaa") -> BuildState {
        state([
            v("from", from, 0, 0.1, cached: true),
            v("r1" + first, first, inputs: ["from"], 0.1, cached ? 0.1001 : 1.0, cached: cached),
            v("r2" + first, second, inputs: ["r1" + first], 1.0, cached ? 1.0001 : 3.0, cached: cached),
            v("export" + first, "exporting to image", 3.0, 3.1),
        ])
    }

    static func entry(_ path: String, _ digest: String?, size: Int64 = 10, mtime: Int64 = 1) -> ContextManifest.Entry {
        ContextManifest.Entry(path: path, size: size, mode: 0o100644, modifiedNanos: mtime, digest: digest)
    }

    static func folder(_ path: String) -> ContextManifest.Entry {
        ContextManifest.Entry(path: path, size: 0, mode: 0o040755, modifiedNanos: 1)
    }
}
