/** A version as a strong entity tag: `"3"`. */
export function versionETag(version: number): string {
  return `"${version}"`;
}

/**
 * The version an If-Match header asks for: undefined when absent or `*` (no precondition), NaN
 * when it names no version of ours (so it can never match and the write is refused with 412).
 */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '' || value.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(value);
  return match ? Number(match[1]) : Number.NaN;
}

export const ETAG_RESPONSE_HEADER = {
  ETag: {
    description: 'The version of the resource; send it back in If-Match to update safely',
    schema: { type: 'string' },
  },
} as const;
