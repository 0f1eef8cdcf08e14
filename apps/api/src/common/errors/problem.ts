import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, ErrorCode, FieldError } from '@labwire/core';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  requestId?: string;
  [extra: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The HTTP status of every error code. Exhaustive: a new code that is not mapped does not compile. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'WEAK_PASSWORD':
    case 'MALFORMED_JSON':
    case 'REFRESH_TOKEN_INVALID':
    case 'EMAIL_TOKEN_INVALID':
    case 'RESET_TOKEN_INVALID':
    case 'INVITATION_INVALID':
    case 'ALERT_RULE_SCOPE_EMPTY':
      return HttpStatus.BAD_REQUEST;
    case 'IMPORT_DOCUMENT_INVALID':
    case 'IMPORT_VERSION_UNSUPPORTED':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'UNAUTHENTICATED':
    case 'INVALID_CREDENTIALS':
      return HttpStatus.UNAUTHORIZED;
    case 'ACCOUNT_PENDING':
    case 'ACCOUNT_DISABLED':
    case 'REGISTRATION_CLOSED':
    case 'FORBIDDEN':
    case 'SESSION_REQUIRED':
      return HttpStatus.FORBIDDEN;
    case 'ROUTE_NOT_FOUND':
    case 'USER_NOT_FOUND':
    case 'API_KEY_NOT_FOUND':
    case 'WORKSPACE_NOT_FOUND':
    case 'MEMBER_NOT_FOUND':
    case 'LOCATION_NOT_FOUND':
    case 'INSTRUMENT_NOT_FOUND':
    case 'COMMAND_NOT_FOUND':
    case 'ALERT_CONFIG_NOT_FOUND':
    case 'ALERT_NOT_FOUND':
    case 'ALERT_SILENCE_NOT_FOUND':
    case 'JOB_NOT_FOUND':
    case 'QUEUE_NOT_FOUND':
    case 'DATASOURCE_NOT_FOUND':
    case 'RECORD_NOT_FOUND':
    case 'CLASSIFICATION_SCHEME_NOT_FOUND':
    case 'CLASSIFICATION_SCHEME_VERSION_NOT_FOUND':
    case 'NOTIFICATION_CHANNEL_NOT_FOUND':
    case 'NOTIFICATION_DELIVERY_NOT_FOUND':
    case 'INVITATION_NOT_FOUND':
    case 'PROTOCOL_NOT_FOUND':
    case 'PROTOCOL_VERSION_NOT_FOUND':
    case 'EXPERIMENT_NOT_FOUND':
    case 'CALIBRATION_NOT_FOUND':
    case 'CALIBRATION_CERTIFICATE_NOT_FOUND':
    case 'MAINTENANCE_WINDOW_NOT_FOUND':
    case 'SCHEDULE_NOT_FOUND':
    case 'SCHEDULE_EXPORT_NOT_FOUND':
    case 'SHARE_LINK_NOT_FOUND':
    case 'ALERT_RULE_NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'METHOD_NOT_ALLOWED':
      return HttpStatus.METHOD_NOT_ALLOWED;
    case 'EMAIL_TAKEN':
    case 'LAST_ADMIN':
    case 'MEMBER_EXISTS':
    case 'LAST_OWNER':
    case 'LOCATION_NAME_TAKEN':
    case 'LOCATION_NOT_EMPTY':
    case 'INSTRUMENT_SERIAL_TAKEN':
    case 'COMMAND_NOT_CANCELLABLE':
    case 'ALERT_CONFIG_KEY_TAKEN':
    case 'ALERT_RESOLVED':
    case 'IDEMPOTENCY_KEY_REUSED':
    case 'JOB_NOT_CANCELLABLE':
    case 'JOB_NOT_RETRYABLE':
    case 'DATASOURCE_BUSY':
    case 'CLASSIFICATION_SCHEME_NAME_TAKEN':
    case 'CLASSIFICATION_SCHEME_IN_USE':
    case 'NOTIFICATION_CHANNEL_NAME_TAKEN':
    case 'INVITATION_NOT_PENDING':
    case 'SCHEDULE_LIMIT_REACHED':
    case 'SCHEDULE_RUN_OVERLAP':
    case 'SCHEDULE_SUSPENDED':
    case 'EXPORT_NOT_READY':
    case 'IMPORT_CONFLICT':
    case 'PROTOCOL_NAME_TAKEN':
    case 'PROTOCOL_IN_USE':
    case 'EXPERIMENT_STATE_CONFLICT':
    case 'INSTRUMENT_BUSY':
    case 'INSTRUMENT_NOT_QUALIFIED':
      return HttpStatus.CONFLICT;
    case 'VERSION_MISMATCH':
      return HttpStatus.PRECONDITION_FAILED;
    case 'PAYLOAD_TOO_LARGE':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case 'REQUEST_TIMEOUT':
      return HttpStatus.REQUEST_TIMEOUT;
    case 'REQUEST_HEADERS_TOO_LARGE':
      return 431;
    case 'ACCOUNT_LOCKED':
    case 'TOO_MANY_REQUESTS':
    case 'TOO_MANY_STREAMS':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'SERVICE_UNAVAILABLE':
    case 'BROKER_UNAVAILABLE':
    case 'SECRETS_KEY_MISSING':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'BROKER_REJECTED':
    case 'CLASSIFICATION_PROVIDER_FAILED':
    case 'MAIL_DELIVERY_FAILED':
      return HttpStatus.BAD_GATEWAY;
    case 'MAIL_TEMPLATE_INVALID':
    case 'INTERNAL_ERROR':
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

function problem(code: ErrorCode, detail: string, extra: Partial<Problem> = {}): Problem {
  const status = statusOf(code);
  // Extras (a domain error's meta) come first: one named like a problem field (`status`) cannot
  // replace it, which would break the response.
  return {
    ...extra,
    type: `https://labwire.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
  };
}

/** Framework-level failures (from Fastify or Nest) by HTTP status. */
function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'VALIDATION_FAILED';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'ROUTE_NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'TOO_MANY_REQUESTS';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED';
  }
}

/** The body types a route takes, and the Content-Type a request came with (for a 415). */
export interface BodyTypes {
  accepted: readonly string[];
  received?: string;
}

/** A body of a type the route does not parse: says which type it got and names the ones it takes. */
function unsupportedMediaType({ accepted, received }: BodyTypes): Problem {
  const mediaType = received?.split(';')[0].trim();
  const sent = mediaType
    ? `Content-Type ${mediaType} is not accepted here`
    : 'The request has a body but no Content-Type';
  return problem(
    'UNSUPPORTED_MEDIA_TYPE',
    `${sent}: this route takes ${accepted.join(' or ')} (send the header Content-Type: ${accepted[0]})`,
    { acceptedContentTypes: [...accepted] },
  );
}

interface FastifyLikeError {
  statusCode?: number;
  message?: string;
}

/**
 * Turns anything thrown into a problem document. Returns `expected: false` for errors that were not
 * raised on purpose; those are logged with the request id and answered as a bare 500.
 */
export function toProblem(
  error: unknown,
  bodyLimitBytes: number,
  body: BodyTypes = { accepted: ['application/json'] },
): { problem: Problem; expected: boolean } {
  if (error instanceof DomainError) {
    return { problem: problem(error.code, error.message, { errors: error.errors, ...error.meta }), expected: true };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    // Nest turns Fastify's own failures (body parsing, limits) into bare HttpExceptions.
    if (status === 413) {
      return {
        problem: problem('PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${bodyLimitBytes} bytes`, {
          limitBytes: bodyLimitBytes,
        }),
        expected: true,
      };
    }
    if (status === 400 && error.constructor === HttpException && /JSON|body/i.test(error.message)) {
      return { problem: problem('MALFORMED_JSON', `Request body is not valid JSON: ${error.message}`), expected: true };
    }
    if (status === 415) return { problem: unsupportedMediaType(body), expected: true };
    const code = codeForStatus(status);
    const detail =
      code === 'ROUTE_NOT_FOUND'
        ? `${error.message.replace(/^Cannot /, 'No route for ')}: see /docs for the API`
        : error.message;
    return { problem: problem(code, detail), expected: status < 500 };
  }
  // Plugin errors that carry a client status (Nest turns Fastify's own into HttpExceptions above).
  const e = error as FastifyLikeError;
  if (e && typeof e === 'object' && e.statusCode === 415) {
    return { problem: unsupportedMediaType(body), expected: true };
  }
  if (e && typeof e === 'object' && typeof e.statusCode === 'number' && e.statusCode < 500) {
    return { problem: problem(codeForStatus(e.statusCode), e.message ?? 'Bad request'), expected: true };
  }
  return {
    problem: problem('INTERNAL_ERROR', 'An unexpected error occurred; quote the requestId when reporting it'),
    expected: false,
  };
}
