import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ForbiddenError } from '@labwire/core';
import { ApiKeyService, Principal, UserService } from '@labwire/domain';
import { CurrentPrincipal } from '../common/auth/auth.decorators';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { UserDto } from './dto/user.dto';
import { ChangePasswordDto } from './dto/user-admin.dto';

/** The caller's own account: profile, password, API keys. */
@ApiTags('me')
@ApiProblems(401)
@Controller('users/me')
export class MeController {
  constructor(
    private readonly users: UserService,
    private readonly apiKeys: ApiKeyService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserDto })
  async get(@CurrentPrincipal() principal: Principal): Promise<UserDto> {
    return UserDto.from(await this.users.get(principal.userId));
  }

  @Post('password')
  @HttpCode(204)
  @ApiOperation({ summary: "Change the caller's password; every other session of theirs ends" })
  @ApiNoContentResponse()
  @ApiProblems(400)
  async changePassword(@CurrentPrincipal() principal: Principal, @Body() body: ChangePasswordDto): Promise<void> {
    await this.users.changePassword(principal, body.currentPassword, body.newPassword);
  }

  @Get('api-keys')
  @ApiOperation({ summary: "List the caller's API keys (never the keys themselves)" })
  @ApiOkResponse({ type: [ApiKeyDto] })
  async listApiKeys(@CurrentPrincipal() principal: Principal): Promise<ApiKeyDto[]> {
    return (await this.apiKeys.list(principal.userId)).map((k) => ApiKeyDto.from(k));
  }

  @Post('api-keys')
  @ApiOperation({ summary: 'Create an API key (from a signed-in session); the key is in this response only' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiProblems(400, 403)
  async createApiKey(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    // A leaked key must not be able to mint keys that outlive its revocation.
    if (principal.apiKeyId)
      throw new ForbiddenError('API keys are created from a signed-in session, not with an API key');
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
