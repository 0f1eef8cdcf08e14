import { z } from 'zod';
import { findUnstorableJson } from '@labwire/core';

/** A reply larger than this is not read (results belong in telemetry or files, not in replies). */
export const MAX_REPLY_MESSAGE_BYTES = 256 * 1024;
export const MAX_REPLY_ERROR_LENGTH = 10_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REPLY_TOPIC = /^labwire\/instruments\/([^/]+)\/commands\/([^/]+)\/reply$/;

const replySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown().optional() }),
  z.object({ ok: z.literal(false), error: z.string().max(MAX_REPLY_ERROR_LENGTH) }),
]);

export type CommandReply = { ok: true; result?: unknown } | { ok: false; error: string };

export type ParsedReplyMessage =
  { ok: true; instrumentId: string; commandId: string; reply: CommandReply } | { ok: false; detail: string };

/**
 * CONTRACT.md's `labwire/instruments/{id}/commands/{commandId}/reply` message:
 * `{"ok": true, "result"?: …}` or `{"ok": false, "error": "…"}`.
 */
export function parseReplyMessage(topic: string, payload: Buffer): ParsedReplyMessage {
  const match = REPLY_TOPIC.exec(topic);
  if (!match || !UUID.test(match[1]) || !UUID.test(match[2])) {
    return { ok: false, detail: 'not a command reply topic' };
  }
  if (payload.length > MAX_REPLY_MESSAGE_BYTES) {
    return { ok: false, detail: `${payload.length} bytes (at most ${MAX_REPLY_MESSAGE_BYTES})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, detail: 'not JSON' };
  }
  const parsed = replySchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, detail: 'expected {"ok": true, "result"?: …} or {"ok": false, "error": "…"}' };
  }
  // PostgreSQL stores NUL in neither text nor jsonb and refuses very deep jsonb: the reply could never
  // be written, and failing the handler would leave the message unacknowledged, redelivered and
  // failing for ever.
  const unstorable = findUnstorableJson(parsed.data);
  if (unstorable) return { ok: false, detail: `${unstorable.path || 'the reply'} ${unstorable.problem}` };
  return {
    ok: true,
    instrumentId: match[1].toLowerCase(),
    commandId: match[2].toLowerCase(),
    reply: parsed.data as CommandReply,
  };
}
