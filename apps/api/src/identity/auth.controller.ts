import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService, Principal, RegistrationService } from '@labwire/domain';
import { CurrentPrincipal, Public } from '../common/auth/auth.decorators';
import { clientInfo } from '../common/client-info';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { LoginDto } from './dto/login.dto';
import { RegistrationAcceptedDto } from './dto/accounts.dto';
import { RefreshDto } from './dto/refresh.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { UserDto } from './dto/user.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly registration: RegistrationService,
  ) {}

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
    summary: 'Create an account (when USERS_OPEN_REGISTRATION is on); it waits for approval or verification',
    description:
      'USERS_APPROVAL_FLOW=admin: 201 with the pending user (409 EMAIL_TAKEN for a taken address); the ' +
      'administrators are mailed. email or email+admin: 202 whether the address is new or taken: a new ' +
      "address gets a verification link, a taken one's owner is told by mail. Rate-limited per client address.",
    security: [],
  })
  @ApiCreatedResponse({ type: UserDto, description: 'USERS_APPROVAL_FLOW=admin' })
  @ApiAcceptedResponse({ type: RegistrationAcceptedDto, description: 'USERS_APPROVAL_FLOW=email or email+admin' })
  @ApiProblems(400, 403, 409, 429)
  async register(
    @Body() body: RegisterDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserDto | RegistrationAcceptedDto> {
    const outcome = await this.registration.register(body, clientInfo(req));
    if (outcome.kind === 'created') return UserDto.from(outcome.user);
    void reply.status(202);
    return {
      email: outcome.email,
      status: 'pending',
      message: 'Confirm the address with the link mailed to it; the account waits until then.',
    };
  }
}
