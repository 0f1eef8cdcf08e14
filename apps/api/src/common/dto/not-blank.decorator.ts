import { Matches } from 'class-validator';

/** The string must contain something other than whitespace (names are trimmed before they are stored). */
export const IsNotBlank = () => Matches(/\S/, { message: '$property must not be blank' });
