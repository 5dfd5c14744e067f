import Docker
import Foundation
import SwiftProtobuf

/// `Control` calls besides Solve and Status (BUILDKIT-NATIVE.md §3): the workers, the build
/// cache's disk usage, and pruning it.
public struct BuildKitControl: Sendable {
    let dialer: BuildKitDialer

    public init(endpoint: DockerEndpoint) throws(BuildKitError) {
        dialer = try BuildKitDialer(endpoint: endpoint)
    }

    func withClient<T: Sendable>(_ body: (GRPCClient) async throws -> T) async throws -> T {
        let connection = try await dialer.upgrade(path: "/grpc", headers: [], mode: .client)
        do {
            let r = try await body(GRPCClient(connection: connection))
            await connection.close()
            return r
        } catch {
            await connection.close()
            throw error
        }
    }

    /// The platforms of every worker (`os/arch[/variant]`), in the daemon's order.
    public func platforms() async throws -> [String] {
        let bytes = try await withClient { c in
            try await c.unary(path: "/moby.buildkit.v1.Control/ListWorkers", request: try Moby_Buildkit_V1_ListWorkersRequest().serializedBytes())
        }
        let response = try Moby_Buildkit_V1_ListWorkersResponse(serializedBytes: bytes)
        var out: [String] = []
        for w in response.record {
            for p in w.platforms {
                let s = [p.os, p.architecture, p.variant].filter { !$0.isEmpty }.joined(separator: "/")
                if !out.contains(s) { out.append(s) }
            }
        }
        return out
    }

    /// One record of the build cache.
    public struct CacheRecord: Sendable, Equatable {
        public var id: String
        public var size: Int64
        public var inUse: Bool
        public var shared: Bool
        public var mutable: Bool
        public var description: String
        public var recordType: String
        public var usageCount: Int64
        public var lastUsed: Date?
        public var parent: String

        /// What `docker buildx du` counts as reclaimable: not in use, not shared with images.
        public var reclaimable: Bool { !inUse && !shared }

        init(_ r: Moby_Buildkit_V1_UsageRecord) {
            id = r.id
            size = r.size
            inUse = r.inUse
            shared = r.shared
            mutable = r.mutable
            description = r.description_p
            recordType = r.recordType
            usageCount = r.usageCount
            lastUsed = r.hasLastUsedAt ? r.lastUsedAt.date : nil
            parent = r.parent
        }
    }

    /// The build cache's records (`DiskUsage`).
    public func diskUsage(filters: [String] = []) async throws -> [CacheRecord] {
        var request = Moby_Buildkit_V1_DiskUsageRequest()
        request.filter = filters
        let bytes = try await withClient { c in
            try await c.unary(path: "/moby.buildkit.v1.Control/DiskUsage", request: try request.serializedBytes())
        }
        return try Moby_Buildkit_V1_DiskUsageResponse(serializedBytes: bytes).record.map(CacheRecord.init)
    }

    /// Removes build cache (`Prune`): every unused record with `all`, else the ones BuildKit
    /// considers dangling; `keepBytes` keeps that much. Returns what was removed.
    public func prune(all: Bool, keepBytes: Int64 = 0, keepDuration: Duration? = nil, filters: [String] = []) async throws -> [CacheRecord] {
        var request = Moby_Buildkit_V1_PruneRequest()
        request.all = all
        request.keepBytes = keepBytes
        if let keepDuration { request.keepDuration = Int64(keepDuration.components.seconds) * 1_000_000_000 }
        request.filter = filters
        let bytes: [UInt8] = try request.serializedBytes()
        return try await withClient { c in
            var removed: [CacheRecord] = []
            for try await m in c.call(path: "/moby.buildkit.v1.Control/Prune", requests: [bytes]) {
                removed.append(CacheRecord(try Moby_Buildkit_V1_UsageRecord(serializedBytes: m)))
            }
            return removed
        }
    }
}

/// ListWorkers as the discovery's platform probe.
public struct NativeWorkersProbe: BuildKitWorkersProbe {
    public init() {}

    public func platforms(_ endpoint: DockerEndpoint) async -> [String]? {
        guard let control = try? BuildKitControl(endpoint: endpoint) else { return nil }
        return try? await control.platforms()
    }
}
