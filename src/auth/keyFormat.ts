// API key format: gfm_<30 random base62 chars><6 base62 chars of CRC32>. The checksum
// lets us reject typos and garbage without touching the database; only a SHA-256
// of the key is stored (keys are long random strings, so a slow hash adds nothing).
import { createHash, randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PREFIX = 'gfm_';
const RANDOM_LENGTH = 30; // ~178 bits
const CHECKSUM_LENGTH = 6;
const KEY_PATTERN = new RegExp(`^${PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

function base62(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

const checksum = (body: string) => base62(crc32(body), CHECKSUM_LENGTH);

export function generateKey(): string {
  let body = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) body += ALPHABET[randomInt(62)];
  return `${PREFIX}${body}${checksum(body)}`;
}

/** True when the key has our shape and its checksum matches. */
export function isWellFormedKey(key: string): boolean {
  if (!KEY_PATTERN.test(key)) return false;
  const body = key.slice(PREFIX.length, PREFIX.length + RANDOM_LENGTH);
  return key.slice(PREFIX.length + RANDOM_LENGTH) === checksum(body);
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** The part of a key that is safe to show in lists: "gfm_Ab12Cd34". */
export const displayPrefix = (key: string) => key.slice(0, PREFIX.length + 8);
