import type { Metadata } from 'next';
import { CspNonce } from '~/components/csp-nonce';
import { TRPCReactProvider } from '~/trpc/react';
import './globals.css';

// Every page is rendered per request: each gets its own CSP nonce (src/proxy.ts) and no page that may
// hold workspace data is ever cached.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'BYOK Studio',
  description: 'Content Studio with your own AI provider keys or platform credits',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-dvh font-sans">
        <CspNonce />
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
