/**
 * Tells every api replica that what it cached about a user's credentials or memberships is stale.
 * The api uses AuthCache; tools without Redis pass an implementation that has nothing to tell, as
 * the cache's short TTL bounds staleness anyway.
 */
export abstract class AuthInvalidator {
  abstract invalidateUser(userId: string): Promise<void>;
  abstract invalidateAll(): Promise<void>;
}
