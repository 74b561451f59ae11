'use client';

import { Check, Copy } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Button, type ButtonProps } from '~/components/ui/button';

/** Copies `value` to the clipboard and says so (visibly and to screen readers) for two seconds. */
export function CopyButton({
  value,
  label = 'Copy',
  copiedLabel = 'Copied',
  showText = false,
  ...props
}: { value: string; label?: string; copiedLabel?: string; showText?: boolean } & Omit<ButtonProps, 'value' | 'onClick'>) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(t);
  }, [copied]);
  return (
    <Button
      variant="secondary"
      size={showText ? 'xs' : 'icon-sm'}
      aria-label={showText ? undefined : copied ? copiedLabel : label}
      onClick={async () => {
        await navigator.clipboard.writeText(value);
        setCopied(true);
      }}
      {...props}
    >
      {copied ? <Check aria-hidden className="text-success" /> : <Copy aria-hidden />}
      {showText ? (copied ? copiedLabel : label) : null}
      <span role="status" className="sr-only">{copied ? copiedLabel : ''}</span>
    </Button>
  );
}
