/** @type {import('next').NextConfig} */
// Next.js renders the pages only: the server process (src/server/http/main.ts) serves /api/* itself and
// sets the security headers of every response (src/server/http/guards.ts).
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
};

export default nextConfig;
