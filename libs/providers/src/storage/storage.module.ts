import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { LocalFileStorage } from './local-file-storage';
import { OBJECT_STORAGE, ObjectStorage } from './object-storage';
import { createS3Client, S3Storage } from './s3-storage';
import { parseStorageUrl } from './storage-url';

/** The ObjectStorage STORAGE_URL names. */
export function createObjectStorage(storageUrl: string): ObjectStorage {
  const location = parseStorageUrl(storageUrl);
  return location.kind === 'file'
    ? new LocalFileStorage(location.root)
    : new S3Storage(createS3Client(location), location);
}

/** Provides OBJECT_STORAGE from STORAGE_URL, for api (uploads) and worker (ingestion). */
@Global()
@Module({
  providers: [
    {
      provide: OBJECT_STORAGE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): ObjectStorage => createObjectStorage(config.storage.url),
    },
  ],
  exports: [OBJECT_STORAGE],
})
export class StorageModule {}
