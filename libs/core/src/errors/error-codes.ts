/**
 * Every stable error code Labwire answers with. Values are part of the public contract: add, never
 * rename. The api's problem filter maps each one to an HTTP status with an exhaustive switch.
 */
export const ErrorCodes = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'ACCOUNT_PENDING',
  'ACCOUNT_DISABLED',
  'ACCOUNT_LOCKED',
  'TOO_MANY_REQUESTS',
  'REFRESH_TOKEN_INVALID',
  'REGISTRATION_CLOSED',
  'FORBIDDEN',
  'EMAIL_TAKEN',
  'USER_NOT_FOUND',
  'LAST_ADMIN',
  'WEAK_PASSWORD',
  'API_KEY_NOT_FOUND',
  'WORKSPACE_NOT_FOUND',
  'MEMBER_NOT_FOUND',
  'MEMBER_EXISTS',
  'LAST_OWNER',
  'LOCATION_NOT_FOUND',
  'LOCATION_NAME_TAKEN',
  'LOCATION_NOT_EMPTY',
  'INSTRUMENT_NOT_FOUND',
  'INSTRUMENT_SERIAL_TAKEN',
  'VERSION_MISMATCH',
  'BROKER_UNAVAILABLE',
  'BROKER_REJECTED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];
