import BuildEvents
import Foundation
import LocalFiles

/// The docker CLI's `config.json`: buildtop changes only `aliases.builder` (the `docker buildx
/// install` alias, PROTOCOL.md §4.5) and keeps every other byte of the file as it was.
public enum DockerConfigFile {
    /// `config.json` in a docker config folder.
    public static func path(configDirectory: String) -> String {
        (configDirectory as NSString).appendingPathComponent("config.json")
    }

    /// True when `aliases.builder` is `buildx` (so `docker build` runs `docker buildx build`).
    public static func buildxAliasInstalled(configDirectory: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path(configDirectory: configDirectory)) else { return false }
        let bytes = [UInt8](data)
        guard let top = try? JSONMembers.parse(bytes),
              let aliases = top.members.last(where: { $0.key == "aliases" }) else { return false }
        let inner = Array(bytes[aliases.value])
        guard let members = try? JSONMembers.parse(inner).members,
              let builder = members.last(where: { $0.key == "builder" }) else { return false }
        return JSONMembers.string(inner, builder.value) == "buildx"
    }

    /// `docker buildx install` (on) / `uninstall` (off): sets or deletes `aliases.builder` (and
    /// `aliases` when it becomes empty). The file is rewritten atomically with its mode kept.
    public static func setBuildxAlias(_ on: Bool, configDirectory: String) throws(BuildxStore.StoreError) {
        let file = URL(fileURLWithPath: path(configDirectory: configDirectory)).resolvingSymlinksInPath().path
        var bytes: [UInt8] = Array("{}".utf8)
        var mode: mode_t = 0o600
        if let data = FileManager.default.contents(atPath: file) {
            bytes = [UInt8](data)
            var st = stat()
            if stat(file, &st) == 0 { mode = st.st_mode & 0o777 }
        } else if !on {
            return
        }
        if bytes.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) { bytes = Array("{}".utf8) }
        let edited: [UInt8]
        do {
            edited = try edit(bytes, on: on)
        } catch {
            throw BuildxStore.StoreError("\(file): \(error.description); not changed")
        }
        guard edited != bytes else { return }
        do {
            try AtomicFile.write(edited, to: file, mode: mode)
        } catch {
            throw BuildxStore.StoreError(error.description)
        }
    }

    static func edit(_ bytes: [UInt8], on: Bool) throws(JSONMembers.ParseError) -> [UInt8] {
        let (members, closing) = try JSONMembers.parse(bytes)
        let builderMember = Array("\"builder\": \"buildx\"".utf8)
        guard let index = members.lastIndex(where: { $0.key == "aliases" }) else {
            guard on else { return bytes }
            let member = Array("\"aliases\": {\n\t\t".utf8) + builderMember + Array("\n\t}".utf8)
            if let last = members.last {
                return Array(bytes[..<last.value.upperBound]) + Array(",\n\t".utf8) + member + Array(bytes[last.value.upperBound...])
            }
            return Array(bytes[..<closing]) + Array("\n\t".utf8) + member + Array("\n".utf8) + Array(bytes[closing...])
        }
        let aliases = members[index]
        var inner = Array(bytes[aliases.value])
        if inner.first != 123 { inner = Array("{}".utf8) }  // `null` or another value: replace it
        var kept: [(String, [UInt8])] = []
        for m in try JSONMembers.parse(inner).members where m.key != "builder" {
            kept.append((m.key, Array(inner[m.value])))
        }
        if !on, kept.isEmpty {
            // Remove the whole `aliases` member and one comma next to it.
            if index > 0 {
                return Array(bytes[..<members[index - 1].value.upperBound]) + Array(bytes[aliases.value.upperBound...])
            }
            if members.count > 1 {
                return Array(bytes[..<aliases.keyStart]) + Array(bytes[members[1].keyStart...])
            }
            return Array(bytes[..<aliases.keyStart]).trimmingTrailingSpace() + Array(bytes[closing...])
        }
        var object = Array("{".utf8)
        var first = true
        if on {
            object += Array("\n\t\t".utf8) + builderMember
            first = false
        }
        for (key, value) in kept {
            object += Array((first ? "\n\t\t" : ",\n\t\t").utf8) + Array(GoJSON.quoted(key).utf8) + Array(": ".utf8) + value
            first = false
        }
        object += Array("\n\t}".utf8)
        return Array(bytes[..<aliases.value.lowerBound]) + object + Array(bytes[aliases.value.upperBound...])
    }
}

extension Array where Element == UInt8 {
    func trimmingTrailingSpace() -> [UInt8] {
        var end = count
        while end > 0, [32, 10, 13, 9].contains(self[end - 1]) { end -= 1 }
        return Array(self[..<end])
    }
}
