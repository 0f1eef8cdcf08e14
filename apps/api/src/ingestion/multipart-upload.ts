import { Type } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { findUnstorableJson, ValidationError } from '@labwire/core';
import { DatasourceUpload } from '@labwire/domain';
import { createValidationPipe } from '../common/validation.pipe';
import { UploadFieldsDto } from './dto/create-datasource.dto';

const pipe = createValidationPipe();

/** Validates a plain object against a DTO class as the global pipe does (400 naming each field). */
export async function validated<T extends object>(type: Type<T>, value: unknown): Promise<T> {
  return (await pipe.transform(value, { type: 'body', metatype: type })) as T;
}

/**
 * Reads a multipart upload: the form fields that come before the file, then the `file` part, handed
 * to `consume` as a stream while it is still arriving. Parts after the file are not read. The file
 * is cut one byte past the configured limit (see createApiApp), which `consume` reports as 413.
 */
export async function readUpload<R>(
  request: FastifyRequest,
  consume: (upload: DatasourceUpload) => Promise<R>,
): Promise<R> {
  const fields: Record<string, string> = {};
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      if (typeof part.value !== 'string') throw new ValidationError(`Field ${part.fieldname} must be text`);
      fields[part.fieldname] = part.value;
      continue;
    }
    if (part.fieldname !== 'file') {
      throw new ValidationError(`The file part must be named "file", not "${part.fieldname}"`, [
        { field: part.fieldname, message: 'unexpected file part' },
      ]);
    }
    const dto = await validated(UploadFieldsDto, fields);
    // the file name may become the data source's name: refused like a field before a byte is stored
    const unstorable = findUnstorableJson(part.filename);
    if (unstorable) {
      throw new ValidationError(`Request is invalid: the file name ${unstorable.problem}`, [
        { field: 'file', message: `the file name ${unstorable.problem}` },
      ]);
    }
    return consume({
      stream: part.file,
      filename: part.filename,
      mediaType: part.mimetype,
      type: dto.type,
      name: dto.name,
      textColumn: dto.textColumn,
      textField: dto.textField,
      split: dto.split,
      delimiter: dto.delimiter,
      classifySchemeId: dto.classifySchemeId ?? null,
    });
  }
  throw new ValidationError('The upload has no file: send it as the form part named "file"', [
    { field: 'file', message: 'missing' },
  ]);
}
