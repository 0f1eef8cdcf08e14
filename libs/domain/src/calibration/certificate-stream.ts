import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CalibrationCertificateTooLargeError } from './calibration.errors';

/** What passed through a MeteredStream: filled in once the stream has ended. */
export interface Metered {
  size: number;
  sha256: string;
  tooLarge: boolean;
}

/**
 * Passes the upload through while counting and hashing it; past `limit` bytes the stream fails with
 * CalibrationCertificateTooLargeError (the storage then keeps nothing).
 */
export function metered(source: Readable, limit: number): { body: Readable; result: Metered } {
  const hash = createHash('sha256');
  const result: Metered = { size: 0, sha256: '', tooLarge: false };
  async function* pass(): AsyncGenerator<Buffer> {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      result.size += chunk.length;
      if (result.size > limit) {
        result.tooLarge = true;
        throw new CalibrationCertificateTooLargeError(limit);
      }
      hash.update(chunk);
      yield chunk;
    }
    result.sha256 = hash.digest('hex');
  }
  return { body: Readable.from(pass()), result };
}
