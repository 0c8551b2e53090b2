import MinimoKit

/// Exit codes, documented in `minimo --help` and the README. Scripts can tell a typo from an
/// outage from an empty result.
enum ExitStatus: Int32 {
    case success = 0
    case failure = 1
    case usage = 2
    case auth = 3
    case notFound = 4
    case rateLimited = 5
    case network = 6
    case validation = 7

    static func forError(_ error: MinimoError) -> ExitStatus {
        switch error.kind {
        case .unauthorized, .forbidden: .auth
        case .notFound, .listingNotAvailable: .notFound
        case .rateLimited: .rateLimited
        case .server, .network, .decoding: .network
        case .validation, .invalidPhoneNumber, .badRequest, .conflict: .validation
        case .insecureURL: .usage
        case .localFile: .failure
        }
    }
}

/// An error the CLI reports itself: a message for stderr and an exit status.
struct CLIError: Error, CustomStringConvertible {
    var status: ExitStatus
    var message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { message }
}
