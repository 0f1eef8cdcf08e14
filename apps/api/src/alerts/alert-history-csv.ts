import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { csvRow } from '@labwire/core';
import { AlertHistoryEntry } from '@labwire/domain';

const HEADER = 'at,alert_id,key,instrument_id,action,state,priority,note,actor_kind,actor_id\r\n';

/** Notes are people's and instruments' text: csvRow neutralises formula-like cells. */
function lines(entries: AlertHistoryEntry[]): string {
  let out = '';
  for (const e of entries) {
    out += csvRow([
      new Date(e.at).toISOString(),
      e.alertId,
      e.key,
      e.instrumentId,
      e.action,
      e.state,
      e.priority,
      e.note,
      e.actorKind,
      e.actorId,
    ]);
  }
  return out;
}

/** Streams the history as CSV; the first page is read first, so a failure still answers a problem. */
export async function sendAlertHistoryCsv(
  reply: FastifyReply,
  pages: AsyncGenerator<AlertHistoryEntry[]>,
  name: string,
): Promise<void> {
  const first = await pages.next();
  async function* body(): AsyncGenerator<string> {
    yield HEADER;
    if (first.done) return;
    yield lines(first.value);
    for await (const page of pages) yield lines(page);
  }
  await reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(Readable.from(body()));
}
