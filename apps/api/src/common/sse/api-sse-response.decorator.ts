import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiProduces } from '@nestjs/swagger';
import { ApiProblems } from '../openapi/api-problems.decorator';

/**
 * Documents a `text/event-stream` route: the events it sends (name → what its data holds) are listed
 * in the description, since OpenAPI has no schema for event streams.
 */
export function ApiSseResponse(events: Record<string, string>) {
  const list = Object.entries(events)
    .map(([name, data]) => `- \`${name}\`: ${data}`)
    .join('\n');
  return applyDecorators(
    ApiProduces('text/event-stream'),
    ApiOkResponse({
      description:
        'A Server-Sent Events stream (`text/event-stream`). Each event has a name and a JSON `data` line:\n' +
        `${list}\n- \`revoked\`: \`{reason}\`, last: the caller's access ended (signed out, session or API key ` +
        'revoked or expired, user disabled, removed from the workspace); the stream ends and reconnecting is refused\n\n' +
        'Comment lines (`: ping`) are heartbeats. The stream ends after at most 15 minutes ' +
        '(and when the api shuts down); EventSource reconnects by itself, presenting the credentials again. ' +
        'Events published while a client is disconnected are not replayed: re-read the resource after reconnecting. ' +
        'A user may hold SSE_MAX_STREAMS_PER_USER streams at once (all kinds, all api replicas); one more ' +
        'answers 429 TOO_MANY_STREAMS naming the `limit`.',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    }),
    ApiProblems(429),
  );
}
