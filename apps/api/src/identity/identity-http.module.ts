import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { IdentityModule } from '@labwire/domain';
import { AuthGuard } from '../common/auth/auth.guard';
import { JwtStrategy } from '../common/auth/jwt.strategy';
import { AuthController } from './auth.controller';
import { MeController } from './me.controller';
import { UsersController } from './users.controller';

@Module({
  imports: [IdentityModule, PassportModule],
  controllers: [AuthController, MeController, UsersController],
  providers: [JwtStrategy, AuthGuard],
  exports: [IdentityModule, AuthGuard],
})
export class IdentityHttpModule {}
