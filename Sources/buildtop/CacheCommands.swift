import ArgumentParser
import BuildKit
import Docker
import BuildModel
import Foundation
import TerminalKit

/// Sizes as the docker CLI prints them (go-units `HumanSize`: 4 significant digits, decimal units).
enum HumanSize {
    static func format(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var v = Double(bytes)
        var i = 0
        while v >= 1000, i < units.count - 1 {
            v /= 1000
            i += 1
        }
        return String(format: "%.4g", v) + units[i]
    }
}

/// The engine's BuildKit for the current docker context (`-H`, `--context`, `DOCKER_HOST` …).
func engineControl(_ endpoint: EndpointOptions, _ env: [String: String]) throws -> BuildKitControl {
    do {
        let e = try DockerEndpoint.resolve(
            hostFlag: endpoint.host, contextFlag: endpoint.context, environment: env,
            homeDirectory: FileManager.default.homeDirectoryForCurrentUser.path)
        return try BuildKitControl(endpoint: e)
    } catch let e as EndpointError {
        throw CLIError(e.description)
    } catch let e as BuildKitError {
        throw CLIError(e.description)
    }
}

/// `buildtop du`: the engine's build cache (BuildKit `DiskUsage`), as `docker buildx du` shows it.
struct DiskUsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "du", abstract: "Show the build cache's disk usage (like `docker buildx du`).")

    @OptionGroup var endpoint: EndpointOptions

    @Flag(help: "Every record with its description.")
    var verbose = false

    @Option(help: "Output format: table or json (one object per record, then the totals).")
    var format = "table"

    func run() async throws {
        try await BuildersCommand.guarded {
            let env = try endpoint.validated(ProcessInfo.processInfo.environment)
            guard ["table", "json"].contains(format) else { throw CLIError("--format must be table or json") }
            let records: [BuildKitControl.CacheRecord]
            do { records = try await engineControl(endpoint, env).diskUsage() } catch let e as CLIError { throw e } catch {
                throw CLIError("cannot read the build cache: \(error)")
            }
            let total = records.reduce(Int64(0)) { $0 + $1.size }
            let shared = records.filter(\.shared).reduce(Int64(0)) { $0 + $1.size }
            let reclaimable = records.filter(\.reclaimable).reduce(Int64(0)) { $0 + $1.size }
            var out = ""
            if format == "json" {
                for r in records.sorted(by: { $0.size > $1.size }) {
                    out += "{\"ID\":\(GoJSONString.quote(r.id)),\"Size\":\(r.size),\"Reclaimable\":\(r.reclaimable),\"InUse\":\(r.inUse),"
                    out += "\"Shared\":\(r.shared),\"Type\":\(GoJSONString.quote(r.recordType)),\"Description\":\(GoJSONString.quote(r.description))}\n"
                }
                out += "{\"Total\":\(total),\"Shared\":\(shared),\"Private\":\(total - shared),\"Reclaimable\":\(reclaimable),\"Records\":\(records.count)}\n"
            } else {
                if !records.isEmpty {
                    out += pad("ID", 28) + pad("RECLAIMABLE", 14) + pad("SIZE", 12) + (verbose ? "DESCRIPTION" : "LAST ACCESSED") + "\n"
                    for r in records.sorted(by: { $0.size > $1.size }) {
                        let id = r.id + (r.mutable ? "*" : "")
                        let last = verbose ? Sanitizer.sanitize(r.description) : (r.inUse ? "in use" : r.lastUsed.map(Self.ago) ?? "")
                        out += pad(String(id.prefix(27)), 28) + pad(String(r.reclaimable), 14) + pad(HumanSize.format(r.size), 12) + last + "\n"
                    }
                }
                // As `docker buildx du`; `docker system df` reports Private as the build cache's size.
                out += "Shared:\t\t\(HumanSize.format(shared))\nPrivate:\t\(HumanSize.format(total - shared))\n"
                out += "Reclaimable:\t\(HumanSize.format(reclaimable))\nTotal:\t\t\(HumanSize.format(total))\n"
            }
            FDWriter.stdout.write(out)
            return 0
        }
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    static func ago(_ d: Date) -> String {
        let s = max(0, Int(Date().timeIntervalSince(d)))
        if s < 60 { return "\(s) seconds ago" }
        if s < 3600 { return "\(s / 60) minutes ago" }
        if s < 86400 { return "\(s / 3600) hours ago" }
        return "\(s / 86400) days ago"
    }
}

/// `buildtop prune`: removes build cache (BuildKit `Prune`), as `docker builder prune`.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove build cache (like `docker builder prune`).")

    @OptionGroup var endpoint: EndpointOptions

    @Flag(name: [.short, .long], help: "Remove all unused build cache, not just dangling ones.")
    var all = false

    @Flag(name: [.short, .long], help: "Do not prompt for confirmation.")
    var force = false

    @Option(name: .customLong("keep-storage"), help: "Amount of disk space to keep for cache (bytes, or 10MB, 2GB …).")
    var keepStorage: String?

    @Option(help: "Provide filter values (e.g. until=24h).")
    var filter: [String] = []

    func run() async throws {
        try await BuildersCommand.guarded {
            let env = try endpoint.validated(ProcessInfo.processInfo.environment)
            let keep = try keepStorage.map { text -> Int64 in
                guard let v = Self.bytes(text) else { throw CLIError("invalid --keep-storage \(text): use bytes or a size like 512MB") }
                return v
            } ?? 0
            if !force {
                let what = all ? "all build cache" : "all dangling build cache"
                FDWriter.stderr.write("WARNING! This will remove \(what). Are you sure you want to continue? [y/N] ")
                let answer = readLine() ?? ""
                guard answer.lowercased().hasPrefix("y") else { return 0 }
            }
            let removed: [BuildKitControl.CacheRecord]
            do { removed = try await engineControl(endpoint, env).prune(all: all, keepBytes: keep, filters: filter) } catch let e as CLIError {
                throw e
            } catch {
                throw CLIError("cannot prune the build cache: \(error)")
            }
            var out = ""
            if !removed.isEmpty {
                out += "Deleted build cache objects:\n"
                for r in removed { out += r.id + "\n" }
                out += "\n"
            }
            out += "Total reclaimed space: \(HumanSize.format(removed.reduce(0) { $0 + $1.size }))\n"
            FDWriter.stdout.write(out)
            return 0
        }
    }

    /// `1024`, `10MB`, `2GiB` …
    static func bytes(_ text: String) -> Int64? { ByteUnits.parse(text) }
}

/// JSON string quoting for the du output.
enum GoJSONString {
    static func quote(_ s: String) -> String {
        // Most strings need no escape: copy them whole.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x80 && $0 != 0x22 && $0 != 0x5c && $0 != 0x3c && $0 != 0x3e && $0 != 0x26 }) {
            return "\"" + s + "\""
        }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u == "<" || u == ">" || u == "&" { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
