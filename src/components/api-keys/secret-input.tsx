'use client';

// The API key field: a password input that browsers neither autofill, remember nor send to a spell
// checker (reference/security.md item 15). Its value lives only in the parent's state, which is
// cleared after saving and when the dialog closes.
export function SecretInput({
  id,
  value,
  onChange,
  describedBy,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
  describedBy?: string;
}) {
  return (
    <input
      id={id}
      name={id}
      type="password"
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
      maxLength={512}
      className="rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm shadow-sm focus:border-brand-600"
    />
  );
}
