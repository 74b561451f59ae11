import { rest } from '~/server/rest';

export const dynamic = 'force-dynamic';
export const GET = rest.getAiDefaults;
export const PUT = rest.putAiDefaults;
