import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiProduces } from '@nestjs/swagger';

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
        `${list}\n\nComment lines (\`: ping\`) are heartbeats. The stream ends after at most 15 minutes ` +
        '(and when the api shuts down); EventSource reconnects by itself, presenting the credentials again. ' +
        'Events published while a client is disconnected are not replayed: re-read the resource after reconnecting.',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    }),
  );
}
