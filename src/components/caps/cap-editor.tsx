'use client';
// A monthly credit cap, edited where the capped thing is listed: a member's row (Members), a runtime
// token's row (Developers) and the Usage page's caps table all use this one editor. Past the cap, that
// member's runs or that token's managed calls are refused until the month (UTC) ends; empty: no cap.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '~/components/ui/button';
import { cn } from '~/components/ui/cn';
import { Input } from '~/components/ui/input';
import { toast } from '~/components/ui/toast';
import { useTRPC } from '~/trpc/react';

export type CapTarget = { kind: 'member'; userId: string } | { kind: 'token'; tokenId: string };

type Props = {
  workspaceId: string;
  target: CapTarget;
  /** Who or what is capped, for the field's accessible name and the messages. */
  name: string;
  cap: number | null;
  used: number;
  /** `cell`: inside the caps table, whose other columns show the name and the credits used. */
  layout?: 'row' | 'cell';
};

export function CapEditor({ workspaceId, target, name, cap, used, layout = 'row' }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [value, setValue] = useState(cap === null ? '' : String(cap));
  const parsed = value.trim() === '' ? null : Number(value);
  const invalid = parsed !== null && (!Number.isSafeInteger(parsed) || parsed < 0);
  const options = {
    onSuccess: async () => {
      await queryClient.invalidateQueries(trpc.usage.caps.queryFilter({ workspaceId }));
      toast.success(parsed === null ? `Cap lifted for ${name}` : `Cap set for ${name}`);
    },
  };
  const member = useMutation(trpc.usage.setMemberCap.mutationOptions(options));
  const token = useMutation(trpc.usage.setTokenCap.mutationOptions(options));
  const pending = member.isPending || token.isPending;
  const error = member.error?.message ?? token.error?.message;
  const id = `cap-${target.kind}-${target.kind === 'member' ? target.userId : target.tokenId}`;
  const errorId = `${id}-error`;

  function save() {
    if (invalid || pending) return;
    if (target.kind === 'member') member.mutate({ workspaceId, userId: target.userId, monthlyCreditCap: parsed });
    else token.mutate({ workspaceId, tokenId: target.tokenId, monthlyCreditCap: parsed });
  }

  return (
    <form
      className="flex flex-wrap items-center gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <label htmlFor={id} className={layout === 'cell' ? 'sr-only' : 'text-xs font-medium text-muted-foreground'}>
        Monthly credit cap<span className="sr-only"> for {name}</span>
      </label>
      <Input
        id={id}
        inputMode="numeric"
        className={cn('w-28', layout === 'row' && 'h-8')}
        placeholder="No cap"
        value={value}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid || error ? errorId : undefined}
        onChange={(e) => setValue(e.target.value)}
      />
      <Button type="submit" size={layout === 'row' ? 'xs' : 'sm'} variant="secondary" aria-label={`Save cap for ${name}`} disabled={parsed === cap || invalid} loading={pending}>
        Save
      </Button>
      {layout === 'row' ? (
        <span className="text-xs text-muted-foreground">
          {used.toLocaleString('en-US')}
          {cap !== null ? ` of ${cap.toLocaleString('en-US')}` : ''} credits used this month
        </span>
      ) : null}
      {invalid ? (
        <span id={errorId} role="alert" className="text-xs text-destructive-foreground">A whole number of credits</span>
      ) : error ? (
        <span id={errorId} role="alert" className="text-xs text-destructive-foreground">{error}</span>
      ) : null}
    </form>
  );
}
