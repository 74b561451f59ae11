'use client';

// The API key field: a password input that browsers neither autofill, remember nor send to a spell
// checker (reference/security.md item 15), with a button to show what was pasted. Its value lives only
// in the parent's state, which is cleared after saving and when the dialog closes.
import { Eye, EyeOff } from 'lucide-react';
import { useState } from 'react';
import { Input } from '~/components/ui/input';

export function SecretInput({
  id,
  value,
  onChange,
  describedBy,
  invalid,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
  describedBy?: string;
  invalid?: boolean;
}) {
  const [shown, setShown] = useState(false);
  return (
    <div className="relative">
      <Input
        id={id}
        name={id}
        type={shown ? 'text' : 'password'}
        required
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        autoCorrect="off"
        autoCapitalize="off"
        data-1p-ignore
        data-lpignore="true"
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
        maxLength={512}
        className="pr-10 font-mono"
      />
      <button
        type="button"
        aria-label="Show key"
        aria-pressed={shown}
        aria-controls={id}
        onClick={() => setShown((s) => !s)}
        className="absolute inset-y-0 right-0 flex w-9 items-center justify-center rounded-r-md text-muted-foreground hover:text-foreground"
      >
        {shown ? <EyeOff aria-hidden className="size-4" /> : <Eye aria-hidden className="size-4" />}
      </button>
    </div>
  );
}
