/// A sandbox setting that cannot be used, with a message fit to show the person who typed it
/// (for example a `--rate-limit` option of the command line).
public struct SandboxConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and what would be accepted.
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
