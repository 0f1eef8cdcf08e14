import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Actor } from '@labwire/domain';
import { AuthenticatedRequest } from '../auth/auth.decorators';

/** The caller as the audit log records them: user, API key (if any) and the request id. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.user) throw new Error('CurrentActor used on a public route');
  return { userId: request.user.userId, apiKeyId: request.user.apiKeyId ?? null, requestId: String(request.id) };
});
