import { Readable } from 'node:stream';

/** Injection token of the process's ObjectStorage (chosen by STORAGE_URL). */
export const OBJECT_STORAGE = Symbol('OBJECT_STORAGE');

/** What a stored object belongs to: a workspace and the id of the thing it is the content of. */
export interface StorageKey {
  workspaceId: string;
  id: string;
}

/**
 * Where uploaded files live: local files or an S3-compatible bucket. Objects are written from a stream
 * (never held whole in memory) and are either stored completely or not at all: a body that fails
 * midway leaves nothing behind.
 */
export interface ObjectStorage {
  /** `file` or `s3`, for logs and readiness */
  readonly kind: string;
  /** Stores the stream's bytes under the key, replacing what was there; rejects if the stream fails. */
  put(key: StorageKey, body: Readable, contentType?: string): Promise<void>;
  /** The object's bytes; StorageObjectNotFoundError when there is none. */
  get(key: StorageKey): Promise<Readable>;
  /** Removes the object; nothing happens when there is none. */
  delete(key: StorageKey): Promise<void>;
  exists(key: StorageKey): Promise<boolean>;
}

/** The stored object a key names does not exist (deleted, or never fully written). */
export class StorageObjectNotFoundError extends Error {
  constructor(key: StorageKey) {
    super(`no stored object for ${objectName(key)}`);
    this.name = 'StorageObjectNotFoundError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The object's name inside the store: `workspaces/<workspaceId>/<id>`. Both parts must be UUIDs, so
 * a key can never name a path outside its workspace's folder.
 */
export function objectName(key: StorageKey): string {
  if (!UUID.test(key.workspaceId) || !UUID.test(key.id)) {
    throw new Error(`storage keys are UUIDs, got ${JSON.stringify(key)}`);
  }
  return `workspaces/${key.workspaceId.toLowerCase()}/${key.id.toLowerCase()}`;
}
