import { MembersPanel } from '~/components/members-panel';

export default function MembersPage() {
  return <MembersPanel />;
}
