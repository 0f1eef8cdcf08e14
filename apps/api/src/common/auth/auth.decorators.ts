import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { PlatformRole, Principal } from '@labwire/domain';

export const PUBLIC_ROUTE = 'labwire:public';
export const PLATFORM_ROLE = 'labwire:platform-role';

/** The route needs no credentials (login, health, docs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The route needs this platform role (checked on the server by the AuthGuard). */
export const RequirePlatformRole = (role: PlatformRole) => SetMetadata(PLATFORM_ROLE, role);

export type AuthenticatedRequest = FastifyRequest & { user?: Principal };

/** The authenticated caller. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.user) throw new Error('CurrentPrincipal used on a public route');
  return request.user;
});
