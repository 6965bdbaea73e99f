/**
 * How an event's revision relates to the one this page applied (revisions count a queue's recalls):
 * at or below it is a repeat; one above is the next; further above means events were missed and the
 * page must catch up from the stored state.
 */
export type RevisionVerdict = 'repeat' | 'next' | 'gap';

export function judgeRevision(applied: number, incoming: number): RevisionVerdict {
  if (incoming <= applied) return 'repeat';
  return incoming === applied + 1 ? 'next' : 'gap';
}
