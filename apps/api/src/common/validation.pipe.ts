import { ArgumentMetadata, ValidationError as ClassValidatorError, ValidationPipe } from '@nestjs/common';
import { FieldError, findUnstorableJson, ValidationError } from '@labwire/core';

function flatten(errors: ClassValidatorError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ field, message });
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/**
 * The global ValidationPipe, which first refuses bodies and query strings that PostgreSQL could not
 * store: a NUL character (U+0000) anywhere, or JSON nested deeper than MAX_STORED_JSON_DEPTH. Checked
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
          { field, message: unstorable.problem },
        ]);
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * Rejects unknown fields (so a body carrying `role` or `workspaceId` is a 400 and nothing is
 * applied), converts query strings to the declared types, and reports every field that failed.
 */
export function createValidationPipe(): ValidationPipe {
  return new StorableInputValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new ValidationError(
        `Request is invalid: ${fields.map((f) => `${f.field} (${f.message})`).join('; ')}`,
        fields,
      );
    },
  });
}
