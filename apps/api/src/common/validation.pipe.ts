import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { findUnstorableJson, ValidationError } from '@labwire/core';
import { fieldErrors } from './validation-messages';

/**
 * The global ValidationPipe, which first refuses bodies and query strings that PostgreSQL could not
 * store: a NUL character (U+0000) or a lone UTF-16 surrogate anywhere, or JSON nested deeper than
 * MAX_STORED_JSON_DEPTH. Checked
 * here, once for every route (the raw bodies of backfills and uploads' form fields included), they are
 * a 400 naming the field before anything is written, rather than a 500 after part of the work.
 */
class StorableInputValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const unstorable = findUnstorableJson(value);
      if (unstorable) {
        const field = unstorable.path || metadata.type;
        throw new ValidationError(`Request is invalid: ${field} ${unstorable.problem}`, [
          { field, message: `${field} ${unstorable.problem}` },
        ]);
      }
    }
    // A DTO body must be a JSON object: an array or a bare string would otherwise be reported as
    // its indexes being unknown fields, or as every field missing.
    if (metadata.type === 'body' && value !== undefined && this.toValidate(metadata) && !isJsonObject(value)) {
      const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      throw new ValidationError(`Request is invalid: the body must be a JSON object (got ${got})`, [
        { field: 'body', message: `the body must be a JSON object (got ${got})` },
      ]);
    }
    return super.transform(value, metadata);
  }
}

const isJsonObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Rejects unknown fields (so a body carrying `role` or `workspaceId` is a 400 and nothing is
 * applied), converts query strings to the declared types, and reports every field that failed, one
 * message each (see fieldErrors). The value is kept on class-validator's errors only to say what kind
 * of value a field got; it never reaches a message.
 */
export function createValidationPipe(): ValidationPipe {
  return new StorableInputValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => {
      const fields = fieldErrors(errors);
      return new ValidationError(`Request is invalid: ${fields.map((f) => f.message).join('; ')}`, fields);
    },
  });
}
