'use client';

// Radix's modal parts lock page scrolling with a <style> element (react-remove-scroll). The pages'
// Content-Security-Policy admits only styles carrying this response's nonce, so that element gets it:
// Next.js puts the nonce on its own scripts, and get-nonce (what react-style-singleton reads) is told it.
import { setNonce } from 'get-nonce';

if (typeof document !== 'undefined') {
  const nonce = document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce;
  if (nonce) setNonce(nonce);
}

export function CspNonce() {
  return null;
}
