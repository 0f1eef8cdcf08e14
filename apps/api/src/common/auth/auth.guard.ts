import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { ForbiddenError, UnauthenticatedError } from '@labwire/core';
import { ApiKeyService, PlatformRole, Principal } from '@labwire/domain';
import { AuthenticatedRequest, PLATFORM_ROLE, PUBLIC_ROUTE } from './auth.decorators';

/**
 * Global guard: every route needs a Bearer access token or an X-API-Key unless marked @Public().
 * Platform roles (@RequirePlatformRole) are checked here too; workspace roles by WorkspaceGuard.
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey) {
      const principal = await this.apiKeys.authenticate(apiKey);
      if (!principal) throw new UnauthenticatedError('The X-API-Key is unknown, revoked or expired');
      request.user = principal;
    } else {
      await super.canActivate(context);
    }
    const needed = this.reflector.getAllAndOverride<PlatformRole | undefined>(PLATFORM_ROLE, targets);
    if (needed && request.user?.role !== needed) {
      throw new ForbiddenError(`This needs the platform role "${needed}"`);
    }
    return true;
  }

  override handleRequest<T = Principal>(err: unknown, user: T | false): T {
    if (err) throw err;
    if (!user) throw new UnauthenticatedError('The access token is missing, invalid, expired or its session has ended');
    return user;
  }
}
