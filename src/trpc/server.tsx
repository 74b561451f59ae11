import 'server-only';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import { createTRPCOptionsProxy, type TRPCQueryOptions } from '@trpc/tanstack-react-query';
import { headers } from 'next/headers';
import { cache } from 'react';
import { pageServices } from '~/server/page-services';
import { makeQueryClient } from '~/trpc/query-client';

const createContext = cache(async () => pageServices().createContext(await headers()));

export const getQueryClient = cache(makeQueryClient);

/** The tRPC procedures of this page request, for prefetching into the page's query cache. */
export const trpc = cache(() => createTRPCOptionsProxy({ ctx: createContext, router: pageServices().router, queryClient: getQueryClient }));

export function HydrateClient({ children }: { children: React.ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function prefetch<T extends ReturnType<TRPCQueryOptions<any>>>(queryOptions: T) {
  void getQueryClient().prefetchQuery(queryOptions);
}
