import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { NOTIFICATION_CHANNEL_KINDS, NotificationChannelKind } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListNotificationChannelsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: NOTIFICATION_CHANNEL_KINDS })
  @IsOptional()
  @IsIn(NOTIFICATION_CHANNEL_KINDS)
  kind?: NotificationChannelKind;
}
