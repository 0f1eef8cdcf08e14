import { PartialType } from '@nestjs/swagger';
import { CreateAlertRuleDto } from './create-alert-rule.dto';

/** Any field of a rule; merged onto the stored rule, and the result checked as a whole. */
export class UpdateAlertRuleDto extends PartialType(CreateAlertRuleDto) {}
