import { AuditModule } from '../audit/audit.module';
import { ScheduleCreatorCheck } from '../schedules/schedule-creator-check';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AccessVerifier } from './access-verifier';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { AuthCache } from './auth-cache';
import { AuthInvalidator } from './auth-invalidator';
import { AuthService } from './auth.service';
import { LoginThrottle } from './login-throttle';
import { PasswordChangeService } from './password-change.service';
import { PasswordHasher } from './password-hasher';
import { SessionRepository } from './session.repository';
import { TokenService } from './token.service';
import { UserRepository } from './user.repository';
import { UserService } from './user.service';

@Module({
  imports: [JwtModule.register({}), AuditModule],
  providers: [
    AccessVerifier,
    ApiKeyRepository,
    AuthCache,
    { provide: AuthInvalidator, useExisting: AuthCache },
    ApiKeyService,
    AuthService,
    LoginThrottle,
    PasswordChangeService,
    PasswordHasher,
    ScheduleCreatorCheck,
    SessionRepository,
    TokenService,
    UserRepository,
    UserService,
  ],
  exports: [
    ScheduleCreatorCheck,
    AuthCache,
    AuthInvalidator,
    AccessVerifier,
    ApiKeyService,
    AuthService,
    UserService,
    PasswordChangeService,
    SessionRepository,
    PasswordHasher,
    UserRepository,
    ApiKeyRepository,
    LoginThrottle,
  ],
})
export class IdentityModule {}
