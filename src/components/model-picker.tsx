'use client';

import dynamic from 'next/dynamic';

export { describeChoice, KeysHelp, sameChoice, type ChoiceView } from '~/components/model-choice';

/**
 * The model picker, loaded after the page (Popover, cmdk and their positioning code are needed only when
 * it opens). Until then a box of the same size holds its place.
 */
export const ModelPicker = dynamic(() => import('~/components/model-picker-popover').then((m) => m.ModelPickerPopover), {
  ssr: false,
  loading: () => <div aria-hidden className="h-[46px] w-full animate-pulse rounded-md border border-input bg-muted/50" />,
});
