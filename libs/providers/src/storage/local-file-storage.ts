import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectStorage, objectName, StorageKey, StorageObjectNotFoundError } from './object-storage';

/**
 * Objects as files under one directory (`<root>/workspaces/<workspaceId>/<id>`). A put writes a
 * temporary file next to the target and renames it into place once the stream has ended, so a reader
 * never sees half a file and a failed upload leaves nothing.
 */
export class LocalFileStorage implements ObjectStorage {
  readonly kind = 'file';

  constructor(private readonly root: string) {}

  private path(key: StorageKey): string {
    return join(this.root, objectName(key));
  }

  async put(key: StorageKey, body: Readable): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const partial = `${target}.${randomBytes(6).toString('hex')}.partial`;
    try {
      await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  async get(key: StorageKey): Promise<Readable> {
    const path = this.path(key);
    // Opening first turns a missing file into our error instead of a stream error later.
    const stream = createReadStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' ? new StorageObjectNotFoundError(key) : err),
      );
    });
    return stream;
  }

  async delete(key: StorageKey): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async exists(key: StorageKey): Promise<boolean> {
    try {
      return (await stat(this.path(key))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}
