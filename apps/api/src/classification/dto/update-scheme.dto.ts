import { PartialType } from '@nestjs/swagger';
import { SchemeFieldsDto } from './scheme-input.dto';

/**
 * Any field of the scheme; those left out stay (labels and examples are replaced whole). When a
 * classification job used the current version, the change makes a new version.
 */
export class UpdateSchemeDto extends PartialType(SchemeFieldsDto) {}
