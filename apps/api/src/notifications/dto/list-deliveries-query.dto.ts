import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { DELIVERY_EVENTS, DELIVERY_STATUSES, DeliveryEvent, DeliveryStatus } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({ enum: DELIVERY_EVENTS })
  @IsOptional()
  @IsIn(DELIVERY_EVENTS)
  event?: DeliveryEvent;

  @ApiPropertyOptional({ format: 'uuid', description: 'deliveries about this alert' })
  @IsOptional()
  @IsUUID()
  alertId?: string;
}
