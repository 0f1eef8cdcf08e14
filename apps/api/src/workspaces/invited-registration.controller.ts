import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InvitationService } from '@labwire/domain';
import { Public } from '../common/auth/auth.decorators';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { UserDto } from '../identity/dto/user.dto';
import { RegisterWithInvitationDto } from './dto/invitation.dto';

/** Registering with the link of an invitation mailed to an address without an account. */
@ApiTags('auth')
@Controller('auth/register')
export class InvitedRegistrationController {
  constructor(private readonly invitations: InvitationService) {}

  @Public()
  @Post('invitation')
  @ApiOperation({
    summary: 'Create an account with an invitation link; it joins the workspace with the invited role',
    description:
      "Works whether or not USERS_OPEN_REGISTRATION is on. The address is the invitation's, and verified by " +
      'the link. USERS_APPROVAL_FLOW=email: the account is active at once; admin or email+admin: it waits ' +
      'for an administrator (who is mailed). The invitation is spent. An unknown, used, revoked or expired ' +
      'token answers 400 INVITATION_INVALID; an address that has an account meanwhile, 409 EMAIL_TAKEN (sign ' +
      'in and accept it from GET /users/me/invitations).',
    security: [],
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblems(400, 409)
  async register(@Body() body: RegisterWithInvitationDto): Promise<UserDto> {
    return UserDto.from((await this.invitations.register(body)).user);
  }
}
