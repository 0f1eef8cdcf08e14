import { Module } from '@nestjs/common';
import { IdentityModule } from '@labwire/domain';
import { AuthGuard } from '../common/auth/auth.guard';
import { JwtAuthenticator } from '../common/auth/jwt-authenticator';
import { AuthController } from './auth.controller';
import { MeController } from './me.controller';
import { UsersController } from './users.controller';

@Module({
  imports: [IdentityModule],
  controllers: [AuthController, MeController, UsersController],
  providers: [JwtAuthenticator, AuthGuard],
  exports: [IdentityModule, AuthGuard, JwtAuthenticator],
})
export class IdentityHttpModule {}
