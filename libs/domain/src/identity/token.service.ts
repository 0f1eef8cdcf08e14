import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { AccessTokenClaims } from './principal';

export const JWT_ALGORITHM = 'HS256' as const;

/** Signs access tokens; algorithm, issuer and audience are pinned here and checked on the way in. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  signAccess(userId: string, sessionId: string): string {
    const claims: AccessTokenClaims = { sub: userId, sid: sessionId, typ: 'access' };
    return this.jwt.sign(claims, {
      algorithm: JWT_ALGORITHM,
      secret: this.config.auth.jwtSecret,
      issuer: this.config.auth.issuer,
      audience: this.config.auth.audience,
      expiresIn: this.config.auth.accessTtlSeconds,
    });
  }

  get accessTtlSeconds(): number {
    return this.config.auth.accessTtlSeconds;
  }
}
