import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LocalFileStorage } from './local-file-storage';
import { objectName, StorageObjectNotFoundError } from './object-storage';
import { S3Storage } from './s3-storage';
import { parseStorageUrl } from './storage-url';

const key = { workspaceId: '6b1f0c52-0000-4000-8000-000000000001', id: '2a7c0c52-0000-4000-8000-000000000002' };

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('STORAGE_URL', () => {
  it('reads file:// paths, relative or absolute', () => {
    expect(parseStorageUrl('file://./.data/storage', '/srv/labwire')).toEqual({
      kind: 'file',
      root: '/srv/labwire/.data/storage',
    });
    expect(parseStorageUrl('file:///var/lib/labwire')).toEqual({ kind: 'file', root: '/var/lib/labwire' });
  });

  it('reads s3:// buckets, prefixes and options', () => {
    expect(
      parseStorageUrl('s3://lab-data/uploads/prod/?endpoint=http://minio:9000&region=eu-west-1&forcePathStyle=true'),
    ).toEqual({
      kind: 's3',
      bucket: 'lab-data',
      prefix: 'uploads/prod',
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    expect(parseStorageUrl('s3://lab-data')).toMatchObject({ bucket: 'lab-data', prefix: '', forcePathStyle: false });
    expect(() => parseStorageUrl('s3://b?acl=public')).toThrow(/unknown option/);
    expect(() => parseStorageUrl('s3://b?endpoint=minio:9000')).toThrow(/endpoint/);
    expect(() => parseStorageUrl('gs://bucket')).toThrow(/expected file/);
  });

  it('names objects by workspace and id, and only UUIDs', () => {
    expect(objectName(key)).toBe(`workspaces/${key.workspaceId}/${key.id}`);
    expect(() => objectName({ workspaceId: key.workspaceId, id: '../../etc/passwd' })).toThrow(/UUIDs/);
  });
});

describe('LocalFileStorage', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'labwire-files-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('puts, gets, checks and deletes', async () => {
    const storage = new LocalFileStorage(root);
    expect(await storage.exists(key)).toBe(false);
    await storage.put(key, Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    expect(await storage.exists(key)).toBe(true);
    expect(await text(await storage.get(key))).toBe('hello world');
    await storage.delete(key);
    await storage.delete(key);
    expect(await storage.exists(key)).toBe(false);
    await expect(storage.get(key)).rejects.toBeInstanceOf(StorageObjectNotFoundError);
  });

  it('leaves nothing behind when the body fails midway', async () => {
    const storage = new LocalFileStorage(root);
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from('partial');
        throw new Error('client went away');
      })(),
    );
    await expect(storage.put(key, failing)).rejects.toThrow('client went away');
    expect(readdirSync(join(root, 'workspaces', key.workspaceId))).toEqual([]);
  });
});

describe('S3Storage', () => {
  /** An S3 client that records the commands it is sent and answers from `reply`. */
  function fakeClient(reply: (command: unknown) => unknown) {
    const sent: unknown[] = [];
    const client = {
      send: async (command: unknown) => {
        sent.push(command);
        return reply(command);
      },
    } as unknown as S3Client;
    return { client, sent };
  }

  it('addresses objects under the prefix and maps missing keys', async () => {
    const notFound = Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    const { client, sent } = fakeClient((command) => {
      if (command instanceof HeadObjectCommand) throw notFound;
      if (command instanceof GetObjectCommand) return { Body: Readable.from([Buffer.from('stored')]) };
      return {};
    });
    const storage = new S3Storage(client, { bucket: 'lab', prefix: 'uploads' });
    expect(await storage.exists(key)).toBe(false);
    expect(await text(await storage.get(key))).toBe('stored');
    await storage.delete(key);
    const inputs = sent.map((c) => (c as { input: { Bucket: string; Key: string } }).input);
    expect(inputs).toEqual(Array(3).fill({ Bucket: 'lab', Key: `uploads/workspaces/${key.workspaceId}/${key.id}` }));
    expect(sent[2]).toBeInstanceOf(DeleteObjectCommand);

    const missing = new S3Storage(
      fakeClient(() => {
        throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      }).client,
      { bucket: 'lab', prefix: '' },
    );
    await expect(missing.get(key)).rejects.toBeInstanceOf(StorageObjectNotFoundError);
  });
});
