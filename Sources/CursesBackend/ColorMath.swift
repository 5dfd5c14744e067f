/// Colour conversions for terminals with fewer colours than asked for. Pure functions.
enum ColorMath {
    /// An RGB triple.
    struct RGB: Hashable, Sendable {
        var r: Int
        var g: Int
        var b: Int

        /// `0xRRGGBB`.
        var packed: Int32 { Int32(r << 16 | g << 8 | b) }
    }

    /// The xterm default palette for the 16 ANSI colours (what most terminals start with).
    static let ansi: [RGB] = [
        RGB(r: 0, g: 0, b: 0), RGB(r: 205, g: 0, b: 0), RGB(r: 0, g: 205, b: 0), RGB(r: 205, g: 205, b: 0),
        RGB(r: 0, g: 0, b: 238), RGB(r: 205, g: 0, b: 205), RGB(r: 0, g: 205, b: 205), RGB(r: 229, g: 229, b: 229),
        RGB(r: 127, g: 127, b: 127), RGB(r: 255, g: 0, b: 0), RGB(r: 0, g: 255, b: 0), RGB(r: 255, g: 255, b: 0),
        RGB(r: 92, g: 92, b: 255), RGB(r: 255, g: 0, b: 255), RGB(r: 0, g: 255, b: 255), RGB(r: 255, g: 255, b: 255),
    ]

    /// Channel levels of the 6×6×6 cube (indexes 16–231).
    static let cubeLevels = [0, 95, 135, 175, 215, 255]

    /// The RGB value of one of the 256 indexed colours (xterm's defaults).
    static func rgb(ofIndex n: UInt8) -> RGB {
        let i = Int(n)
        if i < 16 { return ansi[i] }
        if i < 232 {
            let c = i - 16
            return RGB(r: cubeLevels[c / 36], g: cubeLevels[(c / 6) % 6], b: cubeLevels[c % 6])
        }
        let v = 8 + 10 * (i - 232)
        return RGB(r: v, g: v, b: v)
    }

    /// Perceptual-ish distance ("redmean"), good enough to pick a nearest palette entry.
    static func distance(_ a: RGB, _ b: RGB) -> Int {
        let rm = (a.r + b.r) / 2
        let dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b
        // (Swift's >> binds tighter than *: parenthesise the products.)
        return (((512 + rm) * dr * dr) >> 8) + 4 * dg * dg + (((767 - rm) * db * db) >> 8)
    }

    /// The nearest of the 240 fixed colours 16–255 (the cube and the grey ramp). The 16 ANSI
    /// colours are left out on purpose: themes redefine them.
    static func nearest256(_ c: RGB) -> UInt8 {
        func level(_ v: Int) -> Int {
            var best = 0
            for (i, l) in cubeLevels.enumerated() where abs(l - v) < abs(cubeLevels[best] - v) { best = i }
            return best
        }
        let ri = level(c.r), gi = level(c.g), bi = level(c.b)
        let cubeIndex = 16 + 36 * ri + 6 * gi + bi
        let cube = RGB(r: cubeLevels[ri], g: cubeLevels[gi], b: cubeLevels[bi])
        let avg = (c.r + c.g + c.b) / 3
        let greyStep = min(23, max(0, (avg - 3) / 10))
        let greyValue = 8 + 10 * greyStep
        let grey = RGB(r: greyValue, g: greyValue, b: greyValue)
        return distance(c, grey) < distance(c, cube) ? UInt8(232 + greyStep) : UInt8(cubeIndex)
    }

    /// The nearest of the 16 ANSI colours.
    static func nearest16(_ c: RGB) -> UInt8 {
        var best = 0
        var bestDistance = Int.max
        for (i, p) in ansi.enumerated() {
            let d = distance(c, p)
            if d < bestDistance {
                best = i
                bestDistance = d
            }
        }
        return UInt8(best)
    }
}
