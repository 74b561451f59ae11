import 'server-only';
import { randomBytes } from 'node:crypto';

/** 128 random bits, URL-safe. Generated in application code so ids can be bound into AAD before insert. */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}
