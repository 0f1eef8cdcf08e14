import { SchemeFieldsDto } from './scheme-input.dto';

export class CreateSchemeDto extends SchemeFieldsDto {}
