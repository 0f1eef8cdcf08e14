import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ObjectStorage, objectName, StorageKey, StorageObjectNotFoundError } from './object-storage';
import { S3StorageLocation } from './storage-url';

/** Builds the client of an `s3://` STORAGE_URL; credentials come from the SDK's default chain (AWS_* variables). */
export function createS3Client(location: S3StorageLocation): S3Client {
  return new S3Client({
    region: location.region ?? process.env.AWS_REGION ?? 'us-east-1',
    endpoint: location.endpoint,
    forcePathStyle: location.forcePathStyle,
  });
}

function isNotFound(err: unknown): boolean {
  if (err instanceof NoSuchKey || err instanceof NotFound) return true;
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2…), under `<prefix>/workspaces/<workspaceId>/<id>`.
 * Puts stream through lib-storage's multipart Upload (parts of 8 MiB, a few at a time), which aborts
 * the multipart upload when the body fails: a failed put leaves no object.
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3';

  constructor(
    private readonly client: S3Client,
    private readonly location: Pick<S3StorageLocation, 'bucket' | 'prefix'>,
  ) {}

  private objectKey(key: StorageKey): string {
    const name = objectName(key);
    return this.location.prefix ? `${this.location.prefix}/${name}` : name;
  }

  async put(key: StorageKey, body: Readable, contentType?: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.location.bucket,
        Key: this.objectKey(key),
        Body: body,
        ContentType: contentType ?? 'application/octet-stream',
      },
      queueSize: 2,
      partSize: 8 * 1024 * 1024,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: StorageKey): Promise<Readable> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }),
      );
      if (!(out.Body instanceof Readable)) throw new Error('the S3 client returned no readable body');
      return out.Body;
    } catch (err) {
      if (isNotFound(err)) throw new StorageObjectNotFoundError(key);
      throw err;
    }
  }

  async delete(key: StorageKey): Promise<void> {
    // S3 answers a delete of a missing key with success
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
  }

  async exists(key: StorageKey): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
