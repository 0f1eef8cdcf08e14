import type { FastifyRequest } from 'fastify';
import { findUnstorableJson, ValidationError } from '@labwire/core';
import { CalibrationInput, CertificateUpload } from '@labwire/domain';
import { validated } from '../ingestion/multipart-upload';
import { CreateCalibrationDto } from './dto/create-calibration.dto';

export function toCalibrationInput(dto: CreateCalibrationDto): CalibrationInput {
  return {
    performedAt: new Date(dto.performedAt),
    performedBy: dto.performedBy,
    result: dto.result,
    nextDueAt: dto.nextDueAt ? new Date(dto.nextDueAt) : null,
    notes: dto.notes ?? null,
  };
}

/**
 * Reads a calibration sent as multipart/form-data: the record's fields first (validated like the JSON
 * body, before a byte of the file is stored), then an optional `certificate` file part, handed to
 * `consume` as a stream while it is still arriving. Parts after the file are not read.
 */
export async function readCalibrationUpload<R>(
  request: FastifyRequest,
  consume: (input: CalibrationInput, certificate?: CertificateUpload) => Promise<R>,
): Promise<R> {
  const fields: Record<string, string> = {};
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      if (typeof part.value !== 'string') throw new ValidationError(`Field ${part.fieldname} must be text`);
      fields[part.fieldname] = part.value;
      continue;
    }
    if (part.fieldname !== 'certificate') {
      throw new ValidationError(`The file part must be named "certificate", not "${part.fieldname}"`, [
        { field: part.fieldname, message: 'unexpected file part' },
      ]);
    }
    const dto = await validated(CreateCalibrationDto, fields);
    const unstorable = findUnstorableJson(part.filename);
    if (unstorable) {
      throw new ValidationError(`Request is invalid: the file name ${unstorable.problem}`, [
        { field: 'certificate', message: `the file name ${unstorable.problem}` },
      ]);
    }
    return consume(toCalibrationInput(dto), {
      stream: part.file,
      filename: part.filename,
      mediaType: part.mimetype,
    });
  }
  return consume(toCalibrationInput(await validated(CreateCalibrationDto, fields)));
}
