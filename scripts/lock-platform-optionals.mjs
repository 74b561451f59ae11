// The registry mirror our machines use does not serve other platforms' optional native binaries
// (for example @next/swc-darwin-arm64), so `npm install` leaves them out of package-lock.json and
// `npm ci` then refuses the lockfile as out of sync. A lockfile made on a connected machine lists
// them; this script adds the same entries (version, os, cpu, optional) so `npm ci` works here and
// elsewhere. Run it after `npm install` changes the lockfile.
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const packages = lock.packages;
const OS = ['darwin', 'win32', 'linux', 'freebsd', 'android', 'openharmony', 'sunos', 'aix', 'netbsd', 'openbsd'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'loong64', 'ppc64', 's390x', 'riscv64', 'wasm32', 'mips64el'];

let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const base = path ? `${path}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[base] || packages[`node_modules/${name}`]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.find((p) => CPU.includes(p));
    if (!os && !cpu) continue; // not a platform binary: leave it to npm
    const entry = { version: version.replace(/^[\^~]/, ''), optional: true };
    if (os) entry.os = [os];
    if (cpu) entry.cpu = [cpu];
    if (name.includes('wasm32')) {
      delete entry.os;
      entry.cpu = ['wasm32'];
    }
    packages[`node_modules/${name}`] = entry;
    added++;
  }
}
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log(`Recorded ${added} platform-specific optional package(s).`);
