import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthService, Principal } from '@labwire/domain';
import { CurrentPrincipal, Public } from '../common/auth/auth.decorators';
import { clientInfo } from '../common/client-info';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { UserDto } from './dto/user.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password', security: [] })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(400, 401, 403, 429)
  login(@Body() body: LoginDto, @Req() req: FastifyRequest): Promise<TokenPairDto> {
    return this.auth.login(body.email, body.password, clientInfo(req));
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair',
    description: 'The presented token is spent. Presenting a spent token revokes its whole session.',
    security: [],
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(400, 403)
  refresh(@Body() body: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'End the current session (its access and refresh tokens)' })
  @ApiNoContentResponse()
  @ApiProblems(401)
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.auth.logout(principal);
  }

  @Public()
  @Post('register')
  @ApiOperation({
    summary: 'Create an account (when USERS_OPEN_REGISTRATION is on); it waits for approval',
    security: [],
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblems(400, 403, 409)
  async register(@Body() body: RegisterDto): Promise<UserDto> {
    return UserDto.from(await this.auth.register(body));
  }
}
