import { DomainError, NotFoundError } from '@labwire/core';

export class CalibrationNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('CALIBRATION_NOT_FOUND', 'Calibration record', id);
  }
}

/** The record exists but was entered without a certificate (or its file is gone from storage). */
export class CalibrationCertificateNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('CALIBRATION_CERTIFICATE_NOT_FOUND', 'The certificate of calibration record', id);
  }
}

export class CalibrationCertificateTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `The certificate exceeds the limit of ${limitBytes} bytes (DATASOURCE_MAX_BYTES)`,
      [{ field: 'certificate', message: `larger than ${limitBytes} bytes` }],
      { limitBytes },
    );
  }
}

export class MaintenanceWindowNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('MAINTENANCE_WINDOW_NOT_FOUND', 'Maintenance window', id);
  }
}
