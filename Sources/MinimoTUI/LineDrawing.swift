/// The characters boxes are drawn with: Unicode box drawing, or `+-|` where the locale is not
/// UTF-8 (a Unicode line there prints as junk).
public struct LineDrawing: Sendable, Hashable {
    public var horizontal: Character
    public var vertical: Character
    public var topLeft: Character
    public var topRight: Character
    public var bottomLeft: Character
    public var bottomRight: Character

    public static let unicode = LineDrawing(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘")
    public static let ascii = LineDrawing(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+")

    public static func choose(unicode: Bool) -> LineDrawing { unicode ? .unicode : .ascii }
}
