import { ContentSniff } from '@labwire/providers';
import { FILE_DATASOURCE_TYPES, FileDatasourceType } from './datasource';
import { UnsupportedContentError } from './ingestion.errors';

const EXTENSIONS: Record<string, FileDatasourceType> = {
  csv: 'csv',
  tsv: 'csv',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  txt: 'text',
  text: 'text',
  md: 'text',
  log: 'text',
  pdf: 'pdf',
};

const MEDIA_TYPES: Record<string, FileDatasourceType> = {
  'text/csv': 'csv',
  'text/tab-separated-values': 'csv',
  'application/csv': 'csv',
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/x-jsonlines': 'ndjson',
  'text/plain': 'text',
  'text/markdown': 'text',
  'application/pdf': 'pdf',
};

export function isFileDatasourceType(value: string): value is FileDatasourceType {
  return (FILE_DATASOURCE_TYPES as readonly string[]).includes(value);
}

/** What the upload says it is: the `type` field, else the file name's extension, else its media type. */
export function declaredType(
  explicit: FileDatasourceType | undefined,
  filename: string | undefined,
  mediaType: string | undefined,
): { type?: FileDatasourceType; from?: string } {
  if (explicit) return { type: explicit, from: 'the type field' };
  const ext = /\.([a-z0-9]+)$/i.exec(filename ?? '')?.[1]?.toLowerCase();
  if (ext && EXTENSIONS[ext]) return { type: EXTENSIONS[ext], from: `the extension .${ext}` };
  const media = mediaType?.split(';')[0].trim().toLowerCase();
  if (media && MEDIA_TYPES[media]) return { type: MEDIA_TYPES[media], from: `the media type ${media}` };
  return {};
}

/** What the content is, when nothing is declared. */
function detected(sniff: ContentSniff): FileDatasourceType | undefined {
  if (sniff.pdf) return 'pdf';
  if (!sniff.text) return undefined;
  if (sniff.json) return 'json';
  return sniff.csvDelimiter ? 'csv' : 'text';
}

function agrees(type: FileDatasourceType, sniff: ContentSniff): boolean {
  switch (type) {
    case 'pdf':
      return sniff.pdf;
    case 'json':
    case 'ndjson':
      return sniff.text && sniff.json !== null;
    case 'csv':
      return sniff.text && sniff.json === null;
    case 'text':
      return sniff.text;
  }
}

function describe(sniff: ContentSniff): string {
  if (sniff.pdf) return 'a PDF';
  if (!sniff.text) return 'binary data (not UTF-8 text)';
  if (sniff.json) return 'JSON';
  return sniff.csvDelimiter ? 'delimited text (CSV)' : 'plain text';
}

/**
 * The type of an upload, from its first bytes and what it declares: the content must be what is
 * declared (a PDF signature, UTF-8 text, JSON opening with `[` or `{`), and with nothing declared the
 * content decides. Anything else is 415 UNSUPPORTED_MEDIA_TYPE.
 */
export function resolveFileType(
  declared: { type?: FileDatasourceType; from?: string },
  sniff: ContentSniff,
): FileDatasourceType {
  const content = detected(sniff);
  if (declared.type) {
    if (agrees(declared.type, sniff)) return declared.type;
    throw new UnsupportedContentError(`The file is ${describe(sniff)}, but ${declared.from} says ${declared.type}`, {
      declaredType: declared.type,
      ...(content && { detectedType: content }),
    });
  }
  if (!content) {
    throw new UnsupportedContentError(
      `The file is ${describe(sniff)}; data sources are CSV, JSON, NDJSON, UTF-8 text or PDF`,
      {},
    );
  }
  return content;
}
