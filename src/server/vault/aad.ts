// Associated data binds each ciphertext to where it belongs, so a ciphertext copied into another
// workspace's, provider's or key's row fails to decrypt. One canonical encoding, fixed field order,
// every component restricted to [A-Za-z0-9_-] so separators cannot be injected. Never the label,
// mask or key. The version names the storage format the bytes belong to.

/** Each provider key sealed under its own data key, which a master key version wraps. */
export const FORMAT_VERSION = 2;
/** Provider keys sealed under a shared workspace (or user) data key; read, then re-sealed as format 2. */
export const LEGACY_FORMAT_VERSION = 1;

function part(name: string, value: string | number): string {
  const v = String(value);
  if (!/^[A-Za-z0-9_-]+$/.test(v)) throw new Error(`invalid AAD component: ${name}`);
  return `${name}=${v}`;
}

function encode(kind: string, version: number, fields: [string, string | number][]): Buffer {
  return Buffer.from([kind, `v${version}`, ...fields.map(([n, v]) => part(n, v))].join('|'), 'utf8');
}

export type KeyOwner = { workspaceId: string } | { userId: string };
export type KeyRef = KeyOwner & { provider: string; keyId: string };

const ownerField = (o: KeyOwner): [string, string] => ('workspaceId' in o ? ['ws', o.workspaceId] : ['user', o.userId]);

/** A provider key's own data key, wrapped by master key version `kekVersion`. */
export function keyDekAad(ref: KeyRef, kekVersion: string): Buffer {
  const kind = 'workspaceId' in ref ? 'pkdek' : 'uddek';
  return encode(kind, FORMAT_VERSION, [ownerField(ref), ['prov', ref.provider], ['id', ref.keyId], ['kek', kekVersion]]);
}

/** A provider key sealed under its own data key. */
export function keyAad(ref: KeyRef): Buffer {
  const kind = 'workspaceId' in ref ? 'pk' : 'ud';
  return encode(kind, FORMAT_VERSION, [ownerField(ref), ['prov', ref.provider], ['id', ref.keyId]]);
}

// ---- format 1 ----

export function workspaceDekAad(workspaceId: string, dekVersion: number, kekVersion: string): Buffer {
  return encode('wsdek', LEGACY_FORMAT_VERSION, [['ws', workspaceId], ['dek', dekVersion], ['kek', kekVersion]]);
}

export function providerKeyAad(a: { workspaceId: string; provider: string; keyId: string; dekVersion: number }): Buffer {
  return encode('pk', LEGACY_FORMAT_VERSION, [['ws', a.workspaceId], ['prov', a.provider], ['id', a.keyId], ['dek', a.dekVersion]]);
}

export function userDekAad(userId: string, dekVersion: number, kekVersion: string): Buffer {
  return encode('usrdek', LEGACY_FORMAT_VERSION, [['user', userId], ['dek', dekVersion], ['kek', kekVersion]]);
}

export function userKeyAad(a: { userId: string; provider: string; keyId: string; dekVersion: number }): Buffer {
  return encode('ud', LEGACY_FORMAT_VERSION, [['user', a.userId], ['prov', a.provider], ['id', a.keyId], ['dek', a.dekVersion]]);
}
