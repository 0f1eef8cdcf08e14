import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Authenticator } from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { AccessTokenClaims, AccessVerifier, JWT_ALGORITHM, Principal } from '@labwire/domain';

/**
 * Verifies Bearer access tokens with passport-jwt: signature, pinned algorithm, issuer, audience and
 * expiry, then the session and user state. It uses its own passport instance rather than the
 * process-wide one, so two apps in one process (tests, tools) never share a secret.
 */
@Injectable()
export class JwtAuthenticator {
  private readonly passport = new Authenticator();

  constructor(@Inject(APP_CONFIG) config: AppConfig, verifier: AccessVerifier) {
    this.passport.use(
      'jwt',
      new Strategy(
        {
          jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
          // A KeyObject built once: given a string, jsonwebtoken first tries (and fails) to parse it as a
          // public key on every verification, which costs more than the HMAC itself.
          secretOrKey: createSecretKey(Buffer.from(config.auth.jwtSecret)) as unknown as string,
          algorithms: [JWT_ALGORITHM],
          issuer: config.auth.issuer,
          audience: config.auth.audience,
          ignoreExpiration: false,
          passReqToCallback: true,
        },
        (
          req: { workspaceId?: string },
          claims: AccessTokenClaims,
          done: (err: unknown, user?: Principal | false) => void,
        ) => {
          verifier.verify(claims, req.workspaceId).then(
            (principal) => done(null, principal ?? false),
            (err: unknown) => done(err),
          );
        },
      ),
    );
  }

  /**
   * The principal for the request's Bearer token, or null when it is missing or not acceptable.
   * `workspaceId` (a valid uuid) has the caller's role there read in the same query.
   */
  authenticate(request: FastifyRequest, workspaceId?: string): Promise<Principal | null> {
    return new Promise((resolve, reject) => {
      const middleware = this.passport.authenticate(
        'jwt',
        { session: false },
        (err: unknown, user: Principal | false) => (err ? reject(err) : resolve(user || null)),
      );
      middleware({ headers: request.headers, workspaceId }, {}, reject);
    });
  }
}
