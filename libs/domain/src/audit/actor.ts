/** Who makes a change, as the audit log records it; built by the transport from its principal. */
export interface Actor {
  userId: string;
  /** set when the caller authenticated with an API key */
  apiKeyId?: string | null;
  /** correlates the entry with the request's logs (X-Request-Id) */
  requestId?: string | null;
}
