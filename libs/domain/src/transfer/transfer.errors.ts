import { DomainError, NotFoundError } from '@labwire/core';

/** The export's document is not there: its job has not succeeded (yet). */
export class ExportNotReadyError extends DomainError {
  constructor(jobId: string, status: string) {
    super('EXPORT_NOT_READY', `The export ${jobId} is ${status}; its document can be downloaded once it succeeded`);
  }
}

export class ExportNotFoundError extends NotFoundError {
  constructor(jobId: string) {
    super('JOB_NOT_FOUND', 'Export job', jobId);
  }
}

/** The document is not a Labwire export, or some of its lines are not valid (each one listed). */
export class ImportDocumentInvalidError extends DomainError {
  constructor(message: string, errors: Array<{ line: number; message: string }> = []) {
    super(
      'IMPORT_DOCUMENT_INVALID',
      message,
      errors.slice(0, 100).map((e) => ({ field: `line ${e.line}`, message: e.message })),
    );
  }
}

/** A document of a version this Labwire does not know (written by a newer one). */
export class ImportVersionUnsupportedError extends DomainError {
  constructor(version: unknown, supported: number) {
    super(
      'IMPORT_VERSION_UNSUPPORTED',
      `The document is a labwire.export of version ${String(version)}; this Labwire reads version ${supported} ` +
        'and older. Upgrade Labwire to import it, or export it again from a Labwire of the same version.',
    );
  }
}

/** A unique value of the document exists in the workspace and the import said onConflict=fail. */
export class ImportConflictError extends DomainError {
  constructor(type: string, field: string, value: string) {
    super('IMPORT_CONFLICT', `The workspace already has a ${type} with ${field} "${value}" (onConflict=fail)`);
  }
}
