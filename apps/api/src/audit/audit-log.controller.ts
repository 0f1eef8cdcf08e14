import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { mapPage, Page, parseSort } from '@labwire/core';
import { AUDIT_SORT_FIELDS, AuditService, WorkspaceMembership } from '@labwire/domain';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { AuditEntryDto } from './dto/audit-entry.dto';
import { ListAuditLogQueryDto } from './dto/list-audit-log-query.dto';

/** Who changed what in a workspace; any member may read it. */
@ApiTags('audit log')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/audit-log')
export class AuditLogController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'List audit entries, newest first',
    description: 'Filter by entityType, entityId, actorUserId, action; sort=createdAt for oldest first.',
  })
  @ApiPageResponse(AuditEntryDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListAuditLogQueryDto,
  ): Promise<Page<AuditEntryDto>> {
    const sort = parseSort(query.sort, AUDIT_SORT_FIELDS, [{ field: 'createdAt', direction: 'DESC' }]);
    const { entityType, entityId, actorUserId, action } = query;
    const page = await this.audit.list(
      membership.workspaceId,
      { entityType, entityId, actorUserId, action },
      pageRequest(query),
      sort,
    );
    return mapPage(page, (e) => AuditEntryDto.from(e));
  }
}
