import Foundation

/// One tar entry header, encoded the way Go's `archive/tar` Writer encodes what moby's archive package gives it
/// (`hdr.Format = tar.FormatPAX`: plain USTAR whenever USTAR can hold the header, PAX records otherwise).
struct TarEntryHeader {
    static let regular = UInt8(ascii: "0")
    static let hardLink = UInt8(ascii: "1")
    static let symbolicLink = UInt8(ascii: "2")
    static let directory = UInt8(ascii: "5")
    static let paxExtended = UInt8(ascii: "x")

    var name: [UInt8]
    var linkName: [UInt8] = []
    /// Permission bits plus setuid/setgid/sticky (Go's `FileInfoHeader` mode).
    var mode: Int64
    var size: Int64 = 0
    /// Modification time, whole seconds since the epoch.
    var modificationTime: Int64
    var typeFlag: UInt8

    static let blockSize = 512
    private static let nameSize = 100
    private static let prefixSize = 155

    /// Bytes of zero padding after `size` bytes of file data.
    static func padding(afterDataOf size: Int64) -> Int {
        let remainder = Int(size % Int64(blockSize))
        return remainder == 0 ? 0 : blockSize - remainder
    }

    /// The two zero blocks that end an archive (Go's `Writer.Close`).
    static let endOfArchive = [UInt8](repeating: 0, count: 2 * blockSize)

    /// The header block, preceded by a PAX extended header when USTAR cannot represent it.
    func encoded() -> [UInt8] {
        var records: [(String, [UInt8])] = []
        var ustarPossible = true

        // verifyString(Name, paxPath): a long ASCII name may still fit the USTAR prefix/name split.
        if !TarEntryHeader.isASCII(name) || name.count > TarEntryHeader.nameSize {
            if TarEntryHeader.splitUSTARPath(name) == nil { ustarPossible = false }
            records.append(("path", name))
        }
        // verifyString(Linkname, paxLinkpath): no splitting for link names.
        if !TarEntryHeader.isASCII(linkName) || linkName.count > TarEntryHeader.nameSize {
            ustarPossible = false
            records.append(("linkpath", linkName))
        }
        if !TarEntryHeader.fitsInOctal(size, fieldSize: 12) {
            ustarPossible = false
            records.append(("size", Array(String(size).utf8)))
        }
        if !TarEntryHeader.fitsInOctal(modificationTime, fieldSize: 12) {
            ustarPossible = false
            records.append(("mtime", Array(String(modificationTime).utf8)))
        }

        if ustarPossible {
            return ustarBlock()
        }
        return paxBlocks(records: records)
    }

    // MARK: - USTAR

    private func ustarBlock() -> [UInt8] {
        var block = TarBlock()
        var headerName = name
        if let (prefix, suffix) = TarEntryHeader.splitUSTARPath(name) {
            headerName = suffix
            block.setString(prefix, at: 345, size: 155)
        }
        fillCommonFields(&block, name: headerName, linkName: linkName)
        block.finish()
        return block.bytes
    }

    // MARK: - PAX

    private func paxBlocks(records: [(String, [UInt8])]) -> [UInt8] {
        var data: [UInt8] = []
        for (key, value) in records.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) {
            data.append(contentsOf: TarEntryHeader.paxRecord(key: key, value: value))
        }

        // The extended header file: name "dir/PaxHeaders.0/file", all numbers zero.
        var extended = TarBlock()
        var extendedName = TarEntryHeader.toASCII(TarEntryHeader.paxHeaderName(for: name))
        if extendedName.count > TarEntryHeader.nameSize {
            extendedName = Array(extendedName.prefix(TarEntryHeader.nameSize))
        }
        while extendedName.last == UInt8(ascii: "/") { extendedName.removeLast() }
        extended.bytes[156] = TarEntryHeader.paxExtended
        extended.setString(extendedName, at: 0, size: 100)
        extended.setOctal(0, at: 100, size: 8)
        extended.setOctal(0, at: 108, size: 8)
        extended.setOctal(0, at: 116, size: 8)
        extended.setOctal(Int64(data.count), at: 124, size: 12)
        extended.setOctal(0, at: 136, size: 12)
        extended.finish()

        var result = extended.bytes
        result.append(contentsOf: data)
        result.append(contentsOf: [UInt8](repeating: 0, count: TarEntryHeader.padding(afterDataOf: Int64(data.count))))

        // The main header with best-effort ASCII fields.
        var main = TarBlock()
        fillCommonFields(&main, name: TarEntryHeader.toASCII(name), linkName: TarEntryHeader.toASCII(linkName))
        main.finish()
        result.append(contentsOf: main.bytes)
        return result
    }

    /// Go's `templateV7Plus` with uid/gid 0, empty uname/gname and zero device numbers.
    private func fillCommonFields(_ block: inout TarBlock, name: [UInt8], linkName: [UInt8]) {
        block.bytes[156] = typeFlag
        block.setString(name, at: 0, size: 100)
        block.setString(linkName, at: 157, size: 100)
        block.setOctal(mode, at: 100, size: 8)
        block.setOctal(0, at: 108, size: 8)
        block.setOctal(0, at: 116, size: 8)
        block.setOctal(size, at: 124, size: 12)
        block.setOctal(modificationTime, at: 136, size: 12)
        block.setString([], at: 265, size: 32)
        block.setString([], at: 297, size: 32)
        block.setOctal(0, at: 329, size: 8)
        block.setOctal(0, at: 337, size: 8)
    }

    // MARK: - Go helpers

    /// Go's `isASCII`: no rune ≥ 0x80 and no NUL.
    static func isASCII(_ bytes: [UInt8]) -> Bool {
        !bytes.contains(where: { $0 >= 0x80 || $0 == 0 })
    }

    /// Go's `toASCII`: drops every rune that is not 7-bit (and NUL).
    static func toASCII(_ bytes: [UInt8]) -> [UInt8] {
        if isASCII(bytes) { return bytes }
        return bytes.filter { $0 < 0x80 && $0 != 0 }
    }

    static func fitsInOctal(_ value: Int64, fieldSize: Int) -> Bool {
        let octalBits = UInt64(fieldSize - 1) * 3
        return value >= 0 && (octalBits >= 63 || UInt64(value) < (UInt64(1) << octalBits))
    }

    /// Go's `splitUSTARPath`.
    static func splitUSTARPath(_ name: [UInt8]) -> (prefix: [UInt8], suffix: [UInt8])? {
        var length = name.count
        if length <= nameSize || !isASCII(name) {
            return nil
        } else if length > prefixSize + 1 {
            length = prefixSize + 1
        } else if name[length - 1] == UInt8(ascii: "/") {
            length -= 1
        }
        guard let slash = name[0..<length].lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let suffixLength = name.count - slash - 1
        let prefixLength = slash
        if slash <= 0 || suffixLength > nameSize || suffixLength == 0 || prefixLength > prefixSize {
            return nil
        }
        return (Array(name[0..<slash]), Array(name[(slash + 1)...]))
    }

    /// Go's `path.Join(dir, "PaxHeaders.0", file)` where `dir, file = path.Split(name)`.
    static func paxHeaderName(for name: [UInt8]) -> [UInt8] {
        let slash = name.lastIndex(of: UInt8(ascii: "/"))
        let dir = slash.map { Array(name[0...$0]) } ?? []
        let file = slash.map { Array(name[($0 + 1)...]) } ?? name
        var joined: [UInt8] = []
        for element in [dir, Array("PaxHeaders.0".utf8), file] where !element.isEmpty {
            if !joined.isEmpty { joined.append(UInt8(ascii: "/")) }
            joined.append(contentsOf: element)
        }
        return IgnorePath.clean(joined)
    }

    /// Go's `formatPAXRecord`: "<length> <key>=<value>\n" where length counts itself.
    static func paxRecord(key: String, value: [UInt8]) -> [UInt8] {
        let padding = 3
        var size = key.utf8.count + value.count + padding
        size += String(size).utf8.count
        var record = Array("\(size) \(key)=".utf8) + value + [0x0A]
        if record.count != size {
            size = record.count
            record = Array("\(size) \(key)=".utf8) + value + [0x0A]
        }
        return record
    }
}

/// A 512-byte header block with Go's field formatting.
struct TarBlock {
    var bytes = [UInt8](repeating: 0, count: TarEntryHeader.blockSize)

    /// Go's `formatter.formatString`.
    mutating func setString(_ value: [UInt8], at offset: Int, size: Int) {
        let count = min(value.count, size)
        for index in 0..<count { bytes[offset + index] = value[index] }
        if value.count < size { bytes[offset + value.count] = 0 }
        if value.count > size && bytes[offset + size - 1] == UInt8(ascii: "/") {
            var kept = size - 1
            while kept > 0 && value[kept - 1] == UInt8(ascii: "/") { kept -= 1 }
            bytes[offset + kept] = 0
        }
    }

    /// Go's `formatter.formatOctal`: zero-padded octal leaving room for a NUL (0 when it does not fit).
    mutating func setOctal(_ value: Int64, at offset: Int, size: Int) {
        let fitting = TarEntryHeader.fitsInOctal(value, fieldSize: size) ? value : 0
        var digits = Array(String(fitting, radix: 8).utf8)
        let zeros = size - digits.count - 1
        if zeros > 0 { digits = [UInt8](repeating: UInt8(ascii: "0"), count: zeros) + digits }
        setString(digits, at: offset, size: size)
    }

    /// Sets the USTAR magic and version, then the checksum (6 octal digits, NUL, space).
    mutating func finish() {
        let magic = Array("ustar".utf8) + [0]
        for (index, byte) in magic.enumerated() { bytes[257 + index] = byte }
        bytes[263] = UInt8(ascii: "0")
        bytes[264] = UInt8(ascii: "0")
        var checksum: Int64 = 0
        for (index, byte) in bytes.enumerated() {
            checksum += (148..<156).contains(index) ? Int64(UInt8(ascii: " ")) : Int64(byte)
        }
        setOctal(checksum, at: 148, size: 7)
        bytes[155] = UInt8(ascii: " ")
    }
}
