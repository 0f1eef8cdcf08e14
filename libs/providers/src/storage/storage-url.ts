import { isAbsolute, resolve } from 'node:path';

export interface FileStorageLocation {
  kind: 'file';
  /** absolute directory */
  root: string;
}

export interface S3StorageLocation {
  kind: 's3';
  bucket: string;
  /** key prefix inside the bucket, without leading or trailing slashes ('' for none) */
  prefix: string;
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
}

export type StorageLocation = FileStorageLocation | S3StorageLocation;

/**
 * STORAGE_URL: `file://<path>` (relative paths from the working directory: `file://./.data/storage`;
 * absolute ones `file:///var/lib/labwire`) or `s3://<bucket>[/<prefix>][?endpoint=…&region=…&forcePathStyle=true]`.
 * S3 credentials are not part of the URL: the AWS SDK reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
 * (AWS_SESSION_TOKEN, AWS_PROFILE, …) as usual, and AWS_REGION when the URL names no region.
 */
export function parseStorageUrl(value: string, cwd = process.cwd()): StorageLocation {
  if (value.startsWith('file://')) {
    const path = decodeURIComponent(value.slice('file://'.length).replace(/[?#].*$/, ''));
    if (!path) throw new Error('STORAGE_URL: file:// needs a path, e.g. file://./.data/storage');
    return { kind: 'file', root: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (value.startsWith('s3://')) {
    const url = new URL(value);
    if (!url.hostname) throw new Error('STORAGE_URL: s3:// needs a bucket, e.g. s3://labwire-data');
    const known = new Set(['endpoint', 'region', 'forcePathStyle']);
    const unknown = [...url.searchParams.keys()].filter((k) => !known.has(k));
    if (unknown.length) throw new Error(`STORAGE_URL: unknown option(s) ${unknown.join(', ')}`);
    const endpoint = url.searchParams.get('endpoint') ?? undefined;
    if (endpoint && !/^https?:\/\//.test(endpoint)) {
      throw new Error('STORAGE_URL: endpoint must be an http:// or https:// URL');
    }
    const forcePathStyle = url.searchParams.get('forcePathStyle');
    if (forcePathStyle !== null && forcePathStyle !== 'true' && forcePathStyle !== 'false') {
      throw new Error('STORAGE_URL: forcePathStyle is true or false');
    }
    return {
      kind: 's3',
      bucket: url.hostname,
      prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ''),
      endpoint,
      region: url.searchParams.get('region') ?? undefined,
      forcePathStyle: forcePathStyle === 'true',
    };
  }
  throw new Error(`STORAGE_URL: expected file://… or s3://…, got "${value}"`);
}
