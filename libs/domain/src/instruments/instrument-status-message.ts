import { z } from 'zod';

/** Larger status messages are not a status message. */
export const MAX_STATUS_MESSAGE_BYTES = 4096;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUS_TOPIC = /^labwire\/instruments\/([^/]+)\/status$/;

// Fields besides `state` are allowed (and ignored): instruments may say more than Labwire reads.
const statusSchema = z.object({ state: z.enum(['online', 'offline']) });

export type ParsedStatusMessage =
  { ok: true; instrumentId: string; state: 'online' | 'offline' } | { ok: false; detail: string };

/** CONTRACT.md's `labwire/instruments/{id}/status` message `{"state": "online" | "offline"}`. */
export function parseStatusMessage(topic: string, payload: Buffer): ParsedStatusMessage {
  const instrumentId = STATUS_TOPIC.exec(topic)?.[1];
  if (!instrumentId || !UUID.test(instrumentId)) return { ok: false, detail: `not an instrument status topic` };
  if (payload.length > MAX_STATUS_MESSAGE_BYTES) {
    return { ok: false, detail: `${payload.length} bytes (at most ${MAX_STATUS_MESSAGE_BYTES})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, detail: 'not JSON' };
  }
  const parsed = statusSchema.safeParse(json);
  if (!parsed.success) return { ok: false, detail: 'expected {"state": "online" | "offline"}' };
  return { ok: true, instrumentId: instrumentId.toLowerCase(), state: parsed.data.state };
}
