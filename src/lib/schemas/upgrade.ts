// The "Request upgrade" shapes, shared by the procedure and the Plan & credits page.
import { z } from 'zod';
import { ZPlan } from '~/lib/schemas/enums';

export const ZUpgradeRequestInput = z.object({
  plan: ZPlan,
  // Printed in the operator's terminal: one line, no control or format characters (no escape sequences).
  note: z
    .string()
    .trim()
    .max(500, 'Keep the note under 500 characters')
    .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'Use one line of plain text')
    .optional(),
});
export type UpgradeRequestInput = z.infer<typeof ZUpgradeRequestInput>;

export const ZUpgradeRequestDto = z.object({
  plan: ZPlan,
  note: z.string().nullable(),
  requestedAt: z.date(),
  requestedBy: z.string(),
});
export type UpgradeRequestDto = z.infer<typeof ZUpgradeRequestDto>;
