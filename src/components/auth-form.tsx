'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { LogoMark } from '~/components/brand/provider-mark';
import { Alert, Button, Card, Field } from '~/components/ui';
import { authClient } from '~/lib/auth-client';

export function AuthForm({ mode }: { mode: 'sign-in' | 'sign-up' }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setPending(true);
    const form = new FormData(e.currentTarget);
    const email = String(form.get('email') ?? '');
    const password = String(form.get('password') ?? '');
    const result =
      mode === 'sign-up'
        ? await authClient.signUp.email({ email, password, name: String(form.get('name') ?? '') })
        : await authClient.signIn.email({ email, password });
    setPending(false);
    if (result.error) {
      // The library's errors carry `message`; the API layer's own (400, 413) carry `error.message`.
      const message = result.error.message ?? (result.error as { error?: { message?: string } }).error?.message;
      setError(
        mode === 'sign-in' && result.error.status === 401
          ? 'Wrong email or password.'
          : mode === 'sign-up' && result.error.status === 422
            ? 'An account with this email already exists. Sign in instead.'
            : (message ?? (mode === 'sign-in' ? 'Could not sign in.' : 'Could not create the account.')),
      );
      return;
    }
    router.replace('/');
    router.refresh();
  }

  const title = mode === 'sign-up' ? 'Create your account' : 'Sign in';
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-4 py-10">
      <p className="mb-6 flex items-center justify-center gap-2 text-lg font-semibold tracking-tight">
        <LogoMark className="size-7" /> BYOK Studio
      </p>
      <Card>
        <h1 className="mb-4 text-xl font-semibold">{title}</h1>
        <form onSubmit={onSubmit} className="flex flex-col gap-4" noValidate={false}>
          {mode === 'sign-up' ? <Field id="name" name="name" label="Name" required autoComplete="name" maxLength={60} /> : null}
          <Field id="email" name="email" label="Email" type="email" required autoComplete="email" />
          <Field
            id="password"
            name="password"
            label="Password"
            type="password"
            required
            minLength={8}
            autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
            hint={mode === 'sign-up' ? 'At least 8 characters.' : undefined}
          />
          {error ? <Alert>{error}</Alert> : null}
          <Button type="submit" disabled={pending}>
            {pending ? 'Please wait…' : mode === 'sign-up' ? 'Sign up' : 'Sign in'}
          </Button>
        </form>
      </Card>
      <p className="mt-4 text-center text-sm text-muted-foreground">
        {mode === 'sign-up' ? (
          <>Already have an account? <Link className="font-medium text-accent-foreground underline" href="/sign-in">Sign in</Link></>
        ) : (
          <>New here? <Link className="font-medium text-accent-foreground underline" href="/sign-up">Create an account</Link></>
        )}
      </p>
    </main>
  );
}
