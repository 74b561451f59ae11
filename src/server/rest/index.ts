import 'server-only';
import { getDb } from '~/server/db';
import { restEndpoints } from '~/server/rest/endpoints';

export const rest = restEndpoints(getDb);
