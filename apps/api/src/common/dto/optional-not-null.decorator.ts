import { ValidateIf } from 'class-validator';

/**
 * Like @IsOptional() for PATCH bodies, but only `undefined` skips validation: an explicit `null` for
 * a field that cannot be empty is rejected by the field's other validators instead of reaching SQL.
 */
export const IsOptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);
