import { inject } from 'vitest';
import { keyFingerprint, type RecordedRequest } from '../../fake-providers/server';

export { keyFingerprint };

const url = () => inject('fakeProvidersUrl');

/** Requests the fake providers received (fingerprints only, never keys). */
export async function fakeRequests(): Promise<RecordedRequest[]> {
  return (await fetch(`${url()}/__fake/requests`)).json() as Promise<RecordedRequest[]>;
}

export async function clearFakeRequests(): Promise<void> {
  await fetch(`${url()}/__fake/requests`, { method: 'DELETE' });
}

/** From now on the fake providers answer this key as invalid (a key revoked at the provider). */
export async function revokeAtProvider(key: string): Promise<void> {
  await fetch(`${url()}/__fake/revoke`, { method: 'POST', body: JSON.stringify({ fingerprint: keyFingerprint(key) }) });
}

export async function callsWithKey(key: string): Promise<RecordedRequest[]> {
  return (await fakeRequests()).filter((r) => r.keyFingerprint === keyFingerprint(key));
}

export async function setFakeLatency(l: { firstByteMs?: number; chunkIntervalMs?: number; chunks?: number }): Promise<void> {
  await fetch(`${url()}/__fake/latency`, { method: 'POST', body: JSON.stringify(l) });
}

/** From now on a `-redirect` key answers with a redirect to this location. */
export async function redirectKeyTo(key: string, location: string): Promise<void> {
  await fetch(`${url()}/__fake/redirect`, { method: 'POST', body: JSON.stringify({ fingerprint: keyFingerprint(key), location }) });
}
