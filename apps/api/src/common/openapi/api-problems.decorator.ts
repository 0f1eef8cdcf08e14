import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDto } from './problem.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (VALIDATION_FAILED, MALFORMED_JSON, …)',
  401: 'Missing or invalid credentials (UNAUTHENTICATED)',
  403: 'Authenticated but not allowed (FORBIDDEN; SESSION_REQUIRED: needs a signed-in session, not an API key)',
  404: 'Not found, or not in a workspace you belong to',
  409: 'Conflicts with the current state',
  412: 'If-Match does not match the current version (VERSION_MISMATCH)',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  415: 'Unsupported content type',
  429: 'Rate limited (TOO_MANY_REQUESTS, ACCOUNT_LOCKED, TOO_MANY_STREAMS); see Retry-After',
  502: 'The MQTT broker refused the change (BROKER_REJECTED); nothing was changed',
  503: 'A dependency did not answer: the MQTT broker (BROKER_UNAVAILABLE; nothing was changed) or Redis (SERVICE_UNAVAILABLE); retry shortly',
};

/** Declares problem+json error responses on a route or controller. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
