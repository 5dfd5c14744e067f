/// What a driver (engine, buildx, replay) reports about one build.
public enum DriverEvent: Sendable, Equatable {
    /// The build was accepted; `ref` identifies it for cancellation.
    case started(ref: String)
    /// A BuildKit status update.
    case status(SolveStatus)
    /// Text outside the status stream (e.g. a stray stderr line or an engine `stream` message).
    case output(String)
    /// The exported image.
    case imageID(String)
    /// The build ended; nothing follows.
    case finished(BuildResult)
    /// The stream ended without a result record (a rawjson file carries none): the result is read
    /// from the stream itself (`BuildState.inferredResult`). Nothing follows.
    case streamEnded
}

extension DriverEvent {
    /// The build's last event.
    public var isEnd: Bool {
        switch self {
        case .finished, .streamEnded: true
        default: false
        }
    }
}

/// How a build ended.
public enum BuildResult: Sendable, Equatable {
    /// Completed; the image ID when one was exported.
    case succeeded(imageID: String?)
    /// Failed with an error message (and the exit code buildx gave: 1, 100 for an internal
    /// BuildKit error, 102 when resources ran out).
    case failed(String, exitCode: Int32 = 1)
    /// Stopped on request.
    case canceled
    /// The connection to the engine dropped before the build ended.
    case engineLost(String)

    /// Process exit code for this result (`docker buildx` uses 1 for errors, 130 when canceled).
    public var exitCode: Int32 {
        switch self {
        case .succeeded: 0
        case .failed(_, let code): code == 0 ? 1 : code
        case .engineLost: 1
        case .canceled: 130
        }
    }

    /// One line describing the error, nil on success.
    public var errorMessage: String? {
        switch self {
        case .succeeded: nil
        case .failed(let message, _): message
        case .canceled: "build canceled"
        case .engineLost(let detail): "engine connection lost: \(detail)"
        }
    }
}

extension BuildResult {
    /// True for an error BuildKit reports when work was canceled (it ends in `context canceled`,
    /// the test BuildKit's own display uses).
    public static func isCancellation(_ error: String) -> Bool {
        error.hasSuffix("context canceled")
    }

    /// The result for a build that ended with this error: canceled or failed.
    public init(error: String) {
        self = BuildResult.isCancellation(error) ? .canceled : .failed(error)
    }
}

extension BuildResult {
    /// The image of a successful build.
    public var imageID: String? {
        if case .succeeded(let id) = self { return id }
        return nil
    }
}
