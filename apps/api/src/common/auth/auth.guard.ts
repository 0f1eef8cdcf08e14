import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '@labwire/core';
import { ApiKeyService, PlatformRole } from '@labwire/domain';
import { AuthenticatedRequest, PLATFORM_ROLE, PUBLIC_ROUTE } from './auth.decorators';
import { JwtAuthenticator } from './jwt-authenticator';

/**
 * Global guard: every route needs a Bearer access token or an X-API-Key unless marked @Public().
 * Platform roles (@RequirePlatformRole) are checked here too; workspace roles by the workspace guard.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The workspace a route addresses (its `:workspaceId`), when that is a well-formed uuid. */
function addressedWorkspace(request: AuthenticatedRequest): string | undefined {
  const raw = (request.params as Record<string, string | undefined> | undefined)?.workspaceId;
  return raw && UUID.test(raw) ? raw.toLowerCase() : undefined;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
    private readonly jwt: JwtAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const workspaceId = addressedWorkspace(request);
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey) {
      const principal = await this.apiKeys.authenticate(apiKey, workspaceId);
      if (!principal) throw new UnauthenticatedError('The X-API-Key is unknown, revoked or expired');
      request.user = principal;
    } else {
      const principal = await this.jwt.authenticate(request, workspaceId);
      if (!principal) {
        throw new UnauthenticatedError(
          request.headers.authorization
            ? 'The access token is invalid, expired or its session has ended; refresh it or sign in again'
            : undefined,
        );
      }
      request.user = principal;
    }
    const needed = this.reflector.getAllAndOverride<PlatformRole | undefined>(PLATFORM_ROLE, targets);
    if (needed && request.user.role !== needed) {
      throw new ForbiddenError(`This needs the platform role "${needed}"`);
    }
    return true;
  }
}
