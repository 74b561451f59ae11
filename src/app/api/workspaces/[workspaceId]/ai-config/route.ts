import { rest } from '~/server/rest';

export const dynamic = 'force-dynamic';
export const GET = rest.getAiConfig;
export const PUT = rest.putAiConfig;
