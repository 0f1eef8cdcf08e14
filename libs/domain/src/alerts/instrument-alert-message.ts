import { z } from 'zod';
import { MAX_ALERT_NOTE_LENGTH } from './alerts.service';
import { ALERT_KEY_PATTERN } from './alert.types';

/** Larger alert messages are not an alert message. */
export const MAX_ALERT_MESSAGE_BYTES = 8192;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALERTS_TOPIC = /^labwire\/instruments\/([^/]+)\/alerts$/;

const alertSchema = z.object({
  key: z.string().regex(ALERT_KEY_PATTERN),
  state: z.enum(['triggered', 'cleared']),
  priority: z.number().int().min(1).max(5).optional(),
  // PostgreSQL text holds no NUL: such a note could never be stored
  note: z
    .string()
    .max(MAX_ALERT_NOTE_LENGTH)
    .refine((s) => !s.includes('\u0000'))
    .optional(),
});

export interface InstrumentAlertMessage {
  key: string;
  state: 'triggered' | 'cleared';
  priority?: number;
  note?: string;
}

export type ParsedInstrumentAlert =
  { ok: true; instrumentId: string; message: InstrumentAlertMessage } | { ok: false; detail: string };

/**
 * CONTRACT.md's `labwire/instruments/{id}/alerts` message:
 * `{"key", "state": "triggered" | "cleared", "priority"?: 1-5, "note"?}`.
 */
export function parseInstrumentAlert(topic: string, payload: Buffer): ParsedInstrumentAlert {
  const instrumentId = ALERTS_TOPIC.exec(topic)?.[1];
  if (!instrumentId || !UUID.test(instrumentId)) return { ok: false, detail: 'not an instrument alerts topic' };
  if (payload.length > MAX_ALERT_MESSAGE_BYTES) {
    return { ok: false, detail: `${payload.length} bytes (at most ${MAX_ALERT_MESSAGE_BYTES})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, detail: 'not JSON' };
  }
  const parsed = alertSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      detail:
        'expected {"key": a slug, "state": "triggered" | "cleared", "priority"?: 1-5, "note"?: at most ' +
        `${MAX_ALERT_NOTE_LENGTH} characters}`,
    };
  }
  return { ok: true, instrumentId: instrumentId.toLowerCase(), message: parsed.data };
}
