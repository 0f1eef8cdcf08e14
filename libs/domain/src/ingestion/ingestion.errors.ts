import { DomainError, NotFoundError } from '@labwire/core';

export class DatasourceNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('DATASOURCE_NOT_FOUND', 'Data source', id);
  }
}

export class RecordNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('RECORD_NOT_FOUND', 'Record', id);
  }
}

/** The content is not what its name, media type or declared type say, or not a type Labwire reads. */
export class UnsupportedContentError extends DomainError {
  constructor(message: string, meta: { declaredType?: string; detectedType?: string }) {
    super('UNSUPPORTED_MEDIA_TYPE', message, undefined, meta);
  }
}

export class DatasourceTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', `The file exceeds the limit of ${limitBytes} bytes (DATASOURCE_MAX_BYTES)`, undefined, {
      limitBytes,
    });
  }
}

/** An ingestion of the data source is queued or running. */
export class DatasourceBusyError extends DomainError {
  constructor(id: string, jobId: string) {
    super(
      'DATASOURCE_BUSY',
      `Data source ${id} is being ingested (job ${jobId}); wait for it or cancel it`,
      undefined,
      {
        jobId,
      },
    );
  }
}

/**
 * An ingestion that cannot succeed however often it runs: the source is unreadable past some point,
 * holds nothing, or too many of its rows are bad. Fails the job at once (no retry).
 */
export class IngestionRejectedError extends DomainError {
  constructor(message: string) {
    super('VALIDATION_FAILED', message);
  }
}
