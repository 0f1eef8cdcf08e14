import { IncomingMessage } from 'node:http';

/** A body larger than the reader allows; `declared` when Content-Length already said so. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    readonly declared?: number,
  ) {
    super(
      declared !== undefined
        ? `${declared} bytes, more than the limit of ${limit}`
        : `more than the limit of ${limit} bytes`,
    );
  }
}

/**
 * Reads a response body of at most `maxBytes`: a Content-Length over the limit is refused before
 * reading, and the bytes are counted as they arrive, so a server streaming an endless answer cannot
 * fill memory. Over the limit the response is destroyed and BodyTooLargeError thrown; a stream error
 * is thrown as it is.
 */
export async function readBoundedBody(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw new BodyTooLargeError(maxBytes, declared);
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > maxBytes) {
      response.destroy();
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The first `maxBytes` of a response body, for a log or an error message: reading stops (and the
 * response is destroyed) once that much arrived, and a body cut off by a stream error yields what
 * came before it.
 */
export async function readBodyExcerpt(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= maxBytes) {
        response.destroy();
        break;
      }
    }
  } catch {
    // an excerpt: what arrived before the error is all there is
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}
