import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { csvRow } from '@labwire/core';
import { AggregatePoint, RawPoint } from '@labwire/domain';
import { AggregateTelemetryDto, RawTelemetryPageDto } from './dto/telemetry-response.dto';

const CSV_HEADER = 'time,instrument_id,metric,value,tags\n';

/** Metric names and tags are the instrument's text: csvRow neutralises formula-like cells. */
function csvLines(points: RawPoint[]): string {
  let out = '';
  for (const p of points) {
    out += csvRow(
      [p.time.toISOString(), p.instrumentId, p.metric, p.value, p.tags ? JSON.stringify(p.tags) : null],
      '\n',
    );
  }
  return out;
}

/**
 * Streams an export as CSV. The first page is read before anything is sent, so a bad request (an
 * instrument of another workspace, a bad range) still answers a problem+json error; after that, rows
 * go out page by page and memory stays flat.
 */
export async function sendCsvExport(
  reply: FastifyReply,
  pages: AsyncGenerator<RawPoint[]>,
  name: string,
): Promise<void> {
  const first = await pages.next();
  async function* body(): AsyncGenerator<string> {
    yield CSV_HEADER;
    if (first.done) return;
    yield csvLines(first.value);
    for await (const page of pages) yield csvLines(page);
  }
  await reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(Readable.from(body()));
}

export function toRawPage(page: { items: RawPoint[]; nextCursor: string | null }): RawTelemetryPageDto {
  return {
    items: page.items.map((p) => ({
      time: p.time.toISOString(),
      instrumentId: p.instrumentId,
      metric: p.metric,
      value: p.value,
      tags: p.tags,
    })),
    nextCursor: page.nextCursor,
  };
}

export function toAggregate(result: { items: AggregatePoint[]; truncated: boolean }): AggregateTelemetryDto {
  return {
    items: result.items.map((p) => ({
      bucket: p.bucket.toISOString(),
      instrumentId: p.instrumentId,
      metric: p.metric,
      values: p.values,
    })),
    truncated: result.truncated,
  };
}
