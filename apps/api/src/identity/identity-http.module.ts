import { Module } from '@nestjs/common';
import { AccountsModule, IdentityModule } from '@labwire/domain';
import { AuthGuard } from '../common/auth/auth.guard';
import { JwtAuthenticator } from '../common/auth/jwt-authenticator';
import { AccountsController } from './accounts.controller';
import { AuthController } from './auth.controller';
import { MeController } from './me.controller';
import { UsersController } from './users.controller';

@Module({
  imports: [IdentityModule, AccountsModule],
  controllers: [AuthController, AccountsController, MeController, UsersController],
  providers: [JwtAuthenticator, AuthGuard],
  exports: [IdentityModule, AuthGuard, JwtAuthenticator],
})
export class IdentityHttpModule {}
