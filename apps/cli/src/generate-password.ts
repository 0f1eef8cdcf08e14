import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * A random 24-character password (about 140 bits) of letters and digits only, without look-alikes
 * (0/O, 1/l/I): it copies cleanly from a terminal and never starts with `-` (read as an option).
 */
export function generatePassword(length = 24): string {
  let password = '';
  for (let i = 0; i < length; i++) password += ALPHABET[randomInt(ALPHABET.length)];
  return password;
}
