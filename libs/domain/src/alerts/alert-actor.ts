import { Actor } from '../audit/actor';
import { AlertActor } from './alert.types';

/** The audit log's view of an alert actor: the user behind it, if any. */
export function auditActorOf(actor: AlertActor): Omit<Actor, 'userId'> & { userId: string | null } {
  const userId = actor.userId ?? (actor.kind === 'user' ? (actor.id ?? null) : null);
  return {
    userId,
    apiKeyId: actor.kind === 'api-key' ? (actor.id ?? null) : null,
    requestId: actor.requestId ?? null,
  };
}

/** The alert actor of a REST caller (a user, or an API key acting for its user). */
export function alertActorOf(actor: Actor): AlertActor {
  return actor.apiKeyId
    ? { kind: 'api-key', id: actor.apiKeyId, userId: actor.userId, requestId: actor.requestId ?? null }
    : { kind: 'user', id: actor.userId, userId: actor.userId, requestId: actor.requestId ?? null };
}
