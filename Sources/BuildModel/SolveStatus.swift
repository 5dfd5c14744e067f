/// One status update from BuildKit, mirroring `client.SolveStatus` (moby/buildkit `client/graph.go`).
public struct SolveStatus: Sendable, Equatable {
    /// Vertex snapshots (each a full record, not a delta).
    public var vertexes: [Vertex]
    /// Sub-progress snapshots keyed by (vertex, id).
    public var statuses: [VertexStatus]
    /// Log deltas.
    public var logs: [VertexLog]
    /// One-shot warnings.
    public var warnings: [VertexWarning]

    /// Creates a status update.
    public init(
        vertexes: [Vertex] = [], statuses: [VertexStatus] = [], logs: [VertexLog] = [],
        warnings: [VertexWarning] = []
    ) {
        self.vertexes = vertexes
        self.statuses = statuses
        self.logs = logs
        self.warnings = warnings
    }

    /// True when the update carries nothing.
    public var isEmpty: Bool { vertexes.isEmpty && statuses.isEmpty && logs.isEmpty && warnings.isEmpty }
}

/// A step of the build graph (`client.Vertex`).
public struct Vertex: Sendable, Equatable {
    /// `sha256:…` identity.
    public var digest: String
    /// Digests of the inputs.
    public var inputs: [String]
    /// Display name, e.g. `[stage-0 2/3] RUN make`.
    public var name: String
    /// Start of the current interval; nil = not started.
    public var started: Timestamp?
    /// End of the current interval; nil = not completed.
    public var completed: Timestamp?
    /// Result came from the cache.
    public var cached: Bool
    /// Error text; empty when none.
    public var error: String
    /// Progress group this vertex belongs to (merged into one step for display).
    public var progressGroup: ProgressGroup?

    /// Creates a vertex record.
    public init(
        digest: String, inputs: [String] = [], name: String = "", started: Timestamp? = nil,
        completed: Timestamp? = nil, cached: Bool = false, error: String = "",
        progressGroup: ProgressGroup? = nil
    ) {
        self.digest = digest
        self.inputs = inputs
        self.name = name
        self.started = started
        self.completed = completed
        self.cached = cached
        self.error = error
        self.progressGroup = progressGroup
    }
}

/// `pb.ProgressGroup`: vertices sharing an id are shown as one step.
public struct ProgressGroup: Sendable, Equatable {
    /// Group identity.
    public var id: String
    /// Display name of the merged step.
    public var name: String
    /// Weak members do not reveal the group when they start.
    public var weak: Bool

    /// Creates a progress group.
    public init(id: String, name: String, weak: Bool = false) {
        self.id = id
        self.name = name
        self.weak = weak
    }
}

/// A sub-progress item of a vertex (`client.VertexStatus`), e.g. a layer transfer.
public struct VertexStatus: Sendable, Equatable {
    /// Identity within the vertex.
    public var id: String
    /// Digest of the owning vertex.
    public var vertex: String
    /// Optional name.
    public var name: String
    /// Total units (0 = unknown).
    public var total: Int64
    /// Units done.
    public var current: Int64
    /// Time of this snapshot (may be zero).
    public var timestamp: Timestamp
    /// Start time.
    public var started: Timestamp?
    /// Completion time.
    public var completed: Timestamp?

    /// Creates a status record.
    public init(
        id: String, vertex: String, name: String = "", total: Int64 = 0, current: Int64 = 0,
        timestamp: Timestamp = .zero, started: Timestamp? = nil, completed: Timestamp? = nil
    ) {
        self.id = id
        self.vertex = vertex
        self.name = name
        self.total = total
        self.current = current
        self.timestamp = timestamp
        self.started = started
        self.completed = completed
    }
}

/// A chunk of raw process output (`client.VertexLog`); not line aligned.
public struct VertexLog: Sendable, Equatable {
    /// Digest of the owning vertex.
    public var vertex: String
    /// 1 = stdout, 2 = stderr.
    public var stream: Int
    /// Raw bytes (may hold partial lines, ANSI and CR sequences, invalid UTF-8).
    public var data: [UInt8]
    /// Time the chunk was produced.
    public var timestamp: Timestamp

    /// Creates a log chunk.
    public init(vertex: String, stream: Int, data: [UInt8], timestamp: Timestamp) {
        self.vertex = vertex
        self.stream = stream
        self.data = data
        self.timestamp = timestamp
    }
}

/// A build warning (`client.VertexWarning`), e.g. a Dockerfile lint finding.
public struct VertexWarning: Sendable, Equatable {
    /// Digest of the owning vertex.
    public var vertex: String
    /// Severity level.
    public var level: Int
    /// One-line message.
    public var short: [UInt8]
    /// Detail paragraphs.
    public var detail: [[UInt8]]
    /// Documentation link.
    public var url: String
    /// Source the warning points into.
    public var sourceInfo: SourceInfo?
    /// Ranges in the source.
    public var ranges: [SourceRange]

    /// Creates a warning.
    public init(
        vertex: String, level: Int = 0, short: [UInt8], detail: [[UInt8]] = [], url: String = "",
        sourceInfo: SourceInfo? = nil, ranges: [SourceRange] = []
    ) {
        self.vertex = vertex
        self.level = level
        self.short = short
        self.detail = detail
        self.url = url
        self.sourceInfo = sourceInfo
        self.ranges = ranges
    }
}

/// `pb.SourceInfo`: a source file (e.g. the Dockerfile) referenced by a warning or error.
public struct SourceInfo: Sendable, Equatable {
    /// File name.
    public var filename: String
    /// Whole file content.
    public var data: [UInt8]
    /// Language, e.g. `Dockerfile`.
    public var language: String
    /// The LLB definition, kept as compact JSON text (only re-encoded, never interpreted).
    public var definitionJSON: [UInt8]?

    /// Creates source info.
    public init(filename: String, data: [UInt8] = [], language: String = "", definitionJSON: [UInt8]? = nil) {
        self.filename = filename
        self.data = data
        self.language = language
        self.definitionJSON = definitionJSON
    }
}

/// `pb.Range`: 1-based line/character positions.
public struct SourceRange: Sendable, Equatable {
    /// Start position.
    public var start: SourcePosition?
    /// End position.
    public var end: SourcePosition?

    /// Creates a range.
    public init(start: SourcePosition?, end: SourcePosition?) {
        self.start = start
        self.end = end
    }
}

/// `pb.Position`.
public struct SourcePosition: Sendable, Equatable {
    /// 1-based line.
    public var line: Int32
    /// Character in the line.
    public var character: Int32

    /// Creates a position.
    public init(line: Int32, character: Int32 = 0) {
        self.line = line
        self.character = character
    }
}
