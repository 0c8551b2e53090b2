/// Marketing consent per channel: true (opted in), false (opted out), nil (never stated).
///
/// The upsert and update pages accept `marketingConsent {email?, whatsapp?}`, but the documented
/// contact object does not return it. The sandbox returns it as `marketing_consent` — an
/// extension of ours, so a client must also work when the field is absent.
struct MarketingConsent: Sendable, Equatable {
    var email: Bool?
    var whatsapp: Bool?

    var json: JSONValue {
        .object(["email": .bool(email), "whatsapp": .bool(whatsapp)])
    }
}
