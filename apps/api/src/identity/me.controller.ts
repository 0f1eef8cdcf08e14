import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  ApiKeyService,
  EmailChangeService,
  PasswordChangeService,
  Principal,
  SessionRequiredError,
  UserService,
} from '@labwire/domain';
import { CurrentPrincipal } from '../common/auth/auth.decorators';
import { clientInfo } from '../common/client-info';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { AcceptedDto, ChangeEmailDto } from './dto/accounts.dto';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { UserDto } from './dto/user.dto';
import { ChangePasswordDto, PasswordChangedDto } from './dto/user-admin.dto';

/** The caller's own account: profile, password, API keys. */
@ApiTags('me')
@ApiProblems(401)
@Controller('users/me')
export class MeController {
  constructor(
    private readonly users: UserService,
    private readonly apiKeys: ApiKeyService,
    private readonly passwords: PasswordChangeService,
    private readonly emailChange: EmailChangeService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserDto })
  async get(@CurrentPrincipal() principal: Principal): Promise<UserDto> {
    return UserDto.from(await this.users.get(principal.userId));
  }

  @Post('password')
  @HttpCode(200)
  @ApiOperation({
    summary: "Change the caller's password (from a signed-in session); other sessions end, API keys are revoked",
    description:
      'Needs a signed-in session (Bearer access token): with an API key it answers 403 SESSION_REQUIRED. ' +
      'A wrong currentPassword answers 401 INVALID_CREDENTIALS and counts toward the sign-in lockout of ' +
      'this account from this address (429 ACCOUNT_LOCKED once locked). Every other session of the ' +
      'caller ends; with revokeApiKeys (default true) every API key of theirs is revoked. The answer ' +
      'says how many of each.',
  })
  @ApiOkResponse({ type: PasswordChangedDto })
  @ApiProblems(400, 403, 429)
  changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChangePasswordDto,
    @Req() request: FastifyRequest,
  ): Promise<PasswordChangedDto> {
    return this.passwords.change(principal, body, clientInfo(request));
  }

  @Post('email')
  @HttpCode(202)
  @ApiOperation({
    summary: "Change the caller's email address: it takes effect once the new address is verified",
    description:
      'Needs a signed-in session and the current password (401 INVALID_CREDENTIALS, counted like a failed ' +
      'sign-in). A verification link goes to the new address; POST /auth/verify-email with its token ' +
      'moves the account. Answers 202 whether or not the new address is taken (its owner is told).',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems(400, 403, 429)
  async changeEmail(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChangeEmailDto,
    @Req() request: FastifyRequest,
  ): Promise<AcceptedDto> {
    await this.emailChange.request(principal, body.email, body.currentPassword, clientInfo(request));
    return { message: 'A verification link was mailed to the new address; the change waits for it.' };
  }

  @Get('api-keys')
  @ApiOperation({ summary: "List the caller's API keys (never the keys themselves)" })
  @ApiOkResponse({ type: [ApiKeyDto] })
  async listApiKeys(@CurrentPrincipal() principal: Principal): Promise<ApiKeyDto[]> {
    return (await this.apiKeys.list(principal.userId)).map((k) => ApiKeyDto.from(k));
  }

  @Post('api-keys')
  @ApiOperation({
    summary: 'Create an API key (from a signed-in session); the key is in this response only',
    description: 'With an API key it answers 403 SESSION_REQUIRED: a leaked key cannot mint keys that outlive it.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiProblems(400, 403)
  async createApiKey(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    // A leaked key must not be able to mint keys that outlive its revocation.
    if (principal.apiKeyId || !principal.sessionId) throw new SessionRequiredError('Creating an API key');
    const { apiKey, secret } = await this.apiKeys.create(
      principal.userId,
      body.name,
      body.expiresAt ? new Date(body.expiresAt) : undefined,
    );
    return { ...ApiKeyDto.from(apiKey), key: secret };
  }

  @Delete('api-keys/:apiKeyId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiNoContentResponse()
  @ApiProblems(404)
  async revokeApiKey(
    @CurrentPrincipal() principal: Principal,
    @Param('apiKeyId', new ParseUUIDPipe()) apiKeyId: string,
  ): Promise<void> {
    await this.apiKeys.revoke(principal.userId, apiKeyId);
  }
}
