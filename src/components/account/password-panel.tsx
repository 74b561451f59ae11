'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert, Button, Card, Field } from '~/components/ui';
import { useTRPC } from '~/trpc/react';

/** Changing the password signs out every other session (the server enforces it). */
export function PasswordPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [outcome, setOutcome] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const newPassword = String(data.get('newPassword') ?? '');
    if (newPassword !== String(data.get('confirmPassword') ?? '')) {
      setOutcome({ tone: 'error', text: 'The new passwords do not match.' });
      return;
    }
    setPending(true);
    setOutcome(null);
    // Loaded on submit: the auth client is ~10 KB that the Account page's first load does not need.
    const { authClient } = await import('~/lib/auth-client');
    const result = await authClient.changePassword({
      currentPassword: String(data.get('currentPassword') ?? ''),
      newPassword,
      revokeOtherSessions: true,
    });
    setPending(false);
    if (result.error) {
      const text =
        result.error.code === 'INVALID_PASSWORD'
          ? 'The current password is wrong.'
          : result.error.code === 'PASSWORD_TOO_SHORT'
            ? 'Use at least 8 characters for the new password.'
            : (result.error.message ?? 'Could not change the password.');
      setOutcome({ tone: 'error', text });
      return;
    }
    form.reset();
    setOutcome({ tone: 'success', text: 'Password changed. Your other sessions were signed out.' });
    void queryClient.invalidateQueries(trpc.account.sessions.queryFilter());
  }

  return (
    <Card>
      <h2 className="text-lg font-semibold">Password</h2>
      <p className="mt-1 text-sm text-slate-600">Changing it signs you out everywhere else.</p>
      <form onSubmit={onSubmit} className="mt-4 flex max-w-sm flex-col gap-3">
        <Field id="current-password" name="currentPassword" label="Current password" type="password" required autoComplete="current-password" />
        <Field id="new-password" name="newPassword" label="New password" type="password" required minLength={8} maxLength={128} autoComplete="new-password" hint="At least 8 characters." />
        <Field id="confirm-password" name="confirmPassword" label="Confirm new password" type="password" required minLength={8} maxLength={128} autoComplete="new-password" />
        {outcome ? <Alert tone={outcome.tone}>{outcome.text}</Alert> : null}
        <div>
          <Button type="submit" disabled={pending}>{pending ? 'Please wait…' : 'Change password'}</Button>
        </div>
      </form>
    </Card>
  );
}
