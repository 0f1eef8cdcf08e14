import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { PasswordRecoveryService, RegistrationService } from '@labwire/domain';
import { Public } from '../common/auth/auth.decorators';
import { clientInfo } from '../common/client-info';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import {
  AcceptedDto,
  EmailDto,
  EmailVerifiedDto,
  PasswordResetDto,
  ResetPasswordDto,
  TokenDto,
} from './dto/accounts.dto';

export const MAIL_ON_ITS_WAY = 'If the address has an account that can receive it, a mail is on its way.';

/** Email verification and password recovery: links mailed to the account's owner, no sign-in. */
@ApiTags('auth')
@Controller('auth')
export class AccountsController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly recovery: PasswordRecoveryService,
  ) {}

  @Public()
  @Post('verify-email')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Confirm an email address with the token of the mailed link',
    description:
      'Single use. A new account becomes active (USERS_APPROVAL_FLOW=email) or waits for an administrator ' +
      '(email+admin); a changed address takes effect. An unknown, tampered, used or expired token answers ' +
      '400 EMAIL_TOKEN_INVALID.',
    security: [],
  })
  @ApiOkResponse({ type: EmailVerifiedDto })
  @ApiProblems(400, 409)
  verifyEmail(@Body() body: TokenDto): Promise<EmailVerifiedDto> {
    return this.registration.verifyEmail(body.token);
  }

  @Public()
  @Post('verify-email/resend')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a new verification link to an account waiting for it',
    description: 'Answers 202 for any address (it does not say whether an account exists); rate-limited.',
    security: [],
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems(400, 429)
  async resendVerification(@Body() body: EmailDto, @Req() req: FastifyRequest): Promise<AcceptedDto> {
    await this.registration.resendVerification(body.email, clientInfo(req));
    return { message: MAIL_ON_ITS_WAY };
  }

  @Public()
  @Post('password/forgot')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a single-use password reset link',
    description:
      'Answers 202 for any address, known or not. Rate-limited per client address (429) and per account ' +
      '(further requests are answered alike and send nothing). The link expires after PASSWORD_RESET_TTL.',
    security: [],
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems(400, 429)
  async forgot(@Body() body: EmailDto, @Req() req: FastifyRequest): Promise<AcceptedDto> {
    await this.recovery.forgot(body.email, clientInfo(req));
    return { message: MAIL_ON_ITS_WAY };
  }

  @Public()
  @Post('password/reset')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set a new password with the token of a reset link; every session ends',
    description:
      'The password policy of registration applies (400 WEAK_PASSWORD leaves the link usable). Every ' +
      'session of the user ends and every API key is revoked. An unknown, tampered, used or expired token ' +
      'answers 400 RESET_TOKEN_INVALID.',
    security: [],
  })
  @ApiOkResponse({ type: PasswordResetDto })
  @ApiProblems(400)
  reset(@Body() body: ResetPasswordDto): Promise<PasswordResetDto> {
    return this.recovery.reset(body.token, body.password);
  }
}
