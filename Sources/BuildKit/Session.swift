import Docker
import HistoryModel
import Foundation
import NIOCore
import SwiftProtobuf

/// The client-side session BuildKit calls back during a build (BUILDKIT-NATIVE.md §1.2, §5):
/// health, the local folders (context and Dockerfile), secrets, the ssh agent, registry
/// credentials and export targets. One session per build; it lives as long as the connection.
final class Session: Sendable {
    /// Session id (`SolveRequest.Session`).
    let id: String
    /// Lets the daemon reuse the previous upload of the same folder (stable per builder and context).
    let sharedKey: String
    /// The folders offered, by `dir-name`.
    let sources: [String: FileSync.Source]
    let secrets: SecretStore
    let ssh: SSHForwarding
    let auth: RegistryAuth
    let output: OutputTarget?
    /// Transfer figures of the context upload.
    let transfers: TransferCounter

    init(
        sharedKey: String, sources: [String: FileSync.Source], secrets: SecretStore, ssh: SSHForwarding, auth: RegistryAuth,
        output: OutputTarget?, manifest: ManifestCollector? = nil
    ) {
        self.transfers = TransferCounter(collector: manifest)
        self.id = Session.newID()
        self.sharedKey = sharedKey
        self.sources = sources
        self.secrets = secrets
        self.ssh = ssh
        self.auth = auth
        self.output = output
    }

    /// 25 base-36 characters, like BuildKit's `identity.NewID()`.
    static func newID() -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        var g = SystemRandomNumberGenerator()
        return String((0..<25).map { _ in alphabet[Int(g.next() % 36)] })
    }

    /// A key for (builder, folder) that stays the same across builds.
    static func sharedKey(builder: String, folder: String) -> String {
        "buildtop-" + EndpointSHA256.hexDigest(Array("buildtop\u{0}\(builder)\u{0}\(folder)".utf8)).prefix(24)
    }

    static let health = "/grpc.health.v1.Health/Check"
    static let fileSync = "/moby.filesync.v1.FileSync/DiffCopy"
    static let fileSend = "/moby.filesync.v1.FileSend/DiffCopy"
    static let getSecret = "/moby.buildkit.secrets.v1.Secrets/GetSecret"
    static let checkAgent = "/moby.sshforward.v1.SSH/CheckAgent"
    static let forwardAgent = "/moby.sshforward.v1.SSH/ForwardAgent"
    static let credentials = "/moby.filesync.v1.Auth/Credentials"

    /// Exactly the methods served.
    var methods: [String] {
        var m = [Self.health, Self.fileSync, Self.getSecret, Self.credentials, Self.checkAgent, Self.forwardAgent]
        if output != nil { m.append(Self.fileSend) }
        return m
    }

    /// The headers of `POST /session` (one method header line per method).
    var headers: [(String, String)] {
        var h: [(String, String)] = [
            ("X-Docker-Expose-Session-Uuid", id), ("X-Docker-Expose-Session-Name", "buildtop"),
            ("X-Docker-Expose-Session-Sharedkey", sharedKey),
        ]
        for m in methods { h.append(("X-Docker-Expose-Session-Grpc-Method", m)) }
        return h
    }

    /// Answers one call of the daemon (`BUILDTOP_DEBUG_H2=1` logs each call's end to stderr).
    func handle(_ call: IncomingCall) async -> GRPCStatus {
        let status = await answer(call)
        if getenv("BUILDTOP_DEBUG_H2") != nil {
            FileHandleStderr.write("buildtop: session \(call.path) → \(status.code) \(status.message)\n")
        }
        return status
    }

    private func answer(_ call: IncomingCall) async -> GRPCStatus {
        switch call.path {
        case Self.health:
            var r = Grpc_Health_V1_HealthCheckResponse()
            r.status = .serving
            do { try await call.send(try r.serializedBytes()) } catch { return GRPCStatus(code: 14, message: "\(error)") }
            return .ok
        case Self.fileSync:
            let name = call.values("dir-name").first ?? ""
            guard let source = sources[name] else { return GRPCStatus(code: 5, message: "no access allowed to dir \"\(name)\"") }
            return await FileSync.send(source, call: call, stats: name == "context" ? transfers : nil)
        case Self.getSecret:
            return await secrets.serve(call)
        case Self.checkAgent:
            return await ssh.check(call)
        case Self.forwardAgent:
            return await ssh.forward(call)
        case Self.credentials:
            return await auth.serve(call)
        case Self.fileSend:
            guard let output else { return .unimplemented(call.path) }
            return await output.receive(call)
        default:
            return .unimplemented(call.path)
        }
    }
}
