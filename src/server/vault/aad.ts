// Associated data binds each ciphertext to where it belongs, so a ciphertext copied into another
// workspace's, provider's or key's row fails to decrypt. One canonical encoding, fixed field order,
// every component restricted to [A-Za-z0-9_-] so separators cannot be injected. Never the label,
// mask or key.

export const FORMAT_VERSION = 1;

function part(name: string, value: string | number): string {
  const v = String(value);
  if (!/^[A-Za-z0-9_-]+$/.test(v)) throw new Error(`invalid AAD component: ${name}`);
  return `${name}=${v}`;
}

function encode(kind: string, fields: [string, string | number][]): Buffer {
  return Buffer.from([kind, `v${FORMAT_VERSION}`, ...fields.map(([n, v]) => part(n, v))].join('|'), 'utf8');
}

export function workspaceDekAad(workspaceId: string, dekVersion: number, kekVersion: string): Buffer {
  return encode('wsdek', [['ws', workspaceId], ['dek', dekVersion], ['kek', kekVersion]]);
}

export function providerKeyAad(a: { workspaceId: string; provider: string; keyId: string; dekVersion: number }): Buffer {
  return encode('pk', [['ws', a.workspaceId], ['prov', a.provider], ['id', a.keyId], ['dek', a.dekVersion]]);
}

export function userDekAad(userId: string, dekVersion: number, kekVersion: string): Buffer {
  return encode('usrdek', [['user', userId], ['dek', dekVersion], ['kek', kekVersion]]);
}

export function userKeyAad(a: { userId: string; provider: string; keyId: string; dekVersion: number }): Buffer {
  return encode('ud', [['user', a.userId], ['prov', a.provider], ['id', a.keyId], ['dek', a.dekVersion]]);
}
