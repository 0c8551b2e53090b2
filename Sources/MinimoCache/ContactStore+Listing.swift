import Foundation
import MinimoKit

extension ContactStore {
    /// One page of the listing (`GET /contacts?page=&limit=`), asked of the API, its contacts
    /// cached as a lookup's would be. The exchange is recorded (the request log shows it) whether
    /// the request succeeds or fails. Throws `.listingNotAvailable` where the server has none.
    public func contactPage(page: Int, limit: Int, priority: RequestPriority = .interactive) async throws
        -> MinimoResponse<ContactPage>
    {
        let response: MinimoResponse<ContactPage>
        do {
            response = try await client.listContacts(page: page, limit: limit, priority: priority)
        } catch {
            await persistExchanges()
            throw error
        }
        await persistExchanges()
        try await store(response.value.contacts, fetchedAt: clock.now())
        return response
    }

    /// The field definitions by category (`GET /custom-fields?groupBy=category`), asked of the
    /// API; the cached definitions are replaced by them. The exchange is recorded.
    public func fieldGroups(priority: RequestPriority = .interactive) async throws -> MinimoResponse<[CustomFieldGroup]> {
        let response: MinimoResponse<[CustomFieldGroup]>
        do {
            response = try await client.customFieldGroups(priority: priority)
        } catch {
            await persistExchanges()
            throw error
        }
        await persistExchanges()
        try await storeDefinitions(response.value.flatMap(\.fields), fetchedAt: clock.now())
        return response
    }
}
