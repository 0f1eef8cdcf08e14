import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { mapPage, Page, parseSort } from '@labwire/core';
import { AccountApprovalService, Principal, USER_SORT_FIELDS, UserService } from '@labwire/domain';
import { CurrentPrincipal, RequirePlatformRole } from '../common/auth/auth.decorators';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { UserDto } from './dto/user.dto';
import { CreateUserDto, ListUsersQueryDto, UpdateUserDto } from './dto/user-admin.dto';

/** User administration: platform admins only. */
@ApiTags('users')
@ApiProblems(401, 403)
@RequirePlatformRole('admin')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UserService,
    private readonly approval: AccountApprovalService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List users (filter by status, role, q)' })
  @ApiPageResponse(UserDto)
  @ApiProblems(400)
  async list(@Query() query: ListUsersQueryDto): Promise<Page<UserDto>> {
    const sort = parseSort(query.sort, USER_SORT_FIELDS, [{ field: 'createdAt', direction: 'ASC' }]);
    const page = await this.users.list(
      { status: query.status, role: query.role, q: query.q },
      pageRequest(query),
      sort,
    );
    return mapPage(page, (u) => UserDto.from(u));
  }

  @Post()
  @ApiOperation({ summary: 'Create an active user' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblems(400, 409)
  async create(@Body() body: CreateUserDto): Promise<UserDto> {
    return UserDto.from(await this.users.create({ ...body, status: 'active' }));
  }

  @Get(':userId')
  @ApiOperation({ summary: 'Get a user' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(404)
  async get(@Param('userId', new ParseUUIDPipe()) userId: string): Promise<UserDto> {
    return UserDto.from(await this.users.get(userId));
  }

  @Patch(':userId')
  @ApiOperation({ summary: "Change a user's role, status or name" })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 404, 409)
  async update(
    @Param('userId', new ParseUUIDPipe()) userId: string,
    @Body() body: UpdateUserDto,
    @CurrentPrincipal() actor: Principal,
  ): Promise<UserDto> {
    return UserDto.from(await this.users.update(userId, body, actor));
  }

  @Post(':userId/approve')
  @ApiOperation({
    summary: 'Approve a pending user',
    description:
      'The account becomes active and its owner is mailed, unless USERS_APPROVAL_FLOW=email+admin still ' +
      'waits for its email verification (then it stays pending, approved). A user that is not pending is ' +
      'answered as it is.',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(404)
  async approve(@Param('userId', new ParseUUIDPipe()) userId: string, @CurrentPrincipal() actor: Principal) {
    return UserDto.from(await this.approval.approve(userId, actor));
  }

  @Post(':userId/disable')
  @ApiOperation({ summary: 'Disable a user and end their sessions' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(404, 409)
  async disable(@Param('userId', new ParseUUIDPipe()) userId: string, @CurrentPrincipal() actor: Principal) {
    return UserDto.from(await this.users.update(userId, { status: 'disabled' }, actor));
  }
}
