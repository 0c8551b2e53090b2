/// A key and what it does, as the status bar advertises it (`/ search`).
///
/// Each hint has a short label for narrow terminals; the status bar shortens labels first,
/// then drops hints from the end of its list, so order the list by importance.
public struct KeyHint: Sendable, Hashable {
    public var key: String
    public var label: String
    public var shortLabel: String

    public init(key: String, label: String, shortLabel: String? = nil) {
        self.key = key
        self.label = label
        self.shortLabel = shortLabel ?? label
    }

    /// The hints of the fields editor with the default keys, a contact open: help stays when
    /// all else goes (it lists every key, so the rest can go).
    public static var main: [KeyHint] { Bindings.defaults.hints(in: .fields) { $0 == .always || $0 == .contactOpen } }
}
