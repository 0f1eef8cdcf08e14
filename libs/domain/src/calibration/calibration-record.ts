import { CalibrationResult } from '../instruments/instrument.entity';

/** The certificate a calibration record carries, stored in object storage under the record's id. */
export interface CalibrationCertificate {
  filename: string;
  mediaType: string;
  size: number;
  /** hex SHA-256 of the stored bytes */
  sha256: string;
}

/** One calibration of an instrument (a row of `instrument_calibrations`). Records are never changed. */
export interface CalibrationRecord {
  id: string;
  workspaceId: string;
  instrumentId: string;
  performedAt: Date;
  /** who calibrated: a person or a service provider, as written on the certificate */
  performedBy: string;
  result: CalibrationResult;
  nextDueAt: Date | null;
  notes: string | null;
  certificate: CalibrationCertificate | null;
  /** the Labwire user who entered the record */
  createdBy: string | null;
  createdAt: Date;
}
